// Dropping from root to the container's user before anything touches the sandbox.
#pragma once

#include "core/base/result.h"
#include "core/base/user_ids.h"

namespace mj {

// Sets supplementary groups, gid and uid (in that order: after setuid() the others are
// no longer allowed), and makes the process non-dumpable so that the task, running as the
// same user, cannot ptrace it. Fails unless it is certain that root cannot be regained.
Status drop_privileges(const UserIds& ids);

}  // namespace mj
