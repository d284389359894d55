// Sends native-protocol entries to one journald socket, losslessly as far as the socket
// can tell: while journald is absent, restarting or full, send() waits and retries
// (reconnecting as needed) instead of dropping, until it succeeds or the caller's
// deadline passes.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/base/diagnostics.h"
#include "core/base/unique_fd.h"
#include "core/base/wait_control.h"
#include "core/journald/reconnect.h"
#include "core/journald/send_pacer.h"
#include "core/journald/sent_ring.h"
#include "core/journald/stored_entry_counter.h"

namespace mj {

// One attempt that never waits, for callers with a loop of their own.
enum class TryOutcome {
  kSent,      // queued on journald's socket
  kBusy,      // journald's queue is full: poll fd() for POLLOUT
  kDown,      // journald is not there: try again at retry_at()
  kRejected,  // the entry cannot be sent at all
};

enum class SendOutcome {
  kSent,      // queued on journald's socket
  kGaveUp,    // the deadline passed first; the entry was not sent
  kRejected,  // the entry cannot be sent at all (e.g. no memory for the memfd)
};

// One entry of a batch: its bytes as iovecs, valid for the duration of the call.
struct EntryIov {
  const struct iovec* iov;
  int iovcnt;
  // Must not share a datagram with the entries before it. journald stamps every entry
  // of a datagram with the same time, so the caller sets this on an entry that would
  // otherwise be indistinguishable from one sent just before it (same message and
  // fields): identical entries with identical times read as one entry stored twice
  // (reader/duplicate_filter.h).
  bool starts_datagram = false;
};

struct JournalSocketStats {
  std::uint64_t datagrams = 0;      // datagrams sent inline (one entry or several)
  std::uint64_t entries = 0;        // entries sent, inline or as a memfd
  std::uint64_t memfd_entries = 0;  // entries too large for a datagram, sent as a sealed memfd
  std::uint64_t reconnects = 0;
  std::uint64_t waits_full = 0;     // times the socket queue was found full
  std::uint64_t pauses = 0;         // of which send() paused (SendPacer) before retrying
  std::uint64_t batch_calls = 0;    // sendmmsg() calls that sent at least one datagram
  std::uint64_t replayed = 0;       // entries sent again after journald lost them
  std::uint64_t resent_marked = 0;  // of which copies of an entry journald had stored but not indexed
  std::uint64_t lost_with_journald = 0;  // lost with a dead journald's queue, not kept to resend
  std::uint64_t at_risk_with_journald = 0;  // may have been lost so; the journal could not be read back
};

class JournalSocket {
 public:
  // A datagram carries up to this many entries (journald's native protocol ends an entry
  // at an empty line and parses on), and no more bytes than this unless one entry alone
  // is larger. At 100 B lines the kernel's work per datagram, not per byte, was two
  // thirds of the companion's CPU, and journald's per-datagram work shrinks alike.
  static constexpr std::size_t kMaxEntriesPerDatagram = 64;
  static constexpr std::size_t kMaxDatagramBytes = 64 * 1024;

  JournalSocket(std::string path, Diagnostics& diag);

  // iov describes the entry's bytes (fields in native encoding, back to back).
  SendOutcome send(const struct iovec* iov, int iovcnt, WaitControl& wait);

  // send() for several entries, in order; out[i] is entry i's outcome. Entries go out
  // several to a datagram and with one sendmmsg() as long as journald's queue takes
  // them; anything else (a full queue, an entry too large for a datagram, journald away,
  // entries to send again) goes through send(), one entry at a time.
  void send_batch(const EntryIov* entries, std::size_t n, WaitControl& wait, SendOutcome* out);

  TryOutcome try_send(const struct iovec* iov, int iovcnt);

  // Reads the journal back after journald died to find and resend what its socket queue
  // took with it. Without one, such entries can only be reported as possibly lost.
  void set_stored_counter(std::unique_ptr<StoredEntryCounter> counter);

