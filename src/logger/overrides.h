// Per-task overrides of module parameters through the container's environment, as
// upstream Mesos' logrotate logger does: CONTAINER_LOGGER_MAX_STDOUT_SIZE=2M sets
// max_stdout_size for that container.
//
// Every variable with the prefix must name a known parameter that the operator made
// overridable, and carry a valid value; anything else fails the container's launch
// with a message naming the variable (a silently ignored setting would be worse).
// Sizes, max_files and max_line_bytes may only be lowered, and labels only narrowed:
// the operator's values are limits, not defaults.
#pragma once

#include "core/base/result.h"
#include "logger/container_metadata.h"
#include "logger/logger_config.h"

namespace mj {

// The configuration one container runs with.
Result<LoggerConfig> apply_overrides(const LoggerConfig& operator_config, const KeyValues& environment);

}  // namespace mj
