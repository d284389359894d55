// Turns the line pieces of one stream into journal entries and hands them to the socket.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/wait_control.h"
#include "core/entry/entry_template.h"
#include "core/framing/line_framer.h"
#include "core/framing/partial_id.h"
#include "core/journald/journal_delivery.h"

namespace mj {

struct StreamJournalStats {
  std::uint64_t lines = 0;         // lines whose last piece was sent
  std::uint64_t entries = 0;       // entries sent (a split line is several)
  std::uint64_t bytes = 0;         // message bytes sent
  std::uint64_t queued = 0;        // entries handed to the drop policy's queue
  std::uint64_t lost_entries = 0;  // entries given up (deadline, dropped, undeliverable)
  std::uint64_t lost_bytes = 0;
};

// Entries are held back until the framer's end_of_pieces() (or until kBatch are
// waiting) and then handed over together, so that the socket can send them with one
// system call.
class JournalStreamWriter final : public PieceSink {
 public:
  static constexpr std::size_t kBatch = 64;

  JournalStreamWriter(const EntryTemplate& tmpl, JournalDelivery& delivery, PartialIdSource& ids);

  void on_piece(const LinePiece& piece) override;
  void end_of_pieces() override;
  const StreamJournalStats& stats() const { return stats_; }

 private:
  // An entry waiting to be sent: what differs from entry to entry. The message points
  // into the framer's buffer (valid until end_of_pieces()).
  struct Staged {
    int priority;
    char message_head[16];  // "MESSAGE\n" and the 64-bit length
    std::string_view message;
    std::string partial;  // CONTAINER_PARTIAL_* of a split line and MESOS_JOURNALD_NO_NEWLINE, or empty
    bool last;
  };


  JournalDelivery& delivery_;
  PartialIdSource& ids_;
  int stream_index_;
  std::string common_;     // SYSLOG_IDENTIFIER, STREAM and user fields, encoded once
  int default_priority_;
  bool level_prefix_;
  // State of a line that is being sent in pieces.
  int line_priority_;
  std::string partial_id_;
  unsigned ordinal_ = 0;
  std::array<Staged, kBatch> staged_{};
  std::size_t staged_count_ = 0;
  StreamJournalStats stats_;
};

}  // namespace mj
