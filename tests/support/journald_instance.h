// A private systemd-journald namespace instance for tests: started on construction,
// stopped and erased (process, sockets, journal files, config) on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mj::test {

// Every value of every field of one entry (journald allows repeated fields), and its
// __MONOTONIC_TIMESTAMP.
using JournalEntry = std::map<std::string, std::vector<std::string>>;

// The first value of `field`, or "<missing>".
std::string field(const JournalEntry& e, const std::string& name);

// Why tests that need a real journald cannot run here, or "" when they can.
std::string journald_unavailable_reason();

class JournaldInstance {
 public:
  // name_hint becomes part of the namespace name, which is made unique per process.
  // extra_config: more lines for its [Journal] section, after (and so over) the defaults.
  explicit JournaldInstance(const std::string& name_hint, const std::string& extra_config = "");
  ~JournaldInstance();
  JournaldInstance(const JournaldInstance&) = delete;
  JournaldInstance& operator=(const JournaldInstance&) = delete;

  const std::string& name() const { return name_; }
  std::string socket_path() const;
  // Where it keeps its journal files (/run/log/journal/<machine id>.<name>).
  std::string directory() const;
  // A *.journal file exists in directory().
  bool has_journal_file() const;

  // Entries matching every FIELD=value in `matches`, in journal order, waiting until at
  // least `at_least` are there or `timeout` passes.
  std::vector<JournalEntry> entries(const std::vector<std::string>& matches, std::size_t at_least,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // Stops journald with `signo` (its queued datagrams are lost, as in production) and
  // optionally starts a new one on the same namespace.
  void stop(int signo);
  void start();
  bool running() const { return pid_ > 0; }
  // SIGSTOP / SIGCONT: journald stops reading its socket, as under overload.
  void pause();
  void resume();

 private:
  std::string name_;
  pid_t pid_ = -1;
};

}  // namespace mj::test
