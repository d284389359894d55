#include "pipe/privileges.h"

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

namespace mj {

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
