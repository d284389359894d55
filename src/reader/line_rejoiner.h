// Rejoins the pieces of split and idle-flushed lines (CONTAINER_PARTIAL_*, see
// docs/fields.md) into the lines the task wrote.
//
// Pieces of different lines can interleave in the journal (stdout and stderr of one
// container, several containers), so open lines are kept per (CONTAINER_ID, STREAM,
// CONTAINER_PARTIAL_ID). A line is handed on when its last piece and every ordinal
// before it have arrived, in the order lines complete; a line that fits in one entry
// is handed on at once.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "reader/journal_record.h"

namespace mj {

struct PieceSpan {
  std::uint64_t time_usec;
  std::size_t size;  // bytes of the line's message this piece holds, in order
};

struct RejoinedLine {
  std::uint64_t time_usec = 0;  // of its first piece
  ReaderStream stream = ReaderStream::kUnknown;
  MesosIds ids;
  std::string message;          // the line, without '\n'
  bool no_newline = false;      // the stream ended after it without '\n'
  // Its last piece was not read: the line is still being written (the end of what was
  // read), or its end is not in the journal.
  bool unfinished = false;
  // Pieces before the last are missing: its start was rotated away or never stored.
  bool missing_pieces = false;
  std::vector<PieceSpan> pieces;  // one per entry (one entry for a line that fits)
  std::string partial_id;         // empty for a line that fits
};

class LineSink {
 public:
  virtual ~LineSink() = default;
  virtual void on_line(const RejoinedLine& line) = 0;
  virtual void on_gap(const JournalRecord& gap) = 0;
  // Every piece as it is read, before its line is complete (--follow in raw output).
  virtual void on_piece(const JournalRecord&, bool /*first_of_line*/) {}
};

class LineRejoiner {
 public:
  void add(JournalRecord record, LineSink& sink);
  // End of reading: lines still open are handed on as unfinished, oldest first.
  void flush_open(LineSink& sink);
  bool has_open_lines() const { return !open_.empty(); }
  // Whether `record` continues a line that is open (used to complete lines at --until).
  bool continues_open_line(const JournalRecord& record) const;

 private:
  using Key = std::tuple<std::string, ReaderStream, std::string>;
  struct Open {
    RejoinedLine line;
    std::uint64_t sequence;                 // order of the first piece read, for flush_open
    std::map<unsigned, JournalRecord> pieces;  // by ordinal
    unsigned last_ordinal = 0;              // ordinal of the last piece once seen
  };
  static Key key_of(const JournalRecord& r) { return {r.ids.container_id, r.stream, r.partial_id}; }
  static void assemble(Open& open);

  std::map<Key, Open> open_;
  std::uint64_t sequence_ = 0;
};

}  // namespace mj
