#include "logger/container_io.h"

#include <unistd.h>

#include "core/base/user_ids.h"
#include "core/journald/unit_name.h"

#include "logger/container_naming.h"
#include "logger/field_derivation.h"
#include "logger/overrides.h"
#include "logger/sandbox_ids.h"

namespace mj {

std::vector<std::string> companion_options(const LoggerConfig& c, const std::string& identifier,
                                           const std::string& journal_namespace, const std::string& sandbox_dir,
                                           const std::string& user, const std::string& container_id) {
  // "--name=value" throughout: a value taken from a task (the identifier) that starts
  // with '-' must not be read as an option.
  std::vector<std::string> args = {"--identifier=" + identifier};
  if (!journal_namespace.empty()) args.push_back("--namespace=" + journal_namespace);
  if (writes_sandbox(c.destination)) args.push_back("--sandbox=" + sandbox_dir);
  if (!writes_journal(c.destination)) args.push_back("--no-journal");
  args.push_back("--max-stdout-size=" + std::to_string(c.max_stdout_size));
  args.push_back("--max-stderr-size=" + std::to_string(c.max_stderr_size));
  args.push_back("--max-files=" + std::to_string(c.max_files));
  args.push_back("--max-line-bytes=" + std::to_string(c.max_line_bytes));
  if (writes_journal(c.destination) && c.overflow == Overflow::kDrop) {
    args.push_back("--overflow=drop");
    args.push_back("--buffer-size=" + std::to_string(c.buffer_size));
  }
  if (!user.empty()) args.push_back("--user=" + user);
  // A task's overflow=drop wins over the operator's transport=stream: it asked never to
  // be held up, which only the native transport can promise.
  if (uses_stream_transport(c)) {
    args.push_back("--transport=stream");
    args.push_back("--detach");  // the service carries on; the launched companion exits
    if (!container_id.empty()) args.push_back("--unit=" + service_name_from("mesos-journald-", container_id));
    if (c.log_rate_limit_interval)
      args.push_back("--log-rate-limit-interval=" + std::to_string(c.log_rate_limit_interval->count()) + "ms");
    if (c.log_rate_limit_burst) args.push_back("--log-rate-limit-burst=" + std::to_string(*c.log_rate_limit_burst));
  }
  return args;
}

CgroupPlacement cgroup_placement_for(const LoggerConfig& config) {
  CgroupPlacement p;
  p.enabled = config.cgroup_placement == CgroupPlacementMode::kAuto;
  p.root = config.cgroup_root;
  return p;
}

Result<PreparedIO> prepare_container_io(const LoggerConfig& config, ContainerMetadata metadata,
                                        const CgroupPlacement& placement) {
  PreparedIO io;
  if (metadata.sandbox_dir.empty() || metadata.sandbox_dir.front() != '/')
    return Error{"the container's sandbox directory '" + metadata.sandbox_dir + "' is not an absolute path"};
  if (metadata.debug_class) {
    io.kind = PreparedIO::Kind::kPaths;
    io.stdout_path = metadata.sandbox_dir + "/stdout";
    io.stderr_path = metadata.sandbox_dir + "/stderr";
    io.effective = config;
    return io;
  }

  auto effective = apply_overrides(config, metadata.environment);
  if (!effective) return effective.error();
  io.effective = std::move(*effective);
  const LoggerConfig& c = io.effective;

  complete_from_sandbox(metadata);
  io.identifier = resolve_identifier(c.identifier_template, metadata);
  if (writes_journal(c.destination)) {
    auto ns = resolve_namespace(c.namespace_template, metadata);
    if (!ns) return ns.error();
    io.journal_namespace = std::move(*ns);
  }
  DerivedFields derived = derive_fields(metadata, c);
  io.warnings = std::move(derived.warnings);

  // As root, the companion becomes the container's user before it touches the sandbox
  // (files owned by the task, journald's _UID is the task's). A user that exists only
  // inside the container's image cannot be switched to on the host.
  std::string user;
  if (c.companion_user == CompanionUser::kContainer && !metadata.user.empty() && ::geteuid() == 0) {
    auto ids = lookup_user(metadata.user);
    if (!ids)
      io.warnings.push_back("the container's user '" + metadata.user + "' is not known on this host (" +
                            ids.error().message + "); its logger runs as the agent's user");
    else if (ids->uid != 0)
      user = ids->name;
  }

  CompanionCommand command;
  command.path = c.companion_path;
  command.args = companion_options(c, io.identifier, io.journal_namespace, metadata.sandbox_dir, user,
                                   join_container_id(metadata.container_id_chain));
  // A pod task's container has no TaskInfo: the companion learns its task from the
  // default executor (pipe/pod_task.h) before it reads any output.
  if (!metadata.task_id && writes_journal(c.destination)) {
    if (auto pod = pod_task_paths(metadata.sandbox_dir)) {
      command.args.push_back("--pod-task-links=" + pod->links_dir);
      command.args.push_back("--pod-container=" + pod->container_id);
      command.args.push_back("--pod-task-meta=" + pod->meta_dir);
    }
  }
  command.fields = std::move(derived.fields);
  auto launched = launch_companion(command, placement);
  if (!launched) return Error{"cannot start the container's logger: " + launched.error().message};
  io.stdout_fd = std::move(launched->stdout_write);
  io.stderr_fd = std::move(launched->stderr_write);
  io.companion_pid = launched->pid;
  for (std::string& w : launched->warnings) io.warnings.push_back(std::move(w));
  return io;
}

}  // namespace mj
