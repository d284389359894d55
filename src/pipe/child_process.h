// Runs COMMAND for command mode with its stdout and stderr on pipes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/unique_fd.h"

namespace mj {

// COMMAND's stdout and stderr; made before the child so that the read ends can be handed
// to the stream transport's service before COMMAND starts.
struct ChildPipes {
  UniqueFd stdout_read;
  UniqueFd stdout_write;
  UniqueFd stderr_read;
  UniqueFd stderr_write;
};
Status make_child_pipes(ChildPipes& pipes);

// The child gets an empty signal mask and default dispositions whatever the caller has
// blocked, stdin inherited, and the pipes' write ends as fds 1 and 2 (closed here
// afterwards). Errors: exec failures carry errno (ENOENT, EACCES) in Error::code.
Result<pid_t> spawn_child(const std::vector<std::string>& argv, ChildPipes& pipes);

// Shell conventions: the exit code, or 128 + signal number.
int exit_status_code(int wait_status);

}  // namespace mj
