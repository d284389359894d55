// The front half of --transport stream: the companion that was started (by the Mesos
// module or a user) starts a transient service running the companion again, hands it
// the streams, and, unless detached, stays to forward signals and report its result.
// Every step that fails before the handover leaves the streams with the front, which
// then uses the native transport.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/base/diagnostics.h"
#include "core/base/result.h"
#include "core/base/unique_fd.h"
#include "pipe/child_signals.h"
#include "pipe/pipe_options.h"

namespace mj {

struct StartedService {
  UniqueFd handover;
  pid_t pid = -1;
  std::string unit;
};

// stdout_fd/stderr_fd: the read ends to hand over (-1: no such stream). On success the
// service holds its own copies; the caller closes its.
Result<StartedService> start_stream_service(const PipeOptions& o, int stdout_fd, int stderr_fd);

// Until the service has finished (and, with `child`, COMMAND has exited): signals go to
// COMMAND as in the native transport, or make the service drain. Returns the exit code.
int supervise_stream_service(StartedService& service, ChildSignals* child, int signal_fd, Diagnostics& diag);

}  // namespace mj
