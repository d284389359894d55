// A real systemd as PID 1 for tests: a minimal Debian 12 (scripts/systemd-rootfs.sh)
// booted with systemd-nspawn --volatile=overlay (the cached rootfs is never written),
// driven with nsenter. Stopped and cleaned up on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mj::test {

enum class CgroupLayout {
  kHybrid,   // SYSTEMD_NSPAWN_UNIFIED_HIERARCHY unset: v1 + name=systemd + cgroup2 at /sys/fs/cgroup/unified
  kLegacy,   // =0: cgroup v1 only
  kUnified,  // =1: cgroup2 only
};
const char* layout_name(CgroupLayout layout);

// Why the systemd tests cannot run here ("" when they can). Builds the rootfs (once,
// cached, under a lock) when it is missing.
std::string nspawn_unavailable_reason();
std::string rootfs_path();

struct Bind {
  std::string host;
  std::string container;
  bool read_only = true;
};

class NspawnMachine {
 public:
  // network_namespace: a named network namespace (`ip netns add NAME`) the machine joins
  // instead of a private network of its own, so that machines can talk to each other.
  NspawnMachine(const std::string& name_hint, CgroupLayout layout, const std::vector<Bind>& binds,
                const std::string& network_namespace = "");
  ~NspawnMachine();
  NspawnMachine(const NspawnMachine&) = delete;
  NspawnMachine& operator=(const NspawnMachine&) = delete;

  // "" once systemd reports running (or degraded), else what went wrong.
  const std::string& boot_error() const { return boot_error_; }
  pid_t leader() const { return leader_; }  // the container's PID 1, as the host sees it
  const std::string& name() const { return name_; }

  struct Result {
    int exit_code = -1;
    std::string out;
    std::string err;
  };
  // argv run inside the container (all its namespaces, its root).
  Result run(const std::vector<std::string>& argv, const std::string& input = "") const;
  Result sh(const std::string& script) const { return run({"/bin/sh", "-c", script}); }
  void write_file(const std::string& path, const std::string& content) const;

  // journalctl -o json --all MATCHES..., one object per entry.
  std::vector<nlohmann::json> journal(const std::vector<std::string>& matches) const;
  // Waits until at least `count` entries match or `timeout` passes.
  std::vector<nlohmann::json> wait_journal(const std::vector<std::string>& matches, std::size_t count,
                                           std::chrono::milliseconds timeout) const;

 private:
  std::string name_;
  pid_t nspawn_ = -1;
  pid_t leader_ = -1;
  std::string log_path_;
  std::string boot_error_;
};

// The value of a journal JSON field as text (journalctl prints bytes as an array).
std::string json_field(const nlohmann::json& entry, const std::string& name);

}  // namespace mj::test
