// systemd's manager on the system bus, for the stream transport: starts the companion's
// second half as a transient service, so that journald adds the unit's LogExtraFields=
// (the Mesos fields) to every line it reads from the companion's stream connections.
//
// libsystemd is loaded with dlopen() here, as for the journal read-back: companions on
// the native transport never map it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/entry/entry_template.h"

namespace mj {

struct TransientServiceSpec {
  std::string unit;  // NAME.service
  std::string description;
  std::vector<std::string> argv;  // ExecStart=; argv[0] is an absolute path
  std::vector<Field> log_extra_fields;
  int stdin_fd = -1;  // passed to the service as its fds 0, 1 and 2
  int stdout_fd = -1;
  int stderr_fd = -1;
  std::optional<std::uint64_t> rate_limit_interval_usec;  // LogRateLimitIntervalUSec=
  std::optional<std::uint32_t> rate_limit_burst;          // LogRateLimitBurst=
};

// Why the stream transport cannot be used on this host, or "" when it may be.
std::string systemd_unavailable_reason();

class SystemdManager {
 public:
  static Result<std::unique_ptr<SystemdManager>> connect();
  ~SystemdManager();
  SystemdManager(const SystemdManager&) = delete;
  SystemdManager& operator=(const SystemdManager&) = delete;

  // StartTransientUnit(unit, "fail", properties): returns once systemd queued the job.
  Status start_service(const TransientServiceSpec& spec);
  // StopUnit(unit, "replace"), errors ignored: for a service that never took over.
  void stop_unit(const std::string& unit);

 private:
  struct Api;
  SystemdManager(std::unique_ptr<Api> api, void* bus);
  std::unique_ptr<Api> api_;
  void* bus_;
};

}  // namespace mj
