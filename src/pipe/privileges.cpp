#include "pipe/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

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

Status drop_privileges(const UserIds& ids) {
  if (::geteuid() != 0) {
    if (::geteuid() == ids.uid) return Status::success();
    return Error{"--user " + ids.name + " needs root (running as uid " + std::to_string(::geteuid()) + ")"};
  }
  if (::initgroups(ids.name.c_str(), ids.gid) < 0) return Error::from_errno("initgroups(" + ids.name + ")");
  if (::setresgid(ids.gid, ids.gid, ids.gid) < 0) return Error::from_errno("setresgid");
  if (::setresuid(ids.uid, ids.uid, ids.uid) < 0) return Error::from_errno("setresuid");
  if (ids.uid != 0 && (::setuid(0) == 0 || ::seteuid(0) == 0))
    return Error{"privileges could be regained after dropping to " + ids.name};
  if (::prctl(PR_SET_DUMPABLE, 0) < 0) return Error::from_errno("prctl(PR_SET_DUMPABLE)");
  return Status::success();
}

}  // namespace mj
