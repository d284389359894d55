#include "logger/companion_launcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/entry/fields_file.h"

extern char** environ;

namespace mj {
namespace {

// fds in the companion: 0 and 1 /dev/null, 2 inherited, then these.
constexpr int kStdoutFd = 3;
constexpr int kStderrFd = 4;
constexpr int kFieldsFd = 5;
constexpr int kExecReportFd = 6;  // CLOEXEC: closed by a successful exec
constexpr int kFirstFreeFd = 7;

// Large pipes absorb bursts while the companion waits on journald (1 MiB is the
// default /proc/sys/fs/pipe-max-size; failing to grow is harmless).
constexpr int kPipeSize = 1 << 20;

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> make_pipe(const char* what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::from_errno(std::string("cannot create ") + what + " pipe");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<Pipe> make_socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return Error::from_errno("cannot create the start socket pair");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<UniqueFd> make_fields_memfd(const std::vector<Field>& fields) {
  UniqueFd fd(::memfd_create("mesos-journald-fields", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return Error::from_errno("cannot create the fields memfd");
  std::string json = format_fields_json(fields);
  std::size_t done = 0;
  while (done < json.size()) {
    ssize_t n = ::write(fd.get(), json.data() + done, json.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("cannot write the fields memfd");
    done += static_cast<std::size_t>(n);
  }
  // Sealed: the companion reads exactly what was derived here, whoever else gets the fd.
  ::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  return fd;
}

bool inherited_variable(const char* entry) {
  return std::strncmp(entry, "MESOS_", 6) != 0 && std::strncmp(entry, "LIBPROCESS_", 11) != 0;
}

// argv and envp as execve() wants them, built before fork().
class ExecImage {
 public:
  ExecImage(const std::string& path, const std::vector<std::string>& args) {
    strings_.push_back(path);
    for (const std::string& a : companion_fd_arguments()) strings_.push_back(a);
    for (const std::string& a : args) strings_.push_back(a);
    for (const std::string& s : strings_) argv_.push_back(const_cast<char*>(s.c_str()));
    argv_.push_back(nullptr);
    for (char** e = environ; e && *e; ++e)
      if (inherited_variable(*e)) envp_.push_back(*e);
    envp_.push_back(nullptr);
  }
  const char* path() const { return strings_.front().c_str(); }
  char* const* argv() const { return argv_.data(); }
  char* const* envp() const { return envp_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
};

// What the children need, as plain ints (no destructors run in a child).
struct ChildFds {
  int stdout_read;
  int stderr_read;
  int fields;
  int dev_null;
  int go_read;      // the launcher's "placed, start now"
  int go_write;     // the launcher's end: must be closed in the child to see EOF
  int status_write; // intermediate -> launcher: the companion's pid
  int exec_write;   // companion -> launcher: errno of a failed exec
};

struct StatusMessage {
  pid_t pid;
  int error;  // errno of a failed fork
};

// --- Async-signal-safe helpers for the children --------------------------------------

void write_all_raw(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

[[noreturn]] void fail_child(int report_fd, int err) {
  write_all_raw(report_fd, &err, sizeof err);
  ::_exit(127);
}

int parse_fd_name(const char* name) {
  if (*name == '\0') return -1;
  int v = 0;
  for (; *name; ++name) {
    if (*name < '0' || *name > '9') return -1;
    v = v * 10 + (*name - '0');
  }
  return v;
}

// Closes every fd >= lowest. close_range() where the kernel has it (5.9+), else by
// listing /proc/self/fd with getdents64 (opendir() may allocate, which is not allowed
// after fork() in a multi-threaded process).
void close_from(int lowest) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, static_cast<unsigned>(lowest), ~0U, 0) == 0) return;
#endif
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    for (int fd = lowest; fd < 65536; ++fd) ::close(fd);
    return;
  }
  alignas(8) char buf[4096];
  bool closed_any = true;
  while (closed_any) {
    closed_any = false;
    ::lseek(dir, 0, SEEK_SET);
    long n;
    while ((n = ::syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<struct dirent64*>(buf + off);
        int fd = parse_fd_name(d->d_name);
        if (fd >= lowest && fd != dir) {
          ::close(fd);
          closed_any = true;
        }
        off += d->d_reclen;
      }
    }
  }
  ::close(dir);
}

void reset_signals() {
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);  // EINVAL for RT signals libc owns
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

[[noreturn]] void run_companion_child(const ChildFds& fds, const ExecImage& image) {
  int report = fds.exec_write;
  ::close(fds.go_write);
  // Wait until the launcher has placed us; EOF means it gave up (or died): do not run.
  char go = 0;
  ssize_t n;
  do n = ::read(fds.go_read, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) ::_exit(127);

  reset_signals();

  // Move every source above the targets first, so that no dup2() below clobbers a
  // source that happens to sit on a target number.
  int moved[5];
  const int sources[5] = {fds.stdout_read, fds.stderr_read, fds.fields, fds.dev_null, fds.exec_write};
  for (int i = 0; i < 5; ++i) {
    moved[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, kFirstFreeFd);
    if (moved[i] < 0) fail_child(report, errno);
  }
  report = moved[4];
  // dup2() clears FD_CLOEXEC on the target: these are the fds the companion keeps.
  if (::dup2(moved[3], STDIN_FILENO) < 0 || ::dup2(moved[3], STDOUT_FILENO) < 0) fail_child(report, errno);
  if (::fcntl(STDERR_FILENO, F_GETFD) < 0 && ::dup2(moved[3], STDERR_FILENO) < 0) fail_child(report, errno);
  if (::dup2(moved[0], kStdoutFd) < 0 || ::dup2(moved[1], kStderrFd) < 0 || ::dup2(moved[2], kFieldsFd) < 0 ||
      ::dup2(moved[4], kExecReportFd) < 0)
    fail_child(report, errno);
  report = kExecReportFd;
  ::fcntl(kExecReportFd, F_SETFD, FD_CLOEXEC);
  // Nothing else of the agent's (other containers' pipes, sockets) may stay open.
  close_from(kFirstFreeFd);

  ::execve(image.path(), image.argv(), image.envp());
  fail_child(report, errno);
}

[[noreturn]] void run_intermediate(const ChildFds& fds, const ExecImage& image) {
  // A new session: no controlling terminal, and no signal aimed at the agent's process
  // group or session reaches the companion.
  ::setsid();
  pid_t pid = ::fork();
  if (pid == 0) run_companion_child(fds, image);
  StatusMessage msg{pid, pid < 0 ? errno : 0};
  write_all_raw(fds.status_write, &msg, sizeof msg);
  ::_exit(0);
}

// --- The launcher's side -------------------------------------------------------------

ssize_t read_full(int fd, void* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, static_cast<char*>(data) + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::vector<std::string> companion_fd_arguments() {
  return {"--stdout-fd", std::to_string(kStdoutFd), "--stderr-fd", std::to_string(kStderrFd), "--fields-file",
          "/dev/fd/" + std::to_string(kFieldsFd)};
}

Result<LaunchedCompanion> launch_companion(const CompanionCommand& command, const CgroupPlacement& placement) {
  auto out = make_pipe("stdout");
  if (!out) return out.error();
  auto err = make_pipe("stderr");
  if (!err) return err.error();
  ::fcntl(out->read.get(), F_SETPIPE_SZ, kPipeSize);
  ::fcntl(err->read.get(), F_SETPIPE_SZ, kPipeSize);
  auto fields = make_fields_memfd(command.fields);
  if (!fields) return fields.error();
  UniqueFd dev_null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!dev_null) return Error::from_errno("cannot open /dev/null");
  auto status = make_pipe("status");
  if (!status) return status.error();
  // A socket rather than a pipe, so that the launcher's write can use MSG_NOSIGNAL: a
  // companion killed early must not raise SIGPIPE in the agent.
  auto go = make_socket_pair();
  if (!go) return go.error();
  auto exec_report = make_pipe("exec report");
  if (!exec_report) return exec_report.error();

  ExecImage image(command.path, command.args);
  ChildFds child{out->read.get(),    err->read.get(),     fields->get(),       dev_null.get(),
                 go->read.get(),     go->write.get(),     status->write.get(), exec_report->write.get()};

  pid_t intermediate = ::fork();
  if (intermediate < 0) return Error::from_errno("cannot fork to start " + command.path);
  if (intermediate == 0) run_intermediate(child, image);

  // The children hold their copies now.
  out->read.reset();
  err->read.reset();
  fields->reset();
  dev_null.reset();
  go->read.reset();
  status->write.reset();
  exec_report->write.reset();

  StatusMessage msg{-1, 0};
  ssize_t got = read_full(status->read.get(), &msg, sizeof msg);
  reap(intermediate);
  if (got != static_cast<ssize_t>(sizeof msg)) return Error{"the launcher's intermediate process died unexpectedly"};
  if (msg.pid < 0) return Error{"cannot fork to start " + command.path + ": " + std::strerror(msg.error), msg.error};

  LaunchedCompanion launched;
  launched.pid = msg.pid;
  launched.warnings = place_in_slice(msg.pid, placement);

  char start = 1;
  if (::send(go->write.get(), &start, 1, MSG_NOSIGNAL) != 1) {
    // Only a companion killed before it started gets here; closing the socket makes any
    // survivor exit without running.
    return Error::from_errno("cannot start " + command.path);
  }
  go->write.reset();

  int exec_errno = 0;
  got = read_full(exec_report->read.get(), &exec_errno, sizeof exec_errno);
  if (got == static_cast<ssize_t>(sizeof exec_errno))
    return Error{"cannot run " + command.path + ": " + std::strerror(exec_errno), exec_errno};
  if (got != 0) return Error{"cannot tell whether " + command.path + " started"};

  launched.stdout_write = std::move(out->write);
  launched.stderr_write = std::move(err->write);
  return launched;
}

}  // namespace mj
