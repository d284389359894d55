// A stand-in for the Mesos agent and its tasks, run inside a systemd container by
// systemd_tests (nspawn_test.cpp).
//
//   systemd_test_agent agent --state DIR --companion PATH [--placement auto|slice|none]
//                            [--param KEY=VALUE ...] --container ID:SANDBOX:SOCKET ...
//     Plays the agent under a systemd service unit: for every container not launched
//     yet (DIR/ID.launched missing) it does what the module's prepare() does
//     (prepare_container_io(): starts one companion, placed by the launcher), hands the
//     container's write ends to the "task" listening on SOCKET, closes its own copies and
//     records the companion's pid in DIR/ID.launched. Then it waits for SIGTERM. A
//     restarted agent finds the containers launched and does nothing, like an agent
//     recovering its containers.
//
//   systemd_test_agent task --socket PATH --prefix P --lines N
//                           [--pause-after K --resume-file F] [--interval-us U] [--linger-ms M]
//     Plays a Mesos executor: runs as its own transient unit (outside the agent's unit,
//     as executors live in mesos_executors.slice), waits for the agent to hand it its
//     stdout and stderr, writes "P out I" and "P err I" for I in 0..N-1, optionally
//     stopping after K lines until F exists, and exits, closing the pipes.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "logger/container_io.h"
#include "logger/logger_config.h"
#include "logger_test_util.h"

namespace {

using namespace mj;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "systemd_test_agent: %s\n", what.c_str());
  std::exit(2);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t pos; (pos = s.find(sep, start)) != std::string::npos; start = pos + 1)
    parts.push_back(s.substr(start, pos - start));
  parts.push_back(s.substr(start));
  return parts;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  // The task may still be starting: retry for a while.
  for (int i = 0; i < 500; ++i) {
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  die("cannot connect to " + path + ": " + std::strerror(errno));
}

int run_agent(std::map<std::string, std::vector<std::string>>& opts) {
  const std::string state = opts["--state"].at(0);
  // auto and none as the module's cgroup_placement; slice: auto, but directly into
  // mesos_executors.slice (no cgroup per companion), for the rate-limit comparison.
  const std::string placement_mode = opts.count("--placement") ? opts["--placement"].at(0) : "auto";
  std::map<std::string, std::string> params = {
      {"companion_path", opts["--companion"].at(0)},
      {"cgroup_placement", placement_mode == "slice" ? "auto" : placement_mode},
  };
  for (const std::string& p : opts["--param"]) {
    auto eq = p.find('=');
    if (eq == std::string::npos) die("--param wants KEY=VALUE, not " + p);
    params[p.substr(0, eq)] = p.substr(eq + 1);
  }
  auto config = parse_logger_config(params);
  if (!config) die(config.error().message);
  CgroupPlacement placement = cgroup_placement_for(*config);
  if (placement_mode == "slice") placement.unit_per_companion = false;

  for (const std::string& spec : opts["--container"]) {
    auto parts = split(spec, ':');
    if (parts.size() != 3) die("--container wants ID:SANDBOX:SOCKET, not " + spec);
    const std::string& id = parts[0];
    const std::string marker = state + "/" + id + ".launched";
    if (exists(marker)) {
      std::printf("container %s: already launched, recovered\n", id.c_str());
      continue;
    }
    ContainerMetadata m;
    m.container_id_chain = {id};
    m.framework_id = "fw-systemd";
    m.executor_id = id;
    m.task_id = id;
    m.task_name = id;
    m.sandbox_dir = parts[1];
    ::mkdir(m.sandbox_dir.c_str(), 0755);
    auto io = prepare_container_io(*config, m, placement);
    if (!io) die("container " + id + ": " + io.error().message);
    for (const std::string& w : io->warnings) std::printf("container %s: warning: %s\n", id.c_str(), w.c_str());
    int sock = connect_unix(parts[2]);
    if (!test::send_companion(sock, io->companion_pid, io->stdout_fd.get(), io->stderr_fd.get()))
      die("cannot hand the fds to the task of " + id);
    ::close(sock);
    std::ofstream(marker) << io->companion_pid << "\n";
    std::printf("container %s: companion %d started\n", id.c_str(), static_cast<int>(io->companion_pid));
    std::fflush(stdout);
  }
  std::printf("agent ready\n");
  std::fflush(stdout);
  for (;;) ::pause();  // SIGTERM (systemctl stop|restart) ends us
}

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die(std::string("write: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

int run_task(std::map<std::string, std::vector<std::string>>& opts) {
  const std::string path = opts["--socket"].at(0);
  const std::string prefix = opts["--prefix"].at(0);
  const long lines = std::stol(opts["--lines"].at(0));
  const long pause_after = opts.count("--pause-after") ? std::stol(opts["--pause-after"].at(0)) : -1;
  const std::string resume = opts.count("--resume-file") ? opts["--resume-file"].at(0) : "";
  const long interval = opts.count("--interval-us") ? std::stol(opts["--interval-us"].at(0)) : 0;
  // Keeps the pipes open after the last line, so that the companion is still alive when
  // journald reads its cgroup: journald looks the sender up in /proc when it processes
  // the entry, and attributes entries of a sender already gone to no unit at all.
  const long linger_ms = opts.count("--linger-ms") ? std::stol(opts["--linger-ms"].at(0)) : 0;

  int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ::unlink(path.c_str());
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 1) != 0)
    die("cannot listen on " + path + ": " + std::strerror(errno));
  int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) die(std::string("accept: ") + std::strerror(errno));
  pid_t companion = -1;
  int out = -1, err = -1;
  if (!test::receive_companion(conn, companion, out, err)) die("the agent sent no fds");
  ::close(conn);
  ::close(listener);
  ::unlink(path.c_str());

  for (long i = 0; i < lines; ++i) {
    if (i == pause_after) {
      std::printf("task %s: paused after %ld lines\n", prefix.c_str(), i);
      std::fflush(stdout);
      while (!exists(resume)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    write_all(out, prefix + " out " + std::to_string(i) + "\n");
    write_all(err, prefix + " err " + std::to_string(i) + "\n");
    if (interval > 0) std::this_thread::sleep_for(std::chrono::microseconds(interval));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
  ::close(out);
  ::close(err);
  std::printf("task %s: wrote %ld lines to each stream\n", prefix.c_str(), lines);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: systemd_test_agent agent|task OPTIONS");
  std::map<std::string, std::vector<std::string>> opts;
  for (int i = 2; i + 1 < argc; i += 2) opts[argv[i]].push_back(argv[i + 1]);
  ::signal(SIGPIPE, SIG_IGN);
  try {
    std::string mode = argv[1];
    if (mode == "agent") return run_agent(opts);
    if (mode == "task") return run_task(opts);
  } catch (const std::exception& e) {
    die(std::string("bad options: ") + e.what());
  }
  die("unknown mode " + std::string(argv[1]));
}
