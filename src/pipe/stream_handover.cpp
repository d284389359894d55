#include "pipe/stream_handover.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/base/wait_control.h"

namespace mj {
namespace {

constexpr std::size_t kMaxMessage = 64;
constexpr int kMaxFds = 2;

// One message: its bytes and room for up to kMaxFds fds.
struct Message {
  Message(void* data, std::size_t size) : iov{data, size} {
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  struct iovec iov;
  struct msghdr mh{};
  alignas(struct cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))] = {};
};

Status send_text(int fd, const std::string& text, const int* fds, int nfds) {
  Message m(const_cast<char*>(text.data()), text.size());
  struct msghdr& mh = m.mh;
  if (nfds > 0) {
    mh.msg_control = m.control;
    mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
  }
  ssize_t n;
  do n = ::sendmsg(fd, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return Error::from_errno("handover: cannot send");
  return Status::success();
}

// One message; its fds go to `fds` (those beyond max_fds are closed).
Result<std::string> receive_text(int fd, UniqueFd* fds, int max_fds) {
  char buf[kMaxMessage];
  Message m(buf, sizeof buf);
  struct msghdr& mh = m.mh;
  mh.msg_control = m.control;
  mh.msg_controllen = sizeof m.control;
  ssize_t n;
  do n = ::recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return Error::from_errno("handover: cannot receive");
  int got = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int received;
      std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      UniqueFd owned(received);  // closed unless the caller asked for it
      if (got < max_fds) fds[got] = std::move(owned);
      ++got;
    }
  }
  if (n == 0) return Error{"handover: the other side closed the connection", EPIPE};
  if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return Error{"handover: message truncated"};
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

Result<HandoverPair> make_handover_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return Error::from_errno("cannot create the handover socket pair");
  return HandoverPair{UniqueFd(sv[0]), UniqueFd(sv[1])};
}

Status send_hello(int fd) { return send_text(fd, "hello " + std::to_string(::getpid()), nullptr, 0); }

Result<HandedStreams> receive_streams(int fd) {
  UniqueFd fds[kMaxFds];
  auto text = receive_text(fd, fds, kMaxFds);
  if (!text) return text.error();
  unsigned mask = 0;
  if (std::sscanf(text->c_str(), "streams %u", &mask) != 1 || mask == 0 || mask > 3)
    return Error{"handover: unexpected message \"" + *text + "\""};
  HandedStreams h;
  int next = 0;
  if (mask & 1) h.stdout_fd = std::move(fds[next++]);
  if (mask & 2) h.stderr_fd = std::move(fds[next++]);
  if ((mask & 1 && !h.stdout_fd) || (mask & 2 && !h.stderr_fd)) return Error{"handover: file descriptors missing"};
  return h;
}

void send_done(int fd, int exit_code) { (void)send_text(fd, "done " + std::to_string(exit_code), nullptr, 0); }

Result<pid_t> await_hello(int fd, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, poll_timeout_ms(until, -1));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::from_errno("handover: poll failed");
    if (r == 0)
      return Error{"the service did not start within " + std::to_string(timeout.count()) + " ms", ETIMEDOUT};
    auto text = receive_text(fd, nullptr, 0);
    if (!text) return Error{"the service ended before taking over (" + text.error().message + ")"};
    long pid = 0;
    if (std::sscanf(text->c_str(), "hello %ld", &pid) != 1 || pid <= 0)
      return Error{"handover: unexpected message \"" + *text + "\""};
    return static_cast<pid_t>(pid);
  }
}

Status send_streams(int fd, int stdout_fd, int stderr_fd) {
  int fds[kMaxFds];
  int n = 0;
  unsigned mask = 0;
  if (stdout_fd >= 0) {
    fds[n++] = stdout_fd;
    mask |= 1;
  }
  if (stderr_fd >= 0) {
    fds[n++] = stderr_fd;
    mask |= 2;
  }
  return send_text(fd, "streams " + std::to_string(mask), fds, n);
}

std::optional<int> read_done(int fd) {
  auto text = receive_text(fd, nullptr, 0);
  int code = 0;
  if (!text || std::sscanf(text->c_str(), "done %d", &code) != 1) return std::nullopt;
  return code;
}

}  // namespace mj
