#include "journald_instance.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace mj::test {
namespace {

constexpr const char* kJournald = "/lib/systemd/systemd-journald";

std::string machine_id() {
  std::ifstream in("/etc/machine-id");
  std::string id;
  in >> id;
  return id;
}

std::string config_path(const std::string& name) { return "/etc/systemd/journald@" + name + ".conf"; }

bool can_connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string field(const JournalEntry& e, const std::string& name) {
  auto it = e.find(name);
  return it == e.end() || it->second.empty() ? "<missing>" : it->second.front();
}

std::string journald_unavailable_reason() {
  if (::geteuid() != 0)
    return "needs root: it starts a private systemd-journald namespace instance, which binds its sockets under "
           "/run/systemd and writes under /run/log/journal";
  if (::access(kJournald, X_OK) != 0) return std::string("needs ") + kJournald + " (Debian package systemd)";
  if (machine_id().empty()) return "needs /etc/machine-id (journald names its directories after it)";
  return "";
}

JournaldInstance::JournaldInstance(const std::string& name_hint, const std::string& extra_config) {
  static std::atomic<int> counter{0};
  name_ = "mjt-" + name_hint + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  // Volatile storage: fast, and nothing is left on disk if a test run is killed.
  std::filesystem::create_directories("/etc/systemd");
  std::ofstream(config_path(name_)) << "[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\n"
                                       "RuntimeMaxUse=2G\nRuntimeMaxFileSize=256M\n"
                                    << extra_config;
  start();
}

JournaldInstance::~JournaldInstance() {
  stop(SIGTERM);
  std::error_code ec;
  std::filesystem::remove(config_path(name_), ec);
  std::filesystem::remove_all("/run/systemd/journal." + name_, ec);
  std::filesystem::remove_all("/run/log/journal/" + machine_id() + "." + name_, ec);
  std::filesystem::remove_all("/var/log/journal/" + machine_id() + "." + name_, ec);
}

std::string JournaldInstance::socket_path() const { return "/run/systemd/journal." + name_ + "/socket"; }

std::string JournaldInstance::directory() const { return "/run/log/journal/" + machine_id() + "." + name_; }

void JournaldInstance::start() {
  if (pid_ > 0) return;
  std::string log = "/tmp/" + name_ + ".journald.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // journald must not inherit a test's pipe ends: it would hold them open, and the
  // companion reading the other end would wait for an end of stream that never comes.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  const char* argv[] = {kJournald, name_.c_str(), nullptr};
  int rc = ::posix_spawn(&pid_, kJournald, &actions, &attr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error(std::string("cannot start journald: ") + std::strerror(rc));
  // Ready means the socket takes connections and the journal file exists: journald
  // creates the file a few milliseconds after its socket (13 ms here), and a reader
  // opened in between finds no journal at all (mesos-journald-logs then refuses the
  // namespace; ReaderTest.FollowDoesNotLetAPromptHoldBackTheOtherStream failed so once).
  bool connected = false;
  for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5); std::chrono::steady_clock::now() < end;) {
    connected = connected || can_connect(socket_path());
    if (connected && has_journal_file()) return;
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("journald exited at start; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(connected ? 2 : 10));
  }
  throw std::runtime_error(connected ? "journald made no journal file in " + directory()
                                     : "journald socket " + socket_path() + " did not appear");
}

bool JournaldInstance::has_journal_file() const {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(directory(), ec))
    if (e.path().extension() == ".journal") return true;
  return false;
}

void JournaldInstance::stop(int signo) {
  if (pid_ <= 0) return;
  ::kill(pid_, signo);
  ::kill(pid_, SIGCONT);  // a paused journald would never act on signo
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  // A dead journald leaves its socket file behind; remove it so that senders see the
  // outage as production would after a crash and cleanup.
  ::unlink(socket_path().c_str());
}

void JournaldInstance::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void JournaldInstance::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::vector<JournalEntry> JournaldInstance::entries(const std::vector<std::string>& matches, std::size_t at_least,
                                                    std::chrono::milliseconds timeout) const {
  std::vector<JournalEntry> out;
  sd_journal* j = nullptr;
  auto open = [&] {
    int rc = sd_journal_open_namespace(&j, name_.c_str(), 0);
    if (rc < 0) throw std::runtime_error("sd_journal_open_namespace: " + std::string(std::strerror(-rc)));
    sd_journal_set_data_threshold(j, 0);  // whole values, however large
    for (const std::string& m : matches) sd_journal_add_match(j, m.data(), m.size());
  };
  open();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto reopen_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  int r;
  for (;;) {
    r = sd_journal_next(j);
    if (r < 0) break;
    if (r > 0) {
      JournalEntry e;
      // journalctl -o json's name for it: where journald stored it (reader/duplicate_filter.h)
      std::uint64_t monotonic = 0;
      sd_id128_t boot;
      if (sd_journal_get_monotonic_usec(j, &monotonic, &boot) >= 0)
        e["__MONOTONIC_TIMESTAMP"].push_back(std::to_string(monotonic));
      const void* data;
      size_t len;
      SD_JOURNAL_FOREACH_DATA(j, data, len) {
        std::string_view kv(static_cast<const char*>(data), len);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        e[std::string(kv.substr(0, eq))].emplace_back(kv.substr(eq + 1));
      }
      out.push_back(std::move(e));
      continue;
    }
    if (out.size() >= at_least || std::chrono::steady_clock::now() >= deadline) break;
    if (std::chrono::steady_clock::now() >= reopen_at) {
      // Read everything again with a new reader: one opened before journald had created
      // the namespace's journal directory is never told about files that appear later,
      // and one that iterated while journald was appending can have stepped past an
      // entry for good (a test once read 199 of 200 entries under load; a second reader
      // tells a skipped entry from a lost one).
      const bool had_some = !out.empty();
      sd_journal_close(j);
      out.clear();
      open();
      reopen_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(had_some ? 1000 : 300);
      continue;
    }
    sd_journal_wait(j, 100000);
  }
  sd_journal_close(j);
  return out;
}

}  // namespace mj::test
