// Runs COMMAND for command mode with its stdout and stderr on pipes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace mj {

struct Child {
  pid_t pid = -1;
  UniqueFd stdout_read;
  UniqueFd stderr_read;
};

// The child gets an empty signal mask and default dispositions whatever the caller has
// blocked, stdin inherited, and the write ends of two fresh pipes as fds 1 and 2.
// Errors: exec failures carry errno (ENOENT, EACCES) in Error::code.
Result<Child> spawn_child(const std::vector<std::string>& argv);

// Shell conventions: the exit code, or 128 + signal number.
int exit_status_code(int wait_status);

}  // namespace mj
