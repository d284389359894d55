// Stands in for mesos-journald-pipe in the launcher's unit tests: records what it was
// started with (argv, environment, fds, session, signal state, fields, cgroup files),
// reads fds 3 and 4 to end of stream, and writes all of it as JSON to the --report=PATH
// given among its arguments or $MJ_FAKE_REPORT (atomically, so a test can wait for it).
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

extern char** environ;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string status_line(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  nlohmann::json r;
  std::string report, cgroup_root;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    r["argv"].push_back(a);
    if (a.rfind("--report=", 0) == 0) report = a.substr(9);
    if (a.rfind("--cgroup-root=", 0) == 0) cgroup_root = a.substr(14);
  }
  // prepare_container_io() builds the arguments itself; its tests name the report in
  // the environment instead.
  if (report.empty() && std::getenv("MJ_FAKE_REPORT")) report = std::getenv("MJ_FAKE_REPORT");
  if (report.empty()) return 2;
  r["pid"] = ::getpid();
  r["ppid"] = ::getppid();
  r["sid"] = ::getsid(0);
  r["pgid"] = ::getpgid(0);
  for (char** e = environ; *e; ++e) r["env"].push_back(*e);
  // Listed before this program opens anything itself.
  for (int fd = 0; fd < 1024; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0) continue;
    char target[512];
    ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target - 1);
    r["fds"][std::to_string(fd)] = n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "?";
  }
  std::string status = slurp("/proc/self/status");
  r["sig_blocked"] = status_line(status, "SigBlk");
  r["sig_ignored"] = status_line(status, "SigIgn");
  r["fields"] = slurp("/dev/fd/5");
  if (!cgroup_root.empty()) {
    // Its own cgroup below the slice (cgroup_placement.h).
    const std::string own = "/mesos_executors.slice/mesos-journald-" + std::to_string(::getpid()) + ".scope";
    r["v1_procs_at_start"] = slurp(cgroup_root + "/systemd" + own + "/cgroup.procs");
    r["v2_procs_at_start"] = slurp(cgroup_root + "/unified" + own + "/cgroup.procs");
  }

  std::string data[2];
  struct pollfd fds[2] = {{3, POLLIN, 0}, {4, POLLIN, 0}};
  int open_streams = 2;
  while (open_streams > 0) {
    if (::poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        data[i].append(buf, static_cast<std::size_t>(n));
      } else {
        fds[i].fd = -1;
        --open_streams;
      }
    }
  }
  r["stdout"] = data[0];
  r["stderr"] = data[1];
  r["ppid_at_end"] = ::getppid();

  std::ofstream(report + ".tmp") << r.dump();
  std::filesystem::rename(report + ".tmp", report);
  return 0;
}
