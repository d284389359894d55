#include "core/journald/journal_socket.h"

#include "core/base/unix_address.h"
#include "core/journald/replay_plan.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mj {
namespace {

// As journal-send.c: a large send buffer lets big entries go inline and absorbs bursts.
constexpr int kSendBuffer = 8 * 1024 * 1024;
// How long one blocking send waits before the caller looks at signals and deadlines.
constexpr std::chrono::milliseconds kBlockingSlice{200};
// Memory for entries kept to be sent again after journald dies (see SentRing).
constexpr std::size_t kRingBytes = 4 * 1024 * 1024;

std::string errno_text(int err) { return std::strerror(err); }

void grow_send_buffer(int fd) {
  int size = kSendBuffer;
  // SO_SNDBUFFORCE ignores net.core.wmem_max but needs CAP_NET_ADMIN.
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

}  // namespace

JournalSocket::JournalSocket(std::string path, Diagnostics& diag)
    : JournalSocket(std::move(path), diag, SentRing::kernel_queue_length()) {}

JournalSocket::JournalSocket(std::string path, Diagnostics& diag, std::size_t queue_length)
    : path_(std::move(path)),
      diag_(diag),
      reconnect_("journald socket " + path_),
      queue_length_(queue_length),
      pacer_(queue_length),
      ring_(queue_length + 8, kRingBytes) {}

bool JournalSocket::ensure_connected() {
  if (connected_) return true;
  if (!fd_) {
    // Blocking, with a timeout: a sender waiting in sendmsg() for room in journald's
    // queue waits in the kernel's exclusive queue, so each freed slot wakes one sender.
    // Waiting in poll(POLLOUT) instead wakes every waiting sender for every slot, which
    // with hundreds of companions costs journald (which does the waking) more than
    // storing the entries. Non-blocking attempts use MSG_DONTWAIT.
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd_) return false;
    grow_send_buffer(fd_.get());
    struct timeval tv = {0, static_cast<suseconds_t>(kBlockingSlice.count() * 1000)};
    (void)::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  if (!connect_unix(fd_.get(), path_)) return false;
  connected_ = true;
  return true;
}

JournalSocket::Attempt JournalSocket::on_unavailable(int err, const char* what) {
  // A connected datagram socket stays bound to the journald that is gone; a new
  // journald listens on a new socket, so start over.
  if (connected_) peer_lost_ = true;
  fd_.reset();
  connected_ = false;
  reconnect_.failed(err, what, diag_);
  return Attempt::kWaitReconnect;
}

void JournalSocket::note_recovered() {
  if (reconnect_.recovered(diag_)) ++stats_.reconnects;
}

JournalSocket::Attempt JournalSocket::send_memfd(const struct iovec* iov, int iovcnt, int flags) {
  UniqueFd mem(::memfd_create("mesos-journald-entry", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!mem) {
    diag_.report("cannot create memfd for a large entry: " + errno_text(errno));
    return Attempt::kRejected;
  }
  for (int i = 0; i < iovcnt; ++i) {
    const char* p = static_cast<const char*>(iov[i].iov_base);
    std::size_t left = iov[i].iov_len;
    while (left > 0) {
      ssize_t n = ::write(mem.get(), p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        diag_.report("cannot fill memfd for a large entry: " + errno_text(errno));
        return Attempt::kRejected;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  // journald only accepts a sealed memfd: the content cannot change under it.
  if (::fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
    diag_.report("cannot seal memfd: " + errno_text(errno));
    return Attempt::kRejected;
  }
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control{};
  struct msghdr mh{};
  mh.msg_control = control.buf;
  mh.msg_controllen = sizeof control.buf;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&mh);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  int raw = mem.get();
  std::memcpy(CMSG_DATA(cmsg), &raw, sizeof raw);
  mh.msg_controllen = cmsg->cmsg_len;
  if (::sendmsg(fd_.get(), &mh, flags) >= 0) {
    ++stats_.memfd_entries;
    return Attempt::kSent;
  }
  int err = errno;
  if (err == EINTR) return Attempt::kRetryNow;
  if (err == EAGAIN) return Attempt::kWaitWritable;
  return on_unavailable(err, "send");
}

void JournalSocket::set_stored_counter(std::unique_ptr<StoredEntryCounter> counter) {
  counter_ = std::move(counter);
}

void JournalSocket::plan_replay() {
  // journald died; a standalone journald's socket queue died with it. What it stored is
  // in the journal: count it, and send again what is missing (the tail of what was sent,
  // since the queue is first in, first out).
  const std::size_t kept = ring_.size();
  Result<std::uint64_t> stored =
      counter_ ? counter_->count() : Result<std::uint64_t>(Error{"the journal to read back is unknown"});
  ReplayPlan plan = plan_resend(sent_total_, stored, kept, queue_length_);
  for (std::size_t i = kept - plan.resend; i < kept; ++i) replay_.push_back(ring_.at(i));
  ring_.clear();
  sent_total_ = plan.sent_total;
  stats_.replayed += plan.resend;
  stats_.lost_with_journald += plan.lost;
  stats_.at_risk_with_journald += plan.at_risk;
  if (!plan.message.empty()) diag_.report(plan.message);
}

void JournalSocket::note_sent(const struct iovec* iov, int iovcnt) {
  ++sent_total_;
  ring_.push(iov, iovcnt);
}

JournalSocket::Attempt JournalSocket::attempt(const struct iovec* iov, int iovcnt, bool blocking) {
  const int flags = MSG_NOSIGNAL | (blocking ? 0 : MSG_DONTWAIT);
  if (!ensure_connected()) return on_unavailable(errno, "connect");
  if (peer_lost_) {
    peer_lost_ = false;
    plan_replay();
  }
  // Entries to send again go first, in their order, before anything newer.
  while (!replay_.empty()) {
    struct iovec again = {replay_.front().data(), replay_.front().size()};
    Attempt a = send_now(&again, 1, flags);
    if (a != Attempt::kSent) return a;
    note_sent(&again, 1);
    replay_.pop_front();
  }
  Attempt a = send_now(iov, iovcnt, flags);
  if (a == Attempt::kSent) note_sent(iov, iovcnt);
  return a;
}

JournalSocket::Attempt JournalSocket::send_now(const struct iovec* iov, int iovcnt, int flags) {
  struct msghdr mh{};
  mh.msg_iov = const_cast<struct iovec*>(iov);
  mh.msg_iovlen = static_cast<std::size_t>(iovcnt);
  if (::sendmsg(fd_.get(), &mh, flags) >= 0) {
    ++stats_.datagrams;
    return Attempt::kSent;
  }
  int err = errno;
  switch (err) {
    case EINTR:
      return Attempt::kRetryNow;
    case EAGAIN:
      return Attempt::kWaitWritable;
    case EMSGSIZE:
    case ENOBUFS:
      return send_memfd(iov, iovcnt, flags);
    default:
      return on_unavailable(err, "send");
  }
}

bool JournalSocket::check_in(WaitControl& control) {
  int interrupt = control.interrupt_fd();
  if (interrupt >= 0) {
    struct pollfd p = {interrupt, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) control.on_interrupt();
  }
  auto deadline = control.deadline();
  return !deadline || Clock::now() < *deadline;
}

bool JournalSocket::wait_backoff(WaitControl& control) {
  return wait_until(control, Clock::now() + reconnect_.backoff());
}

TryOutcome JournalSocket::try_send(const struct iovec* iov, int iovcnt) {
  if (!connected_ && Clock::now() < reconnect_.retry_at()) return TryOutcome::kDown;
  for (;;) {
    switch (attempt(iov, iovcnt, false)) {
      case Attempt::kSent:
        note_recovered();
        return TryOutcome::kSent;
      case Attempt::kRetryNow:
        continue;
      case Attempt::kWaitWritable:
        ++stats_.waits_full;
        return TryOutcome::kBusy;
      case Attempt::kWaitReconnect:
        return TryOutcome::kDown;
      case Attempt::kRejected:
        return TryOutcome::kRejected;
    }
  }
}

SendOutcome JournalSocket::send(const struct iovec* iov, int iovcnt, WaitControl& control) {
  // First without waiting; on a full queue, pause (see SendPacer) and try once more;
  // only then wait in a blocking sendmsg(), in the kernel's exclusive wait queue, so
  // that many companions behind one journald wake one at a time.
  bool paused = false;
  for (;;) {
    const bool blocking = paused;
    switch (attempt(iov, iovcnt, blocking)) {
      case Attempt::kSent:
        note_recovered();
        pacer_.on_sent();
        return SendOutcome::kSent;
      case Attempt::kRejected:
        return SendOutcome::kRejected;
      case Attempt::kRetryNow:
        continue;
      case Attempt::kWaitWritable:
        ++stats_.waits_full;
        if (!blocking) {
          paused = true;
          ++stats_.pauses;
          if (!wait_until(control, Clock::now() + pacer_.on_full())) return SendOutcome::kGaveUp;
          continue;
        }
        // A blocking slice passed with journald's queue full.
        if (!check_in(control)) return SendOutcome::kGaveUp;
        continue;
      case Attempt::kWaitReconnect:
        if (!wait_backoff(control)) return SendOutcome::kGaveUp;
        continue;
    }
  }
}

void JournalSocket::send_batch(const EntryIov* entries, std::size_t n, WaitControl& control, SendOutcome* out) {
  // One system call for many datagrams: at ≈ 1 µs per call on a VM, the call itself
  // was about a third of the companion's CPU per line.
  std::size_t i = 0;
  while (i < n) {
    if (connected_ && !peer_lost_ && replay_.empty() && n - i > 1) {
      batch_.resize(n - i);
      for (std::size_t k = 0; k < n - i; ++k) {
        struct msghdr& mh = batch_[k].msg_hdr;
        mh = msghdr{};
        mh.msg_iov = const_cast<struct iovec*>(entries[i + k].iov);
        mh.msg_iovlen = static_cast<std::size_t>(entries[i + k].iovcnt);
      }
      int sent = ::sendmmsg(fd_.get(), batch_.data(), static_cast<unsigned>(n - i), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) {
        ++stats_.batch_calls;
        note_recovered();
        for (int k = 0; k < sent; ++k, ++i) {
          ++stats_.datagrams;
          note_sent(entries[i].iov, entries[i].iovcnt);
          pacer_.on_sent();
          out[i] = SendOutcome::kSent;
        }
        continue;
      }
    }
    // The first entry left could not go out at once (or is alone): send() knows why
    // and what to do about it.
    out[i] = send(entries[i].iov, entries[i].iovcnt, control);
    ++i;
  }
}

}  // namespace mj
