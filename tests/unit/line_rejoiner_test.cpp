#include "reader/line_rejoiner.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace mj {
namespace {

class Collect : public LineSink {
 public:
  void on_line(const RejoinedLine& l) override { lines.push_back(l); }
  void on_gap(const JournalRecord& g) override { gaps.push_back(g); }
  void on_piece(const JournalRecord& p, bool first) override { pieces.emplace_back(p.message, first); }
  std::vector<RejoinedLine> lines;
  std::vector<JournalRecord> gaps;
  std::vector<std::pair<std::string, bool>> pieces;
};

JournalRecord whole(std::string msg, ReaderStream s = ReaderStream::kStdout, std::uint64_t t = 1) {
  JournalRecord r;
  r.time_usec = t;
  r.stream = s;
  r.message = std::move(msg);
  r.ids.container_id = "c1";
  return r;
}

JournalRecord piece(std::string msg, std::string id, unsigned ordinal, bool last,
                    ReaderStream s = ReaderStream::kStdout, std::uint64_t t = 1) {
  JournalRecord r = whole(std::move(msg), s, t);
  r.partial_id = std::move(id);
  r.ordinal = ordinal;
  r.partial_last = last;
  return r;
}

TEST(LineRejoiner, ALineThatFitsIsHandedOnAtOnce) {
  LineRejoiner j;
  Collect c;
  j.add(whole("hello", ReaderStream::kStderr, 7), c);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].message, "hello");
  EXPECT_EQ(c.lines[0].stream, ReaderStream::kStderr);
  EXPECT_EQ(c.lines[0].time_usec, 7u);
  EXPECT_EQ(c.lines[0].ids.container_id, "c1");
  EXPECT_FALSE(c.lines[0].no_newline || c.lines[0].unfinished || c.lines[0].missing_pieces);
  EXPECT_FALSE(j.has_open_lines());
}

TEST(LineRejoiner, PiecesAreJoinedInOrdinalOrderWithTheFirstPiecesTime) {
  LineRejoiner j;
  Collect c;
  j.add(piece("ab", "p", 1, false, ReaderStream::kStdout, 10), c);
  j.add(piece("cd", "p", 2, false, ReaderStream::kStdout, 11), c);
  EXPECT_TRUE(c.lines.empty());
  EXPECT_TRUE(j.has_open_lines());
  j.add(piece("", "p", 3, true, ReaderStream::kStdout, 12), c);
  ASSERT_EQ(c.lines.size(), 1u);
  const RejoinedLine& l = c.lines[0];
  EXPECT_EQ(l.message, "abcd");
  EXPECT_EQ(l.time_usec, 10u);
  ASSERT_EQ(l.pieces.size(), 3u);
  EXPECT_EQ(l.pieces[1].size, 2u);
  EXPECT_EQ(l.pieces[2].time_usec, 12u);
  EXPECT_EQ(l.partial_id, "p");
  EXPECT_FALSE(j.has_open_lines());
  // Every piece went past on_piece too, the first one marked.
  ASSERT_EQ(c.pieces.size(), 3u);
  EXPECT_TRUE(c.pieces[0].second);
  EXPECT_FALSE(c.pieces[1].second);
}

TEST(LineRejoiner, InterleavedLinesOfBothStreamsAndContainersStayApart) {
  LineRejoiner j;
  Collect c;
  JournalRecord other = piece("X1", "q", 1, false);
  other.ids.container_id = "c2";
  j.add(piece("o1", "p", 1, false, ReaderStream::kStdout), c);
  j.add(piece("e1", "p", 1, false, ReaderStream::kStderr), c);  // same partial id, other stream
  j.add(other, c);
  j.add(whole("between", ReaderStream::kStderr), c);
  j.add(piece("e2", "p", 2, true, ReaderStream::kStderr), c);
  other = piece("X2", "q", 2, true);
  other.ids.container_id = "c2";
  j.add(other, c);
  j.add(piece("o2", "p", 2, true, ReaderStream::kStdout), c);
  ASSERT_EQ(c.lines.size(), 4u);
  EXPECT_EQ(c.lines[0].message, "between");
  EXPECT_EQ(c.lines[1].message, "e1e2");
  EXPECT_EQ(c.lines[1].stream, ReaderStream::kStderr);
  EXPECT_EQ(c.lines[2].message, "X1X2");
  EXPECT_EQ(c.lines[2].ids.container_id, "c2");
  EXPECT_EQ(c.lines[3].message, "o1o2");
}

TEST(LineRejoiner, NoNewlineMarkOnTheLastPieceOrTheWholeLine) {
  LineRejoiner j;
  Collect c;
  JournalRecord r = whole("tail");
  r.no_newline = true;
  j.add(r, c);
  r = piece("pro", "p", 1, false);
  j.add(r, c);
  r = piece("mpt", "p", 2, true);
  r.no_newline = true;
  j.add(r, c);
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_TRUE(c.lines[0].no_newline);
  EXPECT_EQ(c.lines[1].message, "prompt");
  EXPECT_TRUE(c.lines[1].no_newline);
}

