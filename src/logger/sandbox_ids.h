// Ids recovered from a Mesos sandbox path.
//
// The agent lays sandboxes out as
//   <work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>
// with "/containers/<child>" appended once per nesting level. The path is the only
// place the agent id appears in a ContainerConfig, and the only place a nested
// container (which has no ExecutorInfo) can learn its framework and executor from.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "logger/container_metadata.h"

namespace mj {

struct SandboxIds {
  std::optional<std::string> agent_id;
  std::optional<std::string> framework_id;
  std::optional<std::string> executor_id;
  std::vector<std::string> container_chain;  // root first
};

// Matches the layout from the end of the path, so a work_dir that itself contains
// "slaves" or "runs" components cannot confuse it. Anything else (a standalone
// container's <work_dir>/containers/<id>, a relative or odd path) yields no ids.
SandboxIds parse_sandbox_path(std::string_view path);

// Sets agent_id from the sandbox path, and framework_id/executor_id where the
// ExecutorInfo did not provide them.
void complete_from_sandbox(ContainerMetadata& metadata);

}  // namespace mj
