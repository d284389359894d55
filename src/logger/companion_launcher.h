// Starts one mesos-journald-pipe for a container, detached from the agent.
//
// The companion must outlive the agent (the ContainerLogger contract: no output may be
// lost when the agent fails over), so it is started by a double fork: an intermediate
// child calls setsid(), forks the companion and exits at once; the launcher reaps the
// intermediate, so the agent is left with no child and no zombie, and the companion is
// in its own session, re-parented to init (or the nearest subreaper).
//
// Between the two, the companion waits on a pipe until the launcher has moved it into
// the executors' slice (cgroup_placement.h), so it never runs inside the agent's unit.
//
// The agent is multi-threaded: everything the children need (argv, envp, fds) is
// prepared before fork(), and the children only make async-signal-safe calls.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/unique_fd.h"
#include "core/entry/entry_template.h"
#include "logger/cgroup_placement.h"

namespace mj {

struct CompanionCommand {
  std::string path;               // absolute path of mesos-journald-pipe
  std::vector<std::string> args;  // options after the fixed fd options
  std::vector<Field> fields;      // written as --fields-file JSON into a sealed memfd
};

struct LaunchedCompanion {
  UniqueFd stdout_write;  // for the container's stdout; O_CLOEXEC
  UniqueFd stderr_write;
  pid_t pid = -1;         // the companion; not a child of the caller
  std::vector<std::string> warnings;
};

// The companion runs as
//   PATH --stdout-fd 3 --stderr-fd 4 --fields-file /dev/fd/5 ARGS...
// with stdin and stdout on /dev/null, stderr shared with the caller's (as upstream Mesos
// does: the companion's complaints land in the agent's log), no other fds, default
// signal dispositions and an empty signal mask, and the caller's environment minus
// MESOS_* and LIBPROCESS_* (MESOS-6747: they would confuse anything Mesos-aware).
// Returns once the companion has exec'd, or an error if it could not be started.
Result<LaunchedCompanion> launch_companion(const CompanionCommand& command, const CgroupPlacement& placement);

// The fixed part of the companion's command line (for docs and tests).
std::vector<std::string> companion_fd_arguments();

}  // namespace mj
