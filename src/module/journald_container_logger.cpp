// The Mesos container logger module: the only code that sees Mesos types. It reads
// Parameters, ContainerID and ContainerConfig into plain structs and hands them to
// mjlogger (src/logger), which decides and does everything else.
//
//   mesos-agent --modules=file:///etc/mesos/journald-modules.json
//               --container_logger=mesos_journald_JournaldContainerLogger

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <glog/logging.h>

#include <mesos/mesos.hpp>
#include <mesos/module.hpp>
#include <mesos/module/container_logger.hpp>
#include <mesos/slave/container_logger.hpp>
#include <mesos/slave/containerizer.hpp>
#include <mesos/version.hpp>

#include <process/future.hpp>
#include <process/reap.hpp>

#include <stout/error.hpp>
#include <stout/nothing.hpp>
#include <stout/try.hpp>

#include "core/base/build_info.h"
#include "logger/container_io.h"
#include "logger/container_metadata.h"
#include "logger/logger_config.h"

namespace mj {
namespace {

using mesos::slave::ContainerConfig;
using mesos::slave::ContainerIO;

KeyValues labels_of(const mesos::Labels& labels) {
  KeyValues out;
  for (const mesos::Label& label : labels.labels()) out.emplace_back(label.key(), label.value());
  return out;
}

ContainerMetadata to_metadata(const mesos::ContainerID& containerId, const ContainerConfig& config) {
  ContainerMetadata m;
  for (const mesos::ContainerID* id = &containerId;; id = &id->parent()) {
    m.container_id_chain.insert(m.container_id_chain.begin(), id->value());
    if (!id->has_parent()) break;
  }
  if (config.has_executor_info()) {
    const mesos::ExecutorInfo& executor = config.executor_info();
    if (executor.has_framework_id()) m.framework_id = executor.framework_id().value();
    m.executor_id = executor.executor_id().value();
    if (executor.has_name()) m.executor_name = executor.name();
    if (executor.has_labels()) m.executor_labels = labels_of(executor.labels());
  }
  if (config.has_task_info()) {
    const mesos::TaskInfo& task = config.task_info();
    m.task_id = task.task_id().value();
    m.task_name = task.name();
    if (task.has_labels()) m.task_labels = labels_of(task.labels());
  }
  if (config.has_user()) m.user = config.user();
  m.sandbox_dir = config.directory();
  m.debug_class = config.has_container_class() && config.container_class() == mesos::slave::ContainerClass::DEBUG;
  if (config.command_info().has_environment())
    for (const mesos::Environment::Variable& v : config.command_info().environment().variables())
      m.environment.emplace_back(v.name(), v.value());
  for (const mesos::Resource& r : config.resources()) {
    if (!r.has_allocation_info() || !r.allocation_info().has_role()) continue;
    const std::string& role = r.allocation_info().role();
    if (std::find(m.roles.begin(), m.roles.end(), role) == m.roles.end()) m.roles.push_back(role);
  }
  return m;
}

// Companions are orphaned on purpose (companion_launcher.h) and adopted by init or the
// nearest child subreaper. When that is the agent itself — PID 1 of a container, or a
// subreaper — nobody else will ever reap them: every finished container would leave a
// zombie behind.
bool agent_adopts_orphans() {
  if (::getpid() == 1) return true;
  int subreaper = 0;
  return ::prctl(PR_GET_CHILD_SUBREAPER, &subreaper) == 0 && subreaper != 0;
}

class JournaldContainerLogger final : public mesos::slave::ContainerLogger {
 public:
  explicit JournaldContainerLogger(LoggerConfig config)
      : config_(std::move(config)), reap_companions_(agent_adopts_orphans()) {}

  Try<Nothing> initialize() override {
    if (Status s = check_companion_path(config_.companion_path); !s) return ::Error(s.error().message);
    LOG(INFO) << version_line("mesos-journald") << ", built against Mesos " << MESOS_VERSION
              << ": container output goes to "
              << destination_name(config_.destination) << " through " << config_.companion_path
              << (reap_companions_ ? "; the agent adopts orphans (PID 1 or a subreaper), so it reaps the companions"
                                   : "");
    return Nothing();
  }

  // Runs on the containerizer's actor; starting the companion takes a few
  // milliseconds (two forks and an exec), so it is done right here rather than on an
  // actor of our own.
  process::Future<ContainerIO> prepare(const mesos::ContainerID& containerId,
                                       const ContainerConfig& containerConfig) override {
    const std::string container = containerId.value();
    auto prepared = prepare_container_io(config_, to_metadata(containerId, containerConfig),
                                         cgroup_placement_for(config_));
    if (!prepared) return process::Failure("mesos-journald: " + prepared.error().message);
    for (const std::string& warning : prepared->warnings)
      LOG(WARNING) << "mesos-journald: container " << container << ": " << warning;

    ContainerIO io;
    if (prepared->kind == PreparedIO::Kind::kPaths) {
      io.out = ContainerIO::IO::PATH(prepared->stdout_path);
      io.err = ContainerIO::IO::PATH(prepared->stderr_path);
      return io;
    }
    LOG(INFO) << "mesos-journald: container " << container << ": started " << config_.companion_path << " (pid "
              << prepared->companion_pid << ") with identifier '" << prepared->identifier << "'"
              << (prepared->journal_namespace.empty() ? std::string()
                                                      : ", journal namespace " + prepared->journal_namespace)
              << ", destination " << destination_name(prepared->effective.destination)
              << (uses_stream_transport(prepared->effective) ? ", stream transport (it hands over to a service)" : "");
    // libprocess's reaper collects it once it exits; the future needs no one to wait on it.
    if (reap_companions_) process::reap(prepared->companion_pid);
    // The containerizer owns the write ends from here on and closes them once the
    // container has them.
    io.out = ContainerIO::IO::FD(prepared->stdout_fd.release(), true);
    io.err = ContainerIO::IO::FD(prepared->stderr_fd.release(), true);
    return io;
  }

 private:
  const LoggerConfig config_;
  const bool reap_companions_;
};

bool compatible() { return true; }

mesos::slave::ContainerLogger* create(const mesos::Parameters& parameters) {
  std::vector<std::pair<std::string, std::string>> values;
  for (const mesos::Parameter& p : parameters.parameter()) values.emplace_back(p.key(), p.value());
  auto config = parse_logger_config(values);
  if (!config) {
    // nullptr makes the agent refuse to start: better than running with a logger that
    // does not do what the operator configured.
    LOG(ERROR) << "mesos-journald: invalid module parameters: " << config.error().message;
    return nullptr;
  }
  return new JournaldContainerLogger(std::move(*config));
}

}  // namespace
}  // namespace mj

mesos::modules::Module<mesos::slave::ContainerLogger> mesos_journald_JournaldContainerLogger(
    MESOS_MODULE_API_VERSION, MESOS_VERSION, "mesos-journald", "mesos-journald maintainers",
    "Sends each container's stdout and stderr to systemd-journald with structured fields, "
    "and to rotated sandbox files, through one mesos-journald-pipe per container.",
    mj::compatible, mj::create);
