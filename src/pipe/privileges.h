// Dropping from root to the container's user before anything touches the sandbox.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/result.h"

namespace mj {

struct UserIds {
  std::string name;
  uid_t uid;
  gid_t gid;
};

// A user name or numeric uid, as in the passwd database.
Result<UserIds> lookup_user(const std::string& user);

// Sets supplementary groups, gid and uid (in that order: after setuid() the others are
// no longer allowed), and makes the process non-dumpable so that the task, running as the
// same user, cannot ptrace it. Fails unless it is certain that root cannot be regained.
Status drop_privileges(const UserIds& ids);

}  // namespace mj
