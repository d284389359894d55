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
};

struct JournalSocketStats {
  std::uint64_t datagrams = 0;      // entries sent inline
  std::uint64_t memfd_entries = 0;  // entries too large for a datagram, sent as a sealed memfd
  std::uint64_t reconnects = 0;
  std::uint64_t waits_full = 0;     // times the socket queue was found full
  std::uint64_t pauses = 0;         // of which send() paused (SendPacer) before retrying
  std::uint64_t batch_calls = 0;    // sendmmsg() calls that sent at least one entry
  std::uint64_t replayed = 0;       // entries sent again after journald lost them
  std::uint64_t lost_with_journald = 0;  // lost with a dead journald's queue, not kept to resend
  std::uint64_t at_risk_with_journald = 0;  // may have been lost so; the journal could not be read back
};

class JournalSocket {
 public:
  JournalSocket(std::string path, Diagnostics& diag);

  // iov describes the entry's bytes (fields in native encoding, back to back).
  SendOutcome send(const struct iovec* iov, int iovcnt, WaitControl& wait);

  // send() for several entries, in order; out[i] is entry i's outcome. Entries go out
  // with one sendmmsg() as long as journald's queue takes them; anything else (a full
  // queue, an entry too large for a datagram, journald away, entries to send again)
  // goes through send(), one entry at a time.
  void send_batch(const EntryIov* entries, std::size_t n, WaitControl& wait, SendOutcome* out);

  TryOutcome try_send(const struct iovec* iov, int iovcnt);

  // Reads the journal back after journald died to find and resend what its socket queue
  // took with it. Without one, such entries can only be reported as possibly lost.
  void set_stored_counter(std::unique_ptr<StoredEntryCounter> counter);
  int fd() const { return fd_.get(); }
  Clock::time_point retry_at() const { return reconnect_.retry_at(); }

  const std::string& path() const { return path_; }
  const JournalSocketStats& stats() const { return stats_; }

 private:
  JournalSocket(std::string path, Diagnostics& diag, std::size_t queue_length);

  enum class Attempt { kSent, kRetryNow, kWaitWritable, kWaitReconnect, kRejected };

  Attempt attempt(const struct iovec* iov, int iovcnt, bool blocking);
  Attempt send_now(const struct iovec* iov, int iovcnt, int flags);
  void note_sent(const struct iovec* iov, int iovcnt);
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
  std::deque<std::string> replay_;
  std::unique_ptr<StoredEntryCounter> counter_;
  std::vector<struct mmsghdr> batch_;  // reused by send_batch()
};

}  // namespace mj
