#include "core/base/user_ids.h"

#include <pwd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace mj {

Result<UserIds> lookup_user(const std::string& user) {
  if (user.empty()) return Error{"empty user name"};
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* found = nullptr;
  char* end = nullptr;
  errno = 0;
  unsigned long numeric = std::strtoul(user.c_str(), &end, 10);
  int rc = (*end == '\0' && user[0] != '-')
               ? ::getpwuid_r(static_cast<uid_t>(numeric), &pw, buf.data(), buf.size(), &found)
               : ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0) return Error::from_errno("cannot look up user " + user, rc);
  if (!found) return Error{"no such user: " + user};
  return UserIds{pw.pw_name, pw.pw_uid, pw.pw_gid};
}

}  // namespace mj
