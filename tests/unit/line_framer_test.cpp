#include "core/framing/line_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mj {
namespace {

struct Collected {
  std::string data;
  bool first;
  bool last;
  bool unterminated = false;
  bool operator==(const Collected& o) const {
    return data == o.data && first == o.first && last == o.last && unterminated == o.unterminated;
  }
};

std::ostream& operator<<(std::ostream& os, const Collected& c) {
  return os << "{\"" << c.data << "\", first=" << c.first << ", last=" << c.last
            << ", unterminated=" << c.unterminated << "}";
}

class Collector : public PieceSink {
 public:
  void on_piece(const LinePiece& p) override {
    pieces.push_back({std::string(p.data), p.first, p.last, p.unterminated});
  }
  std::vector<Collected> pieces;
};

// Feeds `input` in chunks of `chunk` bytes through read()-style commits.
std::vector<Collected> frame(const std::string& input, std::size_t max_line, std::size_t chunk, bool finish = true) {
  LineFramer framer(max_line, chunk);
  Collector c;
  for (std::size_t off = 0; off < input.size(); off += chunk) {
    std::string part = input.substr(off, chunk);
    std::copy(part.begin(), part.end(), framer.write_ptr());
    framer.commit(part.size(), c);
  }
  if (finish) framer.finish(c);
  return c.pieces;
}

TEST(LineFramer, SplitsOnNewlinesWithoutThem) {
  auto p = frame("a\nbb\nccc\n", 100, 64);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], (Collected{"a", true, true}));
  EXPECT_EQ(p[1], (Collected{"bb", true, true}));
  EXPECT_EQ(p[2], (Collected{"ccc", true, true}));
}

TEST(LineFramer, EmptyLinesAreLines) {
  auto p = frame("\n\nx\n\n", 100, 64);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].data, "");
  EXPECT_EQ(p[1].data, "");
  EXPECT_EQ(p[2].data, "x");
  EXPECT_EQ(p[3].data, "");
  for (auto& c : p) EXPECT_TRUE(c.first && c.last);
}

TEST(LineFramer, ReassemblesLinesAcrossEveryReadSize) {
  std::string input;
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i) {
    lines.push_back(std::string(static_cast<std::size_t>(i * 7 % 97), static_cast<char>('a' + i % 26)));
    input += lines.back() + "\n";
  }
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 4096u, 65536u}) {
    auto p = frame(input, 1000, chunk);
    ASSERT_EQ(p.size(), lines.size()) << "chunk " << chunk;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(p[i], (Collected{lines[i], true, true})) << "chunk " << chunk << " line " << i;
    }
  }
}

TEST(LineFramer, FinalLineWithoutNewlineIsDeliveredAtEnd) {
  auto p = frame("one\ntwo", 100, 64, false);
  ASSERT_EQ(p.size(), 1u);
  p = frame("one\ntwo", 100, 64, true);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1], (Collected{"two", true, true, true}));
}

TEST(LineFramer, NoEntryForEmptyStream) { EXPECT_TRUE(frame("", 100, 64).empty()); }

TEST(LineFramer, LineOfExactlyMaxIsOnePiece) {
  auto p = frame(std::string(10, 'x') + "\n", 10, 4);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], (Collected{std::string(10, 'x'), true, true}));
}

TEST(LineFramer, LongLinesAreCutIntoPiecesThatConcatenateToTheLine) {
  std::string line;
  for (int i = 0; i < 25; ++i) line.push_back(static_cast<char>('a' + i));
  for (std::size_t chunk : {1u, 3u, 10u, 64u}) {
    auto p = frame(line + "\nz\n", 10, chunk);
    ASSERT_EQ(p.size(), 4u) << chunk;
    EXPECT_EQ(p[0], (Collected{line.substr(0, 10), true, false}));
    EXPECT_EQ(p[1], (Collected{line.substr(10, 10), false, false}));
    EXPECT_EQ(p[2], (Collected{line.substr(20), false, true}));
    EXPECT_EQ(p[3], (Collected{"z", true, true}));
  }
}

TEST(LineFramer, LineOfMaxPlusOneEndsWithOneBytePiece) {
  auto p = frame(std::string(11, 'x') + "\n", 10, 64);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], (Collected{std::string(10, 'x'), true, false}));
  EXPECT_EQ(p[1], (Collected{"x", false, true}));
}

