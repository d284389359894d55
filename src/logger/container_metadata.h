// What the logger needs to know about a container, as plain data.
//
// The Mesos adapter (src/module) fills this from ContainerID and ContainerConfig; nothing
// below it includes a Mesos header, so every decision made from these values is unit
// tested without Mesos.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mj {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct ContainerMetadata {
  // ContainerID and its parents, root first: {"parent", "child"} for a nested container.
  std::vector<std::string> container_id_chain;

  std::optional<std::string> framework_id;   // ExecutorInfo.framework_id, else the sandbox path
  std::optional<std::string> executor_id;    // ExecutorInfo.executor_id, else the sandbox path
  std::optional<std::string> executor_name;  // ExecutorInfo.name
  std::optional<std::string> task_id;        // TaskInfo (command tasks only)
  std::optional<std::string> task_name;
  std::optional<std::string> agent_id;       // from the sandbox path only

  KeyValues task_labels;      // TaskInfo.labels, in order
  KeyValues executor_labels;  // ExecutorInfo.labels, in order

  std::string user;         // ContainerConfig.user ("" when unset)
  std::string sandbox_dir;  // ContainerConfig.directory
  bool debug_class = false;  // ContainerClass DEBUG: `task exec` sessions and checks

  KeyValues environment;            // CommandInfo.environment, in order
  std::vector<std::string> roles;   // Resource.allocation_info.role, in resource order
};

}  // namespace mj
