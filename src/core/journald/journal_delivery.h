// The delivery policy between the line writers and journald's socket.
//
//   block (BlockingDelivery): an entry is sent before the next line is read. While
//     journald is slow or away the companion waits, the pipe fills and the container's
//     writes block. Nothing is lost.
//   drop (DroppingDelivery): the container is never held up by journald. Entries journald
//     cannot take at once wait in a bounded queue; when the queue is full, entries are
//     dropped and counted, and once journald accepts again one entry per gap says how
//     many lines and bytes of which stream were lost, and between which times.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/base/diagnostics.h"
#include "core/base/wait_control.h"
#include "core/entry/entry_template.h"
#include "core/journald/journal_socket.h"

namespace mj {

enum class DeliveryOutcome { kSent, kQueued, kLost };

struct DropStats {
  std::uint64_t gaps = 0;           // gap entries written
  std::uint64_t dropped_entries = 0;
  std::uint64_t dropped_bytes = 0;  // message bytes
  std::uint64_t lost_at_exit = 0;   // queued entries still undelivered when giving up
};

class JournalDelivery {
 public:
  virtual ~JournalDelivery() = default;

  // common_fields: the stream's constant fields in native encoding (used for gap entries).
  virtual int register_stream(const std::string& common_fields, StreamKind kind) = 0;

  // message_bytes is the size of the line piece the entry carries, for accounting.
  virtual DeliveryOutcome deliver(int stream, const struct iovec* iov, int iovcnt, std::size_t message_bytes) = 0;

  // Several entries of one stream, in order; out[i] is entry i's outcome. By default
  // one deliver() after the other.
  virtual void deliver_batch(int stream, const EntryIov* entries, const std::size_t* message_bytes, std::size_t n,
                             DeliveryOutcome* out);

  // For the event loop while entries are queued: an fd to poll for POLLOUT, a time to
  // call on_ready() at, or neither when nothing waits.
  virtual int writable_fd() const { return -1; }
  virtual std::optional<Clock::time_point> wakeup_at() const { return std::nullopt; }
  virtual void on_ready() {}

  // At the end: deliver what is queued, waiting as `wait` allows; what is left is lost.
  virtual void finish(WaitControl& wait) { (void)wait; }

  virtual const DropStats& drop_stats() const = 0;
};

class BlockingDelivery final : public JournalDelivery {
 public:
  BlockingDelivery(JournalSocket& socket, WaitControl& wait) : socket_(socket), wait_(wait) {}
  int register_stream(const std::string&, StreamKind) override { return 0; }
  DeliveryOutcome deliver(int stream, const struct iovec* iov, int iovcnt, std::size_t message_bytes) override;
  void deliver_batch(int stream, const EntryIov* entries, const std::size_t* message_bytes, std::size_t n,
                     DeliveryOutcome* out) override;
  void finish(WaitControl& wait) override;
  const DropStats& drop_stats() const override { return stats_; }

 private:
  JournalSocket& socket_;
  WaitControl& wait_;
  std::vector<SendOutcome> sent_;  // reused by deliver_batch()
  DropStats stats_;
};

class DroppingDelivery final : public JournalDelivery {
 public:
  DroppingDelivery(JournalSocket& socket, std::size_t buffer_bytes, Diagnostics& diag)
      : socket_(socket), capacity_(buffer_bytes), diag_(diag) {}

  int register_stream(const std::string& common_fields, StreamKind kind) override;
  DeliveryOutcome deliver(int stream, const struct iovec* iov, int iovcnt, std::size_t message_bytes) override;
  int writable_fd() const override;
  std::optional<Clock::time_point> wakeup_at() const override;
  void on_ready() override;
  void finish(WaitControl& wait) override;
  const DropStats& drop_stats() const override { return stats_; }

  std::size_t queued_bytes() const { return queued_bytes_; }

 private:
  struct Gap {
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
    std::uint64_t first_usec = 0;  // CLOCK_REALTIME, as journald's timestamps
    std::uint64_t last_usec = 0;
  };
  struct Stream {
    std::string common_fields;
    StreamKind kind;
    Gap gap;
  };

  void enqueue(std::string entry);
  void close_gaps();
  std::string gap_entry(const Stream& s) const;
  // Sends from the head of the queue until journald pushes back.
  void flush();

  JournalSocket& socket_;
  std::size_t capacity_;
  Diagnostics& diag_;
  std::vector<Stream> streams_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  TryOutcome last_ = TryOutcome::kSent;
  bool dropping_reported_ = false;
  DropStats stats_;
};

}  // namespace mj
