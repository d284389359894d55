#include "core/journald/journal_stream_connection.h"

#include "core/base/unix_address.h"

#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mj {
namespace {

// journald reads at most LineMax (48K by default) into its own buffer per stream; with
// a larger LineMax a little more may sit there.
constexpr std::uint64_t kJournaldBuffer = 64 * 1024;
// The header is read with a line limit of 255 bytes including the newline; a longer
// line makes journald drop the connection.
constexpr std::size_t kMaxHeaderIdentifier = 254;
// Nothing signals "the peer has read everything": finish() looks this often.
constexpr std::chrono::milliseconds kUnreadPoll{5};

}  // namespace

std::string encode_stream_header(const StreamHeader& header) {
  std::string id = header.identifier.substr(0, kMaxHeaderIdentifier);
  // Fields, in order: identifier, unit id (honoured only from root, and only as a
  // fallback to the sender's cgroup: left empty), priority, level prefix, and forwarding
  // to syslog, kmsg and the console (journald's own settings decide).
  std::string h = id + "\n\n" + std::to_string(header.priority) + "\n" + (header.level_prefix ? "1" : "0") +
                  "\n0\n0\n0\n";
  return h;
}

std::string stream_socket_path(const std::string& native_socket_path) {
  auto slash = native_socket_path.find_last_of('/');
  if (slash == std::string::npos) return "stdout";
  return native_socket_path.substr(0, slash + 1) + "stdout";
}

JournalStreamConnection::JournalStreamConnection(std::string path, StreamHeader header, Diagnostics& diag)
    : path_(std::move(path)),
      header_(encode_stream_header(header)),
      diag_(diag),
      reconnect_("journald stream socket " + path_) {}

bool JournalStreamConnection::connect_now() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  // A unix stream connect() completes at once or fails (EAGAIN: backlog full).
  if (!connect_unix(fd.get(), path_)) return false;
  int sndbuf = 0;
  socklen_t len = sizeof sndbuf;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0) sndbuf = 4 << 20;
  risk_window_ = static_cast<std::uint64_t>(sndbuf) + kJournaldBuffer;
  fd_ = std::move(fd);
  header_left_ = header_.size();
  connection_bytes_ = 0;
  ++stats_.connections;
  return true;
}

void JournalStreamConnection::on_broken(int err, const char* what) {
  if (connection_bytes_ > 0) {
    // journald has read some of it, maybe all: the kernel cannot say how much.
    std::uint64_t risk = std::min(connection_bytes_, risk_window_);
    stats_.at_risk_bytes += risk;
    ++stats_.broken;
    diag_.report("journald stream connection " + path_ + " broke (" + what + ": " + std::strerror(err) + "); up to " +
                 std::to_string(risk) + " bytes written on it may not have been stored");
  }
  fd_.reset();
  reconnect_.failed(err, what, diag_);
}

bool JournalStreamConnection::wait_writable(WaitControl& wait) {
  for (;;) {
    if (auto d = wait.deadline(); d && Clock::now() >= *d) return false;
    struct pollfd p[2];
    nfds_t n = 0;
    p[n++] = {fd_.get(), POLLOUT, 0};
    const int interrupt = wait.interrupt_fd();
    if (interrupt >= 0) p[n++] = {interrupt, POLLIN, 0};
    int r = ::poll(p, n, poll_timeout_ms(wait.deadline(), -1));
    if (r < 0 && errno != EINTR) return false;
    if (r <= 0) continue;
    if (interrupt >= 0 && (p[n - 1].revents & POLLIN)) wait.on_interrupt();
    if (p[0].revents) return true;
  }
}

SendOutcome JournalStreamConnection::write(std::string_view data, WaitControl& wait) {
  while (!data.empty()) {
    if (!fd_) {
      if (Clock::now() < reconnect_.retry_at()) {
        if (!wait_until(wait, reconnect_.retry_at())) break;
        continue;
      }
      if (!connect_now()) {
        reconnect_.failed(errno, "connect", diag_);
        continue;
      }
    }
    const bool header = header_left_ > 0;
    const char* p = header ? header_.data() + (header_.size() - header_left_) : data.data();
    std::size_t n = header ? header_left_ : data.size();
    ssize_t w = ::send(fd_.get(), p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      auto written = static_cast<std::size_t>(w);
      if (header) {
        header_left_ -= written;
      } else {
        data.remove_prefix(written);
        stats_.bytes += written;
        connection_bytes_ += written;
        reconnect_.recovered(diag_);
      }
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_writable(wait)) break;
      continue;
    }
    on_broken(w < 0 ? errno : EPIPE, "write");
  }
  if (data.empty()) return SendOutcome::kSent;
  stats_.lost_bytes += data.size();
  return SendOutcome::kGaveUp;
}

std::uint64_t JournalStreamConnection::unread() const {
  int queued = 0;
  // On a unix socket SIOCOUTQ is the memory of what the peer has not read (truesize:
  // somewhat more than the bytes), 0 once it read everything.
  if (!fd_ || ::ioctl(fd_.get(), SIOCOUTQ, &queued) < 0 || queued < 0) return 0;
  return static_cast<std::uint64_t>(queued);
}

void JournalStreamConnection::finish(WaitControl& wait) {
  std::uint64_t last = unread();
  while (fd_ && last > 0) {
    if (auto d = wait.deadline(); d && Clock::now() >= *d) {
      stats_.at_risk_bytes += std::min(last, connection_bytes_);
      diag_.report("journald had not read the last " + std::to_string(std::min(last, connection_bytes_)) +
                   " bytes written to " + path_ + " when the drain timeout passed");
      break;
    }
    struct pollfd p = {fd_.get(), 0, 0};  // POLLHUP/POLLERR only: the peer is gone
    if (::poll(&p, 1, static_cast<int>(kUnreadPoll.count())) > 0 && (p.revents & (POLLHUP | POLLERR))) {
      // A journald without an fd store died with our bytes; the kernel has freed them.
      connection_bytes_ = std::min(connection_bytes_, last);
      on_broken(EPIPE, "closing");
      break;
    }
    if (int fd = wait.interrupt_fd(); fd >= 0) {
      struct pollfd i = {fd, POLLIN, 0};
      if (::poll(&i, 1, 0) > 0) wait.on_interrupt();
    }
    std::uint64_t now = unread();
    if (now > 0) last = now;
    else break;
  }
  fd_.reset();
}

}  // namespace mj
