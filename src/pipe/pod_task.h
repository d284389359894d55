// The task id of a Mesos task group's task (a pod task), for its nested container.
//
// The agent launches a pod task's container without a TaskInfo, so the module cannot
// know which task it runs. The default executor makes it known right after the launch
// (src/launcher/default_executor.cpp): it links
//   <executor sandbox>/tasks/<task id> -> <executor sandbox>/containers/<container id>
// for the Mesos UI. The companion waits for that link before it reads the container's
// output (the pipe holds what the task writes meanwhile), so that every entry carries
// TASK_ID; TASK_NAME comes from the agent's checkpoint of the task where the framework
// checkpoints.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace mj {

struct PodTaskSource {
  std::string links_dir;     // <executor sandbox>/tasks
  std::string container_id;  // this container's own id: the link target's last component
  std::string meta_dir;      // the agent's checkpoint directory of the executor run; "" if unknown
  std::chrono::milliseconds wait{10000};
};

struct PodTask {
  std::string id;
  std::string name;  // "" when the agent did not checkpoint the task
};

// One look: the name of the link in links_dir whose target is .../containers/<container_id>.
std::optional<std::string> find_task_link(const std::string& links_dir, const std::string& container_id);

// The task's name from a checkpointed mesos.Task (stout's protobuf::write: a 32-bit
// length in host order, then the message), when its task_id is `task_id`.
std::optional<std::string> task_name_from_checkpoint(std::string_view bytes, const std::string& task_id);

// <meta_dir>/tasks/<task_id>/task.info, read without following links; "" when absent.
std::string checkpointed_task_name(const std::string& meta_dir, const std::string& task_id);

// Waits for the link until source.wait has passed or signal_fd (-1: none) is readable
// (what made it readable is left for the caller).
Result<PodTask> await_pod_task(const PodTaskSource& source, int signal_fd);

}  // namespace mj
