// Moving a companion out of the agent's systemd unit, so that `systemctl restart
// mesos-agent` (KillMode=control-group) does not kill it, and into a cgroup of its own,
// so that journald rate-limits each container separately.
//
// Mesos does the first for executors (systemd::mesos::extendLifetime) but only in the
// cgroup v1 name=systemd hierarchy. In the hybrid layout systemd tracks processes in
// the cgroup2 hierarchy (/sys/fs/cgroup/unified), so a process moved only in v1 is
// still killed with the agent's unit (verified under systemd 252, tests/systemd). We
// move it in every hierarchy systemd tracks processes in, recognised by file system type
// (statfs), not by directory names:
//   legacy  (<root> tmpfs, <root>/systemd cgroup v1):               <root>/systemd/<slice>
//   hybrid  (as legacy, plus <root>/unified cgroup2):               both
//   unified (<root> itself cgroup2):                                <root>/<slice>
//
// journald keys its rate limit on the sender's unit, which it derives from the sender's
// cgroup path in the hierarchy systemd tracks. A process directly in <slice> maps to no
// unit and is never rate-limited; every companion placed in the same unit shares one
// budget (with the agent's own log lines, when the companion stays in the agent's unit).
// With unit_per_companion (the default) each companion goes to
// <slice>/mesos-journald-<pid>.scope in every hierarchy: journald accounts its entries
// to that name (_SYSTEMD_UNIT), with journald.conf's RateLimitIntervalSec/Burst per
// companion, so a noisy container exhausts only its own budget. These cgroups are not
// systemd units (systemd does not know them; `systemctl` shows nothing); the launcher
// removes empty ones left by companions that have exited.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mj {

struct CgroupPlacement {
  bool enabled = true;
  std::string root = "/sys/fs/cgroup";
  std::string slice = "mesos_executors.slice";
  // Each companion in a cgroup of its own below the slice (see above); false puts it
  // directly into the slice, where journald does not rate-limit it at all.
  bool unit_per_companion = true;
  // Placement happens only on a host booted with systemd (sd_booted()'s test); ""
  // skips the check (tests).
  std::string systemd_marker = "/run/systemd/system";
  // Tests only: take plain directories for cgroup file systems (a directory with a
  // cgroup.controllers file is cgroup2, any other directory below the root cgroup v1),
  // since creating real ones needs root.
  bool fake_filesystems = false;
};

enum class CgroupLayout { kNone, kLegacy, kHybrid, kUnified };
const char* cgroup_layout_name(CgroupLayout layout);

// What the host has under placement.root (kNone also when placement is disabled or
// the host was not booted with systemd).
CgroupLayout detect_cgroup_layout(const CgroupPlacement& placement);

// The slice directories, one per hierarchy systemd tracks processes in (for logs and
// tests); empty when nothing is to be done.
std::vector<std::string> slice_directories(const CgroupPlacement& placement);

// The cgroup name below the slice that pid is placed in ("" without unit_per_companion).
std::string companion_cgroup_name(pid_t pid, const CgroupPlacement& placement);

// Writes pid into cgroup.procs of <slice>[/<companion cgroup>] in every hierarchy,
// creating the directories when needed, and removes empty companion cgroups of
// companions that are gone. Returns one warning per failure: a companion that could not
// be moved still works, it just dies with the agent's unit.
std::vector<std::string> place_in_slice(pid_t pid, const CgroupPlacement& placement);

}  // namespace mj