TEST(LineFramer, FlushPartialEmitsPendingAndTheRestCloses) {
  LineFramer f(100, 64);
  Collector c;
  f.feed("prompt> ", c);
  EXPECT_TRUE(c.pieces.empty());
  EXPECT_EQ(f.pending_bytes(), 8u);
  f.flush_partial(c);
  ASSERT_EQ(c.pieces.size(), 1u);
  EXPECT_EQ(c.pieces[0], (Collected{"prompt> ", true, false}));
  EXPECT_TRUE(f.line_open());
  f.feed("answer\nnext\n", c);
  ASSERT_EQ(c.pieces.size(), 3u);
  EXPECT_EQ(c.pieces[1], (Collected{"answer", false, true}));
  EXPECT_EQ(c.pieces[2], (Collected{"next", true, true}));
}

TEST(LineFramer, FlushedLineClosedByBareNewlineGetsEmptyLastPiece) {
  LineFramer f(100, 64);
  Collector c;
  f.feed("abc", c);
  f.flush_partial(c);
  f.feed("\n", c);
  ASSERT_EQ(c.pieces.size(), 2u);
  EXPECT_EQ(c.pieces[1], (Collected{"", false, true}));
}

TEST(LineFramer, FlushedLineClosedByEndOfStreamGetsEmptyLastPiece) {
  LineFramer f(100, 64);
  Collector c;
  f.feed("abc", c);
  f.flush_partial(c);
  f.finish(c);
  ASSERT_EQ(c.pieces.size(), 2u);
  EXPECT_EQ(c.pieces[1], (Collected{"", false, true, true}));
  f.finish(c);  // idempotent
  EXPECT_EQ(c.pieces.size(), 2u);
}

TEST(LineFramer, OnlyALineEndedByEndOfStreamIsUnterminated) {
  auto p = frame("a\nb", 100, 64);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], (Collected{"a", true, true, false}));
  EXPECT_EQ(p[1], (Collected{"b", true, true, true}));
  // Ending with '\n' leaves nothing to mark.
  p = frame("a\n", 100, 64);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_FALSE(p[0].unterminated);
  // A split line that ends at end of stream: only its last piece says so.
  p = frame("abcde", 2, 64);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], (Collected{"ab", true, false, false}));
  EXPECT_EQ(p[1], (Collected{"cd", false, false, false}));
  EXPECT_EQ(p[2], (Collected{"e", false, true, true}));
  // A full piece is held until more comes, so the end of stream closes the line with it.
  p = frame("abcd", 2, 64);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1], (Collected{"cd", false, true, true}));
}

TEST(LineFramer, FlushWithNothingPendingDoesNothing) {
  LineFramer f(100, 64);
  Collector c;
  f.flush_partial(c);
  f.feed("a\n", c);
  f.flush_partial(c);
  EXPECT_EQ(c.pieces.size(), 1u);
}

// A sink that holds pieces back until end_of_pieces(), as the journal writer does: the
// views must still show the bytes they showed when they were emitted.
class HoldingSink : public PieceSink {
 public:
  void on_piece(const LinePiece& piece) override {
    held_.push_back(piece.data);
    copies_.emplace_back(piece.data);
  }
  void end_of_pieces() override {
    for (std::size_t i = 0; i < held_.size(); ++i) EXPECT_EQ(held_[i], copies_[i]) << "piece " << i;
    checked_ += held_.size();
    held_.clear();
    copies_.clear();
  }
  std::size_t checked_ = 0;

 private:
  std::vector<std::string_view> held_;
  std::vector<std::string> copies_;
};

TEST(LineFramer, HeldPiecesStayValidUntilEndOfPieces) {
  // Lines and read sizes that make the framer move an unterminated tail to the front of
  // its buffer after many commits.
  LineFramer framer(16, 32);
  HoldingSink sink;
  std::string data;
  for (int i = 0; i < 500; ++i) data += std::string(static_cast<std::size_t>(i % 23), static_cast<char>('a' + i % 26)) + "\n";
  framer.feed(data, sink);
  framer.finish(sink);
  EXPECT_GT(sink.checked_, 500u);
}

TEST(LineFramer, BinaryBytesPassThrough) {
  std::string line("a\0b\xff\xfe\r\t", 7);
  auto p = frame(line + "\n", 100, 3);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].data, line);
}

}  // namespace
}  // namespace mj
