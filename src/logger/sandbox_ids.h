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
  std::string work_dir;                      // the agent's --work_dir, as the path has it
};

// Matches the layout from the end of the path, so a work_dir that itself contains
// "slaves" or "runs" components cannot confuse it. Anything else (a standalone
// container's <work_dir>/containers/<id>, a relative or odd path) yields no ids.
SandboxIds parse_sandbox_path(std::string_view path);

// A pod task's container is a child of the executor's: <run sandbox>/containers/<id>.
// The default executor links <run sandbox>/tasks/<task id> to it, and the agent
// checkpoints the run's tasks under <work_dir>/meta/slaves/…/runs/<executor container>.
struct PodTaskPaths {
  std::string links_dir;     // <run sandbox>/tasks
  std::string container_id;  // the child's own id
  std::string meta_dir;      // <work_dir>/meta/slaves/<agent>/frameworks/<f>/executors/<e>/runs/<c>
};
// Empty unless the path is a direct child container's sandbox in the agent's layout.
std::optional<PodTaskPaths> pod_task_paths(std::string_view sandbox);

// Sets agent_id from the sandbox path, and framework_id/executor_id where the
// ExecutorInfo did not provide them.
void complete_from_sandbox(ContainerMetadata& metadata);

}  // namespace mj
