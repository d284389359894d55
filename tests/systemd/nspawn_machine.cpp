#include "nspawn_machine.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "process_runner.h"

namespace mj::test {
namespace {

constexpr const char* kNspawn = "/usr/bin/systemd-nspawn";
constexpr const char* kNsenter = "/usr/bin/nsenter";

std::string g_rootfs;

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t parent_of(pid_t pid) {
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  char state;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

// The container's init: a descendant of nspawn that is PID 1 in its own pid namespace.
pid_t find_leader(pid_t nspawn) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = std::stoi(name);
    bool below = false;
    for (pid_t p = parent_of(pid), n = 0; p > 1 && n < 8; p = parent_of(p), ++n)
      if (p == nspawn) below = true;
    if (!below) continue;
    std::istringstream status(read_text("/proc/" + name + "/status"));
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("NSpid:", 0) != 0) continue;
      std::istringstream ids(line.substr(6));
      std::vector<long> v;
      for (long x; ids >> x;) v.push_back(x);
      if (v.size() >= 2 && v.back() == 1) return pid;
    }
  }
  return -1;
}

}  // namespace

const char* layout_name(CgroupLayout layout) {
  switch (layout) {
    case CgroupLayout::kHybrid: return "hybrid";
    case CgroupLayout::kLegacy: return "legacy";
    case CgroupLayout::kUnified: return "unified";
  }
  return "?";
}

std::string rootfs_path() { return g_rootfs; }

std::string nspawn_unavailable_reason() {
  static std::string reason = [] {
    if (::geteuid() != 0) return std::string("not root: systemd-nspawn needs root");
    if (const char* skip = std::getenv("MJ_SKIP_SYSTEMD_TESTS"); skip && *skip)
      return std::string("MJ_SKIP_SYSTEMD_TESTS is set");
    // Builds the rootfs when needed (and installs systemd-nspawn/debootstrap with apt).
    RunResult r = run({"/bin/bash", std::string(MJ_SOURCE_DIR) + "/scripts/systemd-rootfs.sh"});
    if (r.exit_code == 77) return "cannot boot a systemd container here: " + r.err;
    if (r.exit_code != 0) return "scripts/systemd-rootfs.sh failed (" + std::to_string(r.exit_code) + "): " + r.err;
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    g_rootfs = r.out;
    if (!executable(kNspawn)) return std::string("no ") + kNspawn;
    if (!executable(kNsenter)) return std::string("no ") + kNsenter;
    return std::string();
  }();
  return reason;
}

NspawnMachine::NspawnMachine(const std::string& name_hint, CgroupLayout layout, const std::vector<Bind>& binds,
                             const std::string& network_namespace) {
  name_ = "mj-" + name_hint + "-" + std::to_string(::getpid());
  log_path_ = "/tmp/" + name_ + ".console.log";
  std::vector<std::string> argv = {kNspawn,
                                   "-D", rootfs_path(),
                                   "-M", name_,
                                   "-b",
                                   "--register=no",
                                   "--keep-unit",
                                   "--console=read-only",
                                   "--volatile=overlay"};
  if (network_namespace.empty()) {
    argv.push_back("--private-network");
  } else {
    argv.push_back("--network-namespace-path=/run/netns/" + network_namespace);
  }
  for (const Bind& b : binds)
    argv.push_back((b.read_only ? "--bind-ro=" : "--bind=") + b.host + ":" + b.container);

  nspawn_ = ::fork();
  if (nspawn_ == 0) {
    if (layout == CgroupLayout::kHybrid) ::unsetenv("SYSTEMD_NSPAWN_UNIFIED_HIERARCHY");
    else ::setenv("SYSTEMD_NSPAWN_UNIFIED_HIERARCHY", layout == CgroupLayout::kUnified ? "1" : "0", 1);
    // Its own process group, so that stopping it never signals the test.
    ::setpgid(0, 0);
    int null = ::open("/dev/null", O_RDONLY);
    int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(kNspawn, args.data());
    ::_exit(127);
  }

  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (leader_ < 0 && std::chrono::steady_clock::now() < until) {
    if (::waitpid(nspawn_, nullptr, WNOHANG) == nspawn_) {
      nspawn_ = -1;
      boot_error_ = "systemd-nspawn exited: " + read_text(log_path_);
      return;
    }
    leader_ = find_leader(nspawn_);
    if (leader_ < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (leader_ < 0) {
    boot_error_ = "no container init after 30 s: " + read_text(log_path_);
    return;
  }
  // is-system-running --wait needs the bus of the container's systemd, which appears
  // a moment after PID 1 starts.
  Result r;
  while (std::chrono::steady_clock::now() < until) {
    r = run({"/bin/systemctl", "is-system-running", "--wait"});
    if (r.out.find("running") != std::string::npos || r.out.find("degraded") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  boot_error_ = "systemd did not reach running: " + r.out + r.err + "\n" + read_text(log_path_);
}

NspawnMachine::~NspawnMachine() {
  if (nspawn_ > 0) {
    // nspawn turns SIGTERM into a clean poweroff of the container.
    ::kill(nspawn_, SIGTERM);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    bool gone = false;
    while (!gone && std::chrono::steady_clock::now() < until) {
      gone = ::waitpid(nspawn_, nullptr, WNOHANG) == nspawn_;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!gone) {
      ::kill(nspawn_, SIGKILL);
      ::waitpid(nspawn_, nullptr, 0);
    }
  }
  if (!std::getenv("MJ_KEEP_NSPAWN_LOGS")) ::unlink(log_path_.c_str());
}

NspawnMachine::Result NspawnMachine::run(const std::vector<std::string>& argv, const std::string& input) const {
  std::vector<std::string> full = {kNsenter, "-t", std::to_string(leader_), "-m", "-u", "-i", "-n", "-p",
                                   "-C", "-r", "-w", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  RunResult r = mj::test::run(full, input);
  return Result{r.exit_code, r.out, r.err};
}

void NspawnMachine::write_file(const std::string& path, const std::string& content) const {
  run({"/bin/sh", "-c", "cat > \"$0\"", path}, content);
}

std::vector<nlohmann::json> NspawnMachine::journal(const std::vector<std::string>& matches) const {
  std::vector<std::string> argv = {"/bin/journalctl", "-o", "json", "--all", "--no-pager", "-q"};
  argv.insert(argv.end(), matches.begin(), matches.end());
  Result r = run(argv);
  std::vector<nlohmann::json> entries;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) entries.push_back(nlohmann::json::parse(line, nullptr, false));
  return entries;
}

std::vector<nlohmann::json> NspawnMachine::wait_journal(const std::vector<std::string>& matches, std::size_t count,
                                                        std::chrono::milliseconds timeout) const {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto entries = journal(matches);
    if (entries.size() >= count || std::chrono::steady_clock::now() > until) return entries;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string json_field(const nlohmann::json& entry, const std::string& name) {
  if (!entry.is_object() || !entry.contains(name)) return "<missing>";
  const nlohmann::json& v = entry[name];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty() && v[0].is_number()) {
    std::string s;
    for (const auto& b : v) s += static_cast<char>(b.get<int>());
    return s;
  }
  return v.dump();
}

}  // namespace mj::test
