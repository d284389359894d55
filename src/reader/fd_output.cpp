#include "reader/fd_output.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace mj {

Status FdOutput::flush(std::size_t above) {
  if (closed_ || buf_.size() <= above) return Status::success();
  std::size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) {
      closed_ = true;
      buf_.clear();
      return Status::success();
    }
    if (n < 0) return Error::from_errno("cannot write to standard output");
    done += static_cast<std::size_t>(n);
  }
  buf_.clear();
  return Status::success();
}

bool FdOutput::peer_gone() {
  struct pollfd p {fd_, 0, 0};
  if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP))) closed_ = true;
  return closed_;
}

}  // namespace mj
