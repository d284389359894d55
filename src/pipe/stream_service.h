// The service half of --transport stream (--receive-streams): runs as the transient
// service the front started, takes the streams over from its standard input, and copies
// them to journald's stream socket and the sandbox files.
#pragma once

#include "core/base/diagnostics.h"
#include "pipe/pipe_options.h"

namespace mj {

int run_stream_service(const PipeOptions& o, int signal_fd, Diagnostics& diag);

}  // namespace mj
