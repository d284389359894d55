#include "pipe/companion.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/diagnostics.h"
#include "core/journal_socket.h"
#include "core/stream_pump.h"
#include "pipe/child_process.h"
#include "pipe/privileges.h"

namespace mj {
namespace {

constexpr int kExitLost = 1;
constexpr int kExitSetup = 2;

// SIGTERM and friends arrive through a signalfd so that the loop can drain cleanly.
Result<UniqueFd> block_signals_to_fd(bool with_child) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
  if (with_child) sigaddset(&set, SIGCHLD);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return Error::from_errno("cannot block signals");
  UniqueFd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) return Error::from_errno("cannot create signalfd");
  return fd;
}

// Command mode: signals sent to us with kill() go on to the child; its exit is reaped.
class ChildSignals final : public SignalPolicy {
 public:
  explicit ChildSignals(pid_t pid) : pid_(pid) {}

  SignalAction on_signal(int signo, int code) override {
    if (signo == SIGCHLD) {
      reap(WNOHANG);
      return SignalAction::kContinue;
    }
    if (exited_) return SignalAction::kDrain;  // only stragglers hold the pipes now
    // A terminal's ^C already reached the child's process group (SI_KERNEL); only
    // signals sent to us alone are forwarded.
    if (code == SI_USER || code == SI_QUEUE) ::kill(pid_, signo);
    return SignalAction::kContinue;
  }

  void reap(int flags) {
    while (!exited_) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, flags);
      if (r == pid_) {
        exited_ = true;
        status_ = status;
      } else if (r < 0 && errno == EINTR) {
        continue;
      } else {
        return;
      }
    }
  }

  bool exited() const { return exited_; }
  int status() const { return status_; }

 private:
  pid_t pid_;
  bool exited_ = false;
  int status_ = 0;
};

class DrainOnSignal final : public SignalPolicy {
 public:
  SignalAction on_signal(int, int) override { return SignalAction::kDrain; }
};

// After the pipes closed the child may still run: wait for it, still forwarding signals.
void wait_for_child(ChildSignals& child, int signal_fd) {
  while (!child.exited()) {
    child.reap(WNOHANG);
    if (child.exited()) break;
    struct pollfd p = {signal_fd, POLLIN, 0};
    if (::poll(&p, 1, -1) < 0 && errno != EINTR) {
      child.reap(0);
      break;
    }
    struct signalfd_siginfo info;
    while (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
      child.on_signal(static_cast<int>(info.ssi_signo), info.ssi_code);
  }
}

void report_losses(const PumpReport& report, Diagnostics& diag) {
  for (const StreamReport& s : report.streams) {
    const char* name = stream_file_name(s.kind);
    if (s.journal.lost_entries > 0)
      diag.report(std::string(name) + ": " + std::to_string(s.journal.lost_entries) + " journal entries (" +
                  std::to_string(s.journal.lost_bytes) + " bytes) could not be delivered to journald");
    if (s.file.bytes_lost > 0)
      diag.report(std::string(name) + ": " + std::to_string(s.file.bytes_lost) +
                  " bytes could not be written to the sandbox file");
  }
  if (report.drops.dropped_entries > 0)
    diag.report(std::to_string(report.drops.dropped_entries) + " journal entries (" +
                std::to_string(report.drops.dropped_bytes) + " bytes) were dropped under --overflow drop, in " +
                std::to_string(report.drops.gaps) + " gaps marked in the journal");
  if (report.drops.lost_at_exit > 0)
    diag.report(std::to_string(report.drops.lost_at_exit) +
                " queued journal entries could not be delivered before the drain timeout");
  if (report.unread_bytes > 0)
    diag.report(std::to_string(report.unread_bytes) + " bytes were still unread in the pipes when draining ended");
}

}  // namespace

