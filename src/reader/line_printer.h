// Where rejoined lines and gap entries go: formatted into the output (or, for gaps in
// raw and cri output, onto stderr), or held back for -n.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "reader/fd_output.h"
#include "reader/line_rejoiner.h"
#include "reader/record_format.h"

namespace mj {

class LinePrinter final : public LineSink {
 public:
  LinePrinter(OutputFormat format, FdOutput& out, FdOutput& err) : format_(format), out_(out), err_(err) {}

  void on_line(const RejoinedLine& line) override;
  void on_gap(const JournalRecord& gap) override;
  void on_piece(const JournalRecord& piece, bool first_of_line) override;

  // -n N: hold back the last N lines until release_held(), with the gaps among them
  // and those after the last line left out (they may have held lines of the N). The
  // source starts at the N-th last line already; this keeps the count exact when more
  // lines end than began there (and for lines that end while --follow starts).
  void hold_last(std::uint64_t n) { hold_ = n; }
  void release_held();
  // raw --follow: print the pieces of a line as they come, not when the line is complete.
  void stream_pieces(bool on) { stream_pieces_ = on; }
  // raw --follow: when lines that completed meanwhile have waited `after_usec` for the
  // line being printed piece by piece (a prompt on stdout while stderr goes on, or a
  // companion killed mid-line), that line is ended with '\n' where it is, the waiting
  // lines are printed, and its rest follows as a line of its own once complete.
  void release_stalled(std::uint64_t now_usec, std::uint64_t after_usec);

  std::uint64_t records() const { return records_; }  // lines and gaps seen

 private:
  using Item = std::variant<RejoinedLine, JournalRecord>;
  void print(const Item& item);
  void wait(Item item);
  void print_waiting();
  static bool same_line(const JournalRecord& a, const JournalRecord& b);
  static bool same_line(const JournalRecord& piece, const RejoinedLine& line);

  OutputFormat format_;
  FdOutput& out_;
  FdOutput& err_;
  std::optional<std::uint64_t> hold_;
  std::deque<Item> held_;
  std::uint64_t held_lines_ = 0;
  bool stream_pieces_ = false;
  // raw --follow: the line whose pieces are being printed (its first piece, message
  // cleared, as its key) and how many bytes of it are out; lines that complete
  // meanwhile wait in `waiting_` so that no line is printed into the middle of another.
  struct Streaming {
    JournalRecord key;
    std::size_t printed = 0;
  };
  std::optional<Streaming> streaming_;
  std::deque<Item> waiting_;
  std::uint64_t waiting_since_usec_ = 0;  // 0: not looked at by release_stalled() yet
  // Lines ended by release_stalled(), and how many of their bytes are out.
  std::vector<Streaming> cut_;
  std::uint64_t records_ = 0;
};

}  // namespace mj
