// Users as the passwd database knows them.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/base/result.h"

namespace mj {

struct UserIds {
  std::string name;
  uid_t uid;
  gid_t gid;
};

// A user name or numeric uid.
Result<UserIds> lookup_user(const std::string& user);

}  // namespace mj
