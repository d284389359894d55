#include "core/journald/journal_socket.h"

#include "core/base/unix_address.h"
#include "core/entry/native_encoding.h"
#include "core/journald/replay_plan.h"
#include "core/journald/resend_marker.h"

#include <fcntl.h>
#include <poll.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iterator>

namespace mj {
namespace {

// The send buffer bounds what of ours journald has not yet taken off its socket: a
// datagram is charged to it until journald receives it, and a send finds no room once
// the unreceived datagrams' sizes reach it. The kernel doubles the value set, so at most
// 2 * kSendBuffer (plus the datagram that crossed the line) is queued: about 20 ms of
// journald's work at 100 B lines, enough to keep it busy between two wake-ups of ours,
// and what a dying journald can take with it, so what SentRing must keep. (journal-send.c
// asks for 8 MiB so that large entries go inline; larger ones go through a memfd here.)
constexpr int kSendBuffer = 256 * 1024;
// How long one blocking send waits before the caller looks at signals and deadlines.
constexpr std::chrono::milliseconds kBlockingSlice{200};
// Entries kept to be sent again after journald dies (see SentRing): the queued bytes
// above, the datagram that crossed the line, and the one journald was storing. Entries
// of up to kMaxDatagramBytes are covered; a larger one sent just before journald died
// is reported as lost if it is gone.
constexpr std::size_t kRingBytes = 2 * kSendBuffer + 2 * JournalSocket::kMaxDatagramBytes;
constexpr struct iovec kEntrySeparator = {const_cast<char*>("\n"), 1};

std::string errno_text(int err) { return std::strerror(err); }

void set_send_buffer(int fd) {
  int size = kSendBuffer;
  // SO_SNDBUFFORCE ignores net.core.wmem_max but needs CAP_NET_ADMIN; without it the
  // buffer is min(kSendBuffer, wmem_max) (212992 by default), doubled.
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

// Whether our own unreceived datagrams, not journald's queue of everyone's, are what
// stops a send: then the kernel wakes a blocking send once journald has taken three
// quarters of them, a wake-up per several hundred entries, and no pause is needed.
bool send_buffer_full(int fd) {
  int queued = 0, size = 0;
  socklen_t len = sizeof size;
  if (::ioctl(fd, SIOCOUTQ, &queued) < 0 || ::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0) return false;
  return queued >= size / 2;
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
      ring_((queue_length + 8) * kMaxEntriesPerDatagram, kRingBytes) {}

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
    set_send_buffer(fd_.get());
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
  Result<StoredEntries> read_back =
      counter_ ? counter_->count() : Result<StoredEntries>(Error{"the journal to read back is unknown"});
  Result<std::uint64_t> stored = read_back ? Result<std::uint64_t>(read_back->count) : read_back.error();
  // A dying journald can take what of ours it may have held (could_hold_: kernel sizes
  // are at least the bytes, so the newest entries within that many bytes cover it) and
  // the datagram it was storing. A read-back that misses more is not loss (a journal
  // file this process could not read, or one journald was replacing as it started):
  // without this bound every entry kept would be sent a second time.
  const std::uint64_t could_take =
      (could_hold_ == SIZE_MAX ? kept : ring_.newest_within(could_hold_)) + kMaxEntriesPerDatagram;
  ReplayPlan plan = plan_resend(sent_total_, stored, kept, could_take);
  if (plan.count_again && counter_) counter_->start_over();
  // The missing tail goes before whatever is still waiting to be sent again (entries a
  // journald that died during an earlier resend never got): those come after it.
  std::deque<std::string> tail;
  for (std::size_t i = kept - plan.resend; i < kept; ++i) tail.push_back(ring_.at(i));
  // An entry journald had listed but not indexed by every value when it died is in the
  // tail: its copy names it (resend_marker.h). Entries sent again go one to a datagram
  // (attempt()), so the copy shares its time with no other entry.
  const std::size_t marked = read_back ? mark_resent_copies(tail, plan.lost, read_back->partly_indexed) : 0;
  replay_.insert(replay_.begin(), std::make_move_iterator(tail.begin()), std::make_move_iterator(tail.end()));
  ring_.clear();
  could_hold_ = 0;  // the new journald's socket holds nothing of ours yet
  sent_total_ = plan.sent_total;
  stats_.replayed += plan.resend;
  stats_.resent_marked += marked;
  stats_.lost_with_journald += plan.lost;
  stats_.at_risk_with_journald += plan.at_risk;
  if (!plan.message.empty())
    diag_.report(plan.message + (marked == 0 ? std::string()
                                             : " (" + std::to_string(marked) +
                                                   " of them stored but not yet indexed by every field when "
                                                   "journald died: sent again marked " +
                                                   std::string(kResendOfField) + ")"));
}

void JournalSocket::note_sent(const struct iovec* iov, int iovcnt) {
  ++sent_total_;
  ++stats_.entries;
  ring_.push(iov, iovcnt);
}

std::size_t JournalSocket::unread_or_unknown() const {
  int unread = 0;
  return ::ioctl(fd_.get(), SIOCOUTQ, &unread) == 0 && unread >= 0 ? static_cast<std::size_t>(unread) : SIZE_MAX;
}

void JournalSocket::note_queued(std::size_t unread_before, std::size_t sent_bytes) {
  // What journald had not taken just before a send that succeeded, plus that send: the
  // send found journald alive, so the count before it is a true one. SIOCOUTQ after the
  // send is not a bound: a journald that died between the send and the ioctl reads as
  // one that took everything (its queue went with it, ours included). The soak lost 151
  // lines so: a burst's sendmmsg(), journald killed, SIOCOUTQ 0, and the read-back's 151
  // missing judged more than the 64 a dying journald could have held: not sent again.
  could_hold_ = unread_before == SIZE_MAX ? SIZE_MAX : unread_before + sent_bytes;
}

JournalSocket::Attempt JournalSocket::prepare(int flags) {
  if (!ensure_connected()) return on_unavailable(errno, "connect");
  if (peer_lost_) {
    peer_lost_ = false;
    plan_replay();
  }
  // Entries to send again go first, in their order, before anything newer.
  while (!replay_.empty()) {
    struct iovec again = {replay_.front().data(), replay_.front().size()};
    const std::size_t before = unread_or_unknown();
    Attempt a = send_now(&again, 1, flags);
    if (a != Attempt::kSent) return a;
    note_sent(&again, 1);
    note_queued(before, again.iov_len);
    replay_.pop_front();
  }
  return Attempt::kSent;
}

JournalSocket::Attempt JournalSocket::attempt(const struct iovec* iov, int iovcnt, bool blocking) {
  const int flags = MSG_NOSIGNAL | (blocking ? 0 : MSG_DONTWAIT);
  if (Attempt a = prepare(flags); a != Attempt::kSent) return a;
  const std::size_t before = unread_or_unknown();
  Attempt a = send_now(iov, iovcnt, flags);
  if (a == Attempt::kSent) {
    note_sent(iov, iovcnt);
    note_queued(before, iov_size(iov, iovcnt));
  }
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
          if (send_buffer_full(fd_.get())) continue;
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

JournalSocket::Attempt JournalSocket::probe() {
  const int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
  if (Attempt a = prepare(flags); a != Attempt::kSent) return a;
  struct msghdr mh{};
  const std::size_t before = unread_or_unknown();
  if (::sendmsg(fd_.get(), &mh, flags) >= 0) {
    note_queued(before, 0);
    return Attempt::kSent;
  }
  int err = errno;
  if (err == EINTR) return Attempt::kRetryNow;
  if (err == EAGAIN) return Attempt::kWaitWritable;
  return on_unavailable(err, "send");
}

std::size_t JournalSocket::unread_bytes() const {
  const std::size_t unread = fd_ ? unread_or_unknown() : 0;
  return unread == SIZE_MAX ? 0 : unread;
}

bool JournalSocket::settle(WaitControl& control) {
  if (!counter_ || sent_total_ + replay_.size() == 0) return true;
  if (settle_until(control)) return true;
  diag_.report("journald had not taken " + std::to_string(unread_bytes()) + " bytes of entries" +
               (replay_.empty() ? "" : " and " + std::to_string(replay_.size()) + " entries to send again") +
               " when the drain timeout passed; exiting without knowing they were stored");
  return false;
}

bool JournalSocket::settle_until(WaitControl& control) {
  // Polls SIOCOUTQ: no event says "journald took our last datagram". Starts at 1 ms
  // (journald usually has it by then) and backs off to 50 ms behind a long queue.
  constexpr std::chrono::microseconds kFirstPoll{1000}, kMaxPoll{50000};
  bool taken = false;  // journald took everything of ours up to and including a probe
  for (;;) {
    switch (probe()) {
      case Attempt::kSent:
        note_recovered();
        break;
      case Attempt::kRetryNow:
        continue;
      case Attempt::kWaitWritable:
        if (!wait_until(control, Clock::now() + kFirstPoll)) return false;
        continue;
      case Attempt::kWaitReconnect:  // journald died: what it held is sent again first
        taken = false;
        if (!wait_backoff(control)) return false;
        continue;
      case Attempt::kRejected:  // not for an empty datagram; give up as on the deadline
        return false;
    }
    if (taken) return true;
    for (auto poll = kFirstPoll; unread_bytes() > 0; poll = std::min(poll * 2, kMaxPoll))
      if (!wait_until(control, Clock::now() + poll)) return false;
    taken = true;  // by journald, or dropped with it if it died: the next probe tells
  }
}

std::size_t JournalSocket::pack(const EntryIov* entries, std::size_t n) {
  batch_iov_.clear();
  batch_entries_.clear();
  batch_starts_.clear();
  std::size_t bytes = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t size = iov_size(entries[k].iov, entries[k].iovcnt);
    const bool join = !batch_entries_.empty() && !entries[k].starts_datagram &&
                      batch_entries_.back() < kMaxEntriesPerDatagram && bytes + 1 + size <= kMaxDatagramBytes &&
                      batch_iov_.size() - batch_starts_.back() + 1 + static_cast<std::size_t>(entries[k].iovcnt) <= IOV_MAX;
    if (join) {
      batch_iov_.push_back(kEntrySeparator);  // an empty line ends the entry before
      ++batch_entries_.back();
      bytes += 1 + size;
    } else {
      batch_starts_.push_back(batch_iov_.size());
      batch_entries_.push_back(1);
      bytes = size;
    }
    batch_iov_.insert(batch_iov_.end(), entries[k].iov, entries[k].iov + entries[k].iovcnt);
  }
  const std::size_t datagrams = batch_entries_.size();
  batch_.resize(datagrams);
  for (std::size_t d = 0; d < datagrams; ++d) {
    const std::size_t end = d + 1 < datagrams ? batch_starts_[d + 1] : batch_iov_.size();
    struct msghdr& mh = batch_[d].msg_hdr;
    mh = msghdr{};
    mh.msg_iov = batch_iov_.data() + batch_starts_[d];
    mh.msg_iovlen = end - batch_starts_[d];
  }
  return datagrams;
}

void JournalSocket::send_batch(const EntryIov* entries, std::size_t n, WaitControl& control, SendOutcome* out) {
  // One system call for many datagrams, and many entries to a datagram: the kernel's
  // work per datagram (an allocation, a copy, a wake-up check) was most of the
  // companion's CPU per line.
  std::size_t i = 0;
  while (i < n) {
    if (connected_ && !peer_lost_ && replay_.empty() && n - i > 1) {
      const std::size_t datagrams = pack(entries + i, n - i);
      const std::size_t before = unread_or_unknown();
      int sent = ::sendmmsg(fd_.get(), batch_.data(), static_cast<unsigned>(datagrams), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) {
        ++stats_.batch_calls;
        note_recovered();
        std::size_t bytes = 0;
        for (int d = 0; d < sent; ++d) {
          ++stats_.datagrams;
          pacer_.on_sent();
          const struct msghdr& mh = batch_[static_cast<std::size_t>(d)].msg_hdr;
          bytes += iov_size(mh.msg_iov, static_cast<int>(mh.msg_iovlen));
          for (std::size_t k = 0; k < batch_entries_[static_cast<std::size_t>(d)]; ++k, ++i) {
            note_sent(entries[i].iov, entries[i].iovcnt);
            out[i] = SendOutcome::kSent;
          }
        }
        note_queued(before, bytes);
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