TEST(LineRejoiner, OpenLinesAreFlushedUnfinishedInTheOrderTheyBegan) {
  LineRejoiner j;
  Collect c;
  j.add(piece("second", "z", 1, false), c);
  j.add(piece("first?", "a", 1, false, ReaderStream::kStderr), c);
  j.flush_open(c);
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0].message, "second");
  EXPECT_TRUE(c.lines[0].unfinished);
  EXPECT_FALSE(c.lines[0].missing_pieces);
  EXPECT_EQ(c.lines[1].message, "first?");
  EXPECT_FALSE(j.has_open_lines());
}

TEST(LineRejoiner, MissingPiecesAreSaidAndDuplicatesIgnored) {
  LineRejoiner j;
  Collect c;
  j.add(piece("b", "p", 2, false), c);  // its first piece is not in the journal
  j.add(piece("b", "p", 2, false), c);  // stored twice
  j.add(piece("c", "p", 3, true), c);
  EXPECT_TRUE(c.lines.empty());  // waits for ordinal 1
  j.flush_open(c);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].message, "bc");
  EXPECT_TRUE(c.lines[0].missing_pieces);
  EXPECT_FALSE(c.lines[0].unfinished);
}

TEST(LineRejoiner, GapsGoToTheirOwnCallback) {
  LineRejoiner j;
  Collect c;
  JournalRecord g = whole("dropped");
  g.gap = GapInfo{3, 30, 1, 2};
  j.add(g, c);
  EXPECT_TRUE(c.lines.empty());
  ASSERT_EQ(c.gaps.size(), 1u);
  EXPECT_EQ(c.gaps[0].gap->entries, 3u);
}

TEST(LineRejoiner, ContinuesOpenLineKnowsTheOpenKeys) {
  LineRejoiner j;
  Collect c;
  j.add(piece("a", "p", 1, false), c);
  EXPECT_TRUE(j.continues_open_line(piece("b", "p", 2, true)));
  EXPECT_FALSE(j.continues_open_line(piece("b", "p", 2, true, ReaderStream::kStderr)));
  EXPECT_FALSE(j.continues_open_line(whole("x")));
}

// Random lines of three (container, stream) pairs, cut into random pieces (a piece may
// be empty), the pieces of all pairs interleaved at random but each pair's in order, as
// the journal has them: every pair's lines come back whole, in order.
TEST(LineRejoiner, RandomInterleavingsRejoinEveryLine) {
  for (unsigned seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    struct Source {
      std::string container;
      ReaderStream stream;
      std::vector<std::string> lines;
      std::vector<JournalRecord> records;
      std::size_t next = 0;
    };
    std::vector<Source> sources = {{"c1", ReaderStream::kStdout, {}, {}, 0},
                                   {"c1", ReaderStream::kStderr, {}, {}, 0},
                                   {"c1.n", ReaderStream::kStdout, {}, {}, 0}};
    unsigned partial = 0;
    for (Source& src : sources) {
      int n = static_cast<int>(rng() % 20);
      for (int i = 0; i < n; ++i) {
        std::string line(rng() % 30, 'x');
        for (char& c : line) c = static_cast<char>(rng() % 256);
        src.lines.push_back(line);
        if (rng() % 2) {  // fits: one entry
          JournalRecord r = whole(line, src.stream);
          r.ids.container_id = src.container;
          src.records.push_back(r);
          continue;
        }
        std::string id = "p" + std::to_string(partial++);
        unsigned ordinal = 0;
        std::size_t at = 0;
        do {
          std::size_t len = std::min<std::size_t>(rng() % 8, line.size() - at);
          bool last = at + len == line.size() && rng() % 3 != 0;
          JournalRecord r = piece(line.substr(at, len), id, ++ordinal, last, src.stream);
          r.ids.container_id = src.container;
          src.records.push_back(r);
          at += len;
          if (last) break;
        } while (true);
      }
    }
    LineRejoiner j;
    Collect c;
    for (;;) {
      std::vector<Source*> left;
      for (Source& src : sources)
        if (src.next < src.records.size()) left.push_back(&src);
      if (left.empty()) break;
      Source* src = left[rng() % left.size()];
      j.add(src->records[src->next++], c);
    }
    EXPECT_FALSE(j.has_open_lines()) << "seed " << seed;
    for (const Source& src : sources) {
      std::vector<std::string> got;
      for (const RejoinedLine& l : c.lines)
        if (l.ids.container_id == src.container && l.stream == src.stream) {
          EXPECT_FALSE(l.unfinished || l.missing_pieces);
          got.push_back(l.message);
        }
      EXPECT_EQ(got, src.lines) << "seed " << seed << " " << src.container << " " << stream_name(src.stream);
    }
  }
}

}  // namespace
}  // namespace mj
