// What ContainerLogger::prepare() does, without Mesos types: decide how one container's
// stdout and stderr are handled, and start its companion.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/unique_fd.h"
#include "logger/cgroup_placement.h"
#include "logger/companion_launcher.h"
#include "logger/container_metadata.h"
#include "logger/logger_config.h"

namespace mj {

struct PreparedIO {
  enum class Kind {
    kFds,    // write ends of the companion's pipes
    kPaths,  // plain files (DEBUG containers), written by the containerizer
  };
  Kind kind = Kind::kFds;
  UniqueFd stdout_fd;
  UniqueFd stderr_fd;
  pid_t companion_pid = -1;
  std::string stdout_path;
  std::string stderr_path;
  std::vector<std::string> warnings;  // for the agent log
  // For the agent log: what was started.
  std::string identifier;
  std::string journal_namespace;
  LoggerConfig effective;  // after the container's overrides
};

// The companion's options for one container (everything after the fd options). user is
// the user the companion switches to ("" for none); container_id names the stream
// transport's service.
std::vector<std::string> companion_options(const LoggerConfig& effective, const std::string& identifier,
                                           const std::string& journal_namespace, const std::string& sandbox_dir,
                                           const std::string& user = "", const std::string& container_id = "");

// The cgroup placement the configuration asks for.
CgroupPlacement cgroup_placement_for(const LoggerConfig& config);

// DEBUG containers (`task exec` sessions, checks) get <sandbox>/stdout and stderr as
// plain files and no companion, as the DC/OS logger does: they are short-lived, often
// interactive, and their output is already returned to whoever started them.
// Errors (a bad override, an invalid namespace, a failed start) name their cause and
// fail the container's launch.
Result<PreparedIO> prepare_container_io(const LoggerConfig& config, ContainerMetadata metadata,
                                        const CgroupPlacement& placement);

}  // namespace mj
