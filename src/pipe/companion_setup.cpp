#include "pipe/companion_setup.h"

#include <fcntl.h>
#include <unistd.h>

#include "pipe/privileges.h"

namespace mj {

void stdin_to_dev_null() {
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0 && null != STDIN_FILENO) {
    ::dup2(null, STDIN_FILENO);
    ::close(null);
  }
}

Status become_user(const PipeOptions& o) {
  if (!o.user) return Status::success();
  auto ids = lookup_user(*o.user);
  if (!ids) return Error{"--user: " + ids.error().message};
  if (Status s = drop_privileges(*ids); !s) return Error{"cannot switch to user " + *o.user + ": " + s.error().message};
  return Status::success();
}

Result<UniqueFd> open_sandbox(const PipeOptions& o) {
  if (!o.sandbox) return UniqueFd();
  UniqueFd dir(::open(o.sandbox->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return Error::from_errno("cannot open sandbox directory " + *o.sandbox);
  return dir;
}

Result<std::optional<RotatingFile>> open_stream_file(int sandbox_dir, StreamKind kind, const PipeOptions& o,
                                                     Diagnostics& diag) {
  if (sandbox_dir < 0) return std::optional<RotatingFile>();
  auto opened = RotatingFile::open(sandbox_dir, stream_file_name(kind),
                                   kind == StreamKind::kStdout ? o.stdout_rotation : o.stderr_rotation, diag);
  if (!opened) return opened.error();
  return std::optional<RotatingFile>(std::move(*opened));
}

}  // namespace mj