  // Before the process exits: waits until journald has stored every entry sent, and if
  // journald died holding some of them, sends those again (as after any restart) and
  // waits for them too. journald takes one datagram off its socket and stores its entries
  // before it takes the next, and ignores an empty datagram (journald-server.c); so once
  // an empty datagram sent after the last entry has been taken (SIOCOUTQ back to 0) and a
  // second one still finds the same journald there, every entry before them is in the
  // journal. Without this, entries still queued when the input ended were lost if
  // journald died before taking them: nothing was ever sent after them, so the death went
  // unnoticed. Only with a stored-entry counter (the resend needs one; a socket given by
  // --journal-socket may not even be journald's). False when control's deadline passed
  // first (the entries are then in journald's queue, not lost unless journald dies).
  bool settle(WaitControl& control);
  int fd() const { return fd_.get(); }
  Clock::time_point retry_at() const { return reconnect_.retry_at(); }

  const std::string& path() const { return path_; }
  const JournalSocketStats& stats() const { return stats_; }

 private:
  JournalSocket(std::string path, Diagnostics& diag, std::size_t queue_length);

  enum class Attempt { kSent, kRetryNow, kWaitWritable, kWaitReconnect, kRejected };

  Attempt attempt(const struct iovec* iov, int iovcnt, bool blocking);
  // What attempt() does first: reconnect, read the journal back after a death, send again.
  Attempt prepare(int flags);
  // An empty datagram, which journald ignores (settle()).
  Attempt probe();
  bool settle_until(WaitControl& control);
  std::size_t unread_bytes() const;  // of ours, not yet taken by journald (SIOCOUTQ)
  Attempt send_now(const struct iovec* iov, int iovcnt, int flags);
  void note_sent(const struct iovec* iov, int iovcnt);
  // SIOCOUTQ: bytes of ours journald has not taken, SIZE_MAX when unknown.
  std::size_t unread_or_unknown() const;
  // After a send that succeeded: what a dying journald can hold from now on.
  void note_queued(std::size_t unread_before, std::size_t sent_bytes);
  // Lays out entries[0..n) as datagrams in batch_; returns how many datagrams.
  std::size_t pack(const EntryIov* entries, std::size_t n);
  void plan_replay();
  Attempt send_memfd(const struct iovec* iov, int iovcnt, int flags);
  Attempt on_unavailable(int err, const char* what);
  bool ensure_connected();
  // Between blocking slices: handles a pending interrupt; false once the deadline passed.
  bool check_in(WaitControl& wait);
  // Until the reconnect backoff ends; false when the deadline passed first.
  bool wait_backoff(WaitControl& wait);
  void note_recovered();

  std::string path_;
  Diagnostics& diag_;
  UniqueFd fd_;
  bool connected_ = false;
  Reconnect reconnect_;
  JournalSocketStats stats_;
  std::size_t queue_length_;  // the socket's max_dgram_qlen
  SendPacer pacer_;
  // Recovery from a journald that died with entries queued.
  SentRing ring_;
  std::uint64_t sent_total_ = 0;  // entries journald should have, as far as we know
  bool peer_lost_ = false;        // the journald we were connected to is gone
  // Bytes of ours a journald dying from now on can hold: those it had not taken (SIOCOUTQ,
  // kernel sizes, each at least the datagram's) just before our last send, plus the
  // bytes of that send (note_queued()). With the datagram it was storing, all a dying
  // journald can have taken. SIZE_MAX: unknown (SIOCOUTQ failed).
  std::size_t could_hold_ = 0;
  std::deque<std::string> replay_;
  std::unique_ptr<StoredEntryCounter> counter_;
  // Reused by send_batch(): the datagrams, their iovecs, and how many entries each holds.
  std::vector<struct mmsghdr> batch_;
  std::vector<struct iovec> batch_iov_;
  std::vector<std::size_t> batch_entries_;
  std::vector<std::size_t> batch_starts_;  // each datagram's first iovec
};

}  // namespace mj
