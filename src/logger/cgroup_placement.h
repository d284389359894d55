// Moving a companion out of the agent's systemd unit, so that `systemctl restart
// mesos-agent` (KillMode=control-group) does not kill it.
//
// Mesos does the same for executors (systemd::mesos::extendLifetime) but only in the
// cgroup v1 name=systemd hierarchy. In the hybrid layout systemd tracks processes in
// the cgroup2 hierarchy (/sys/fs/cgroup/unified), so a process moved only in v1 is
// still killed with the agent's unit; we therefore move it in every hierarchy systemd
// may track it in:
//   <root>/systemd/<slice>   when the v1 name=systemd hierarchy exists (legacy, hybrid)
//   <root>/unified/<slice>   when the hybrid cgroup2 hierarchy exists
//   <root>/<slice>           when <root> itself is cgroup2 (unified layout)
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mj {

struct CgroupPlacement {
  bool enabled = true;
  std::string root = "/sys/fs/cgroup";
  std::string slice = "mesos_executors.slice";
  // Placement happens only on a host booted with systemd (sd_booted()'s test); ""
  // skips the check (tests).
  std::string systemd_marker = "/run/systemd/system";
};

// Writes pid into <hierarchy>/<slice>/cgroup.procs of each hierarchy found, creating
// the slice directory when needed. Returns one warning per failure: a companion that
// could not be moved still works, it just dies with the agent's unit.
std::vector<std::string> place_in_slice(pid_t pid, const CgroupPlacement& placement);

// The hierarchies place_in_slice() would write to (for logs and tests).
std::vector<std::string> slice_directories(const CgroupPlacement& placement);

}  // namespace mj
