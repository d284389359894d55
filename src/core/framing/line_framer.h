// Turns a byte stream into lines, with bounded memory.
//
// A line is the bytes up to '\n', without it. Lines are reassembled across reads of any
// size. A line longer than max_line_bytes is cut into pieces of max_line_bytes; pending
// bytes can also be emitted early (flush_partial) so that a prompt without '\n' is not
// held back. The pieces of one line concatenate to exactly the line.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace mj {

struct LinePiece {
  std::string_view data;
  bool first;  // the first piece of its line
  bool last;   // the line ends with this piece ('\n' seen, or end of stream)
  // The line ended at end of stream without a '\n' (only ever on a last piece). Carried
  // into the journal so that a reader can give back exactly the bytes that were written.
  bool unterminated = false;
};

class PieceSink {
 public:
  virtual ~PieceSink() = default;
  // piece.data points into the framer's buffer and stays valid until end_of_pieces().
  virtual void on_piece(const LinePiece& piece) = 0;
  // The framer is about to reuse the buffer: a sink that holds pieces back (to send
  // several at once) must be done with them when this returns.
  virtual void end_of_pieces() {}
};

class LineFramer {
 public:
  static constexpr std::size_t kDefaultReadSize = 64 * 1024;

  // max_line_bytes >= 1. The buffer is allocated on first use and never grows beyond
  // max_line_bytes + read_size.
  explicit LineFramer(std::size_t max_line_bytes, std::size_t read_size = kDefaultReadSize);

  // Where the next read() may write, and how much (always read_size bytes).
  char* write_ptr();
  std::size_t write_capacity() const { return read_size_; }

  // n bytes were written at write_ptr(): emit every complete line and every full piece.
  void commit(std::size_t n, PieceSink& sink);

  // Copies data through the buffer; for callers that do not read() into the framer.
  void feed(std::string_view data, PieceSink& sink);

  // Emit buffered bytes of an unterminated line as a non-final piece.
  void flush_partial(PieceSink& sink);

  // End of stream: emit what is buffered as the final piece of its line, marked
  // unterminated. When an earlier piece of the line was already emitted and nothing is
  // left, an empty final piece closes the line.
  void finish(PieceSink& sink);

  std::size_t pending_bytes() const { return end_ - begin_; }
  bool line_open() const { return line_open_; }

 private:
  void emit(std::size_t len, bool last, PieceSink& sink, bool unterminated = false);

  std::size_t max_line_;
  std::size_t read_size_;
  std::unique_ptr<char[]> buf_;  // uninitialised: an idle stream touches no pages
  std::size_t begin_ = 0;        // first pending byte
  std::size_t end_ = 0;          // one past the last pending byte
  std::size_t scanned_ = 0;      // bytes from begin_ known to hold no '\n'
  bool line_open_ = false;       // a piece of the current line was emitted already
};

}  // namespace mj
