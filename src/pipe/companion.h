// Runs mesos-journald-pipe with validated options; returns the process exit code.
#pragma once

#include "pipe/pipe_options.h"

namespace mj {

int run_companion(const PipeOptions& options);

}  // namespace mj