int run_companion(const PipeOptions& o) {
  FdDiagnostics diag(STDERR_FILENO, "mesos-journald-pipe");
  // A write to a closed pipe or socket must be an error value, not a death.
  ::signal(SIGPIPE, SIG_IGN);

  const bool command_mode = o.mode == InputMode::kCommand;
  auto signal_fd = block_signals_to_fd(command_mode);
  if (!signal_fd) {
    diag.report(signal_fd.error().message);
    return kExitSetup;
  }

  if (o.user) {
    // Before the sandbox is opened and journald is connected: files are then created as
    // the task's user, and journald records the task's _UID.
    auto ids = lookup_user(*o.user);
    if (!ids) {
      diag.report("--user: " + ids.error().message);
      return kExitSetup;
    }
    if (Status s = drop_privileges(*ids); !s) {
      diag.report("cannot switch to user " + *o.user + ": " + s.error().message);
      return kExitSetup;
    }
  }

  UniqueFd sandbox_dir;
  if (o.sandbox) {
    sandbox_dir.reset(::open(o.sandbox->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!sandbox_dir) {
      diag.report("cannot open sandbox directory " + *o.sandbox + ": " + std::strerror(errno));
      return kExitSetup;
    }
  }

  struct Input {
    UniqueFd fd;
    StreamKind kind;
  };
  std::vector<Input> inputs;
  std::optional<ChildSignals> child_signals;
  DrainOnSignal drain_policy;
  switch (o.mode) {
    case InputMode::kCommand: {
      auto child = spawn_child(o.command);
      if (!child) {
        diag.report(child.error().message);
        return child.error().code == ENOENT ? 127 : 126;
      }
      child_signals.emplace(child->pid);
      inputs.push_back({std::move(child->stdout_read), StreamKind::kStdout});
      inputs.push_back({std::move(child->stderr_read), StreamKind::kStderr});
      break;
    }
    case InputMode::kStdin:
      inputs.push_back({UniqueFd(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)), o.stdin_stream});
      break;
    case InputMode::kFds:
      if (o.stdout_fd >= 0) inputs.push_back({UniqueFd(o.stdout_fd), StreamKind::kStdout});
      if (o.stderr_fd >= 0) inputs.push_back({UniqueFd(o.stderr_fd), StreamKind::kStderr});
      break;
  }
  if (o.mode == InputMode::kStdin) {
    // Keep fd 0 open (on /dev/null) so that nothing else lands on it.
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0 && null != STDIN_FILENO) {
      ::dup2(null, STDIN_FILENO);
      ::close(null);
    }
  }

  std::optional<JournalSocket> journal;
  if (o.journal) {
    journal.emplace(o.socket_path, diag);
    // With a namespace (or the default journal) known, what a dying journald lost can be
    // found by reading the journal back, and sent again.
    if (o.journal_namespace) journal->set_stored_counter(std::make_unique<StoredEntryCounter>(*o.journal_namespace));
  }
  SignalPolicy* policy = child_signals ? static_cast<SignalPolicy*>(&*child_signals) : &drain_policy;
  StreamPump pump(o.pump, journal ? &*journal : nullptr, diag, signal_fd->get(), policy);

  for (Input& in : inputs) {
    if (!in.fd) {
      diag.report(std::string("cannot use input for ") + stream_file_name(in.kind) + ": " + std::strerror(errno));
      return kExitSetup;
    }
    EntryTemplate tmpl;
    tmpl.identifier = o.identifier;
    tmpl.stream = in.kind;
    tmpl.priority = in.kind == StreamKind::kStdout ? o.stdout_priority : o.stderr_priority;
    tmpl.level_prefix = o.level_prefix;
    tmpl.fields = o.fields;
    std::optional<RotatingFile> file;
    if (sandbox_dir) {
      auto opened = RotatingFile::open(sandbox_dir.get(), stream_file_name(in.kind),
                                       in.kind == StreamKind::kStdout ? o.stdout_rotation : o.stderr_rotation, diag);
      if (!opened) {
        diag.report(opened.error().message);
        return kExitSetup;
      }
      file.emplace(std::move(*opened));
    }
    // Pipes from the Mesos module or made for COMMAND are ours alone; standard input may
    // be shared (a terminal), and must stay blocking for whoever else uses it.
    pump.add_stream(std::move(in.fd), tmpl, std::move(file), o.mode != InputMode::kStdin);
  }

  PumpReport report = pump.run();
  report_losses(report, diag);
  if (journal && journal->stats().lost_with_journald > 0)
    diag.report(std::to_string(journal->stats().lost_with_journald) +
                " journal entries were lost with a journald that died and could not be sent again");
  if (child_signals) {
    wait_for_child(*child_signals, signal_fd->get());
    return exit_status_code(child_signals->status());
  }
  bool lost = report.lost_anything() || (journal && journal->stats().lost_with_journald > 0);
  return lost ? kExitLost : 0;
}

}  // namespace mj
