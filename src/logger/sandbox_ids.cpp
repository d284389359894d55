#include "logger/sandbox_ids.h"

#include <algorithm>

namespace mj {
namespace {

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

}  // namespace

SandboxIds parse_sandbox_path(std::string_view path) {
  SandboxIds ids;
  if (path.empty() || path.front() != '/') return ids;
  std::vector<std::string_view> parts = components(path);

  // Walk back over "/containers/<id>" pairs, then expect the fixed run layout.
  std::size_t end = parts.size();
  std::vector<std::string> nested;
  while (end >= 2 && parts[end - 2] == "containers") {
    nested.emplace_back(parts[end - 1]);
    end -= 2;
  }
  static constexpr std::string_view kLayout[] = {"slaves", "frameworks", "executors", "runs"};
  if (end < 8) return ids;
  std::size_t base = end - 8;
  for (std::size_t k = 0; k < 4; ++k)
    if (parts[base + 2 * k] != kLayout[k]) return ids;
  for (std::size_t k = 0; k < 4; ++k)
    if (parts[base + 2 * k + 1] == "." || parts[base + 2 * k + 1] == "..") return ids;

  for (std::size_t k = 0; k < base; ++k) ids.work_dir += "/" + std::string(parts[k]);
  ids.agent_id = std::string(parts[base + 1]);
  ids.framework_id = std::string(parts[base + 3]);
  ids.executor_id = std::string(parts[base + 5]);
  ids.container_chain.emplace_back(parts[base + 7]);
  std::reverse(nested.begin(), nested.end());
  for (std::string& id : nested) ids.container_chain.push_back(std::move(id));
  return ids;
}

std::optional<PodTaskPaths> pod_task_paths(std::string_view sandbox) {
  SandboxIds ids = parse_sandbox_path(sandbox);
  if (ids.container_chain.size() != 2) return std::nullopt;
  PodTaskPaths p;
  p.container_id = ids.container_chain[1];
  std::vector<std::string_view> parts = components(sandbox);
  std::string run_sandbox;
  for (std::size_t k = 0; k + 2 < parts.size(); ++k) run_sandbox += "/" + std::string(parts[k]);
  p.links_dir = run_sandbox + "/tasks";
  p.meta_dir = ids.work_dir + "/meta/slaves/" + *ids.agent_id + "/frameworks/" + *ids.framework_id + "/executors/" +
               *ids.executor_id + "/runs/" + ids.container_chain[0];
  return p;
}

void complete_from_sandbox(ContainerMetadata& metadata) {
  SandboxIds ids = parse_sandbox_path(metadata.sandbox_dir);
  if (ids.agent_id) metadata.agent_id = ids.agent_id;
  auto missing = [](const std::optional<std::string>& v) { return !v || v->empty(); };
  if (missing(metadata.framework_id) && ids.framework_id) metadata.framework_id = ids.framework_id;
  if (missing(metadata.executor_id) && ids.executor_id) metadata.executor_id = ids.executor_id;
}

}  // namespace mj
