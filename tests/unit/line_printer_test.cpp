#include "reader/line_printer.h"

#include <gtest/gtest.h>

#include "reader/line_rejoiner.h"

namespace mj {
namespace {

JournalRecord piece(std::string msg, std::string id, unsigned ordinal, bool last,
                    ReaderStream s = ReaderStream::kStdout) {
  JournalRecord r;
  r.stream = s;
  r.message = std::move(msg);
  r.partial_id = std::move(id);
  r.ordinal = ordinal;
  r.partial_last = last;
  return r;
}

JournalRecord whole(std::string msg, ReaderStream s = ReaderStream::kStdout) { return piece(std::move(msg), "", 0, false, s); }

// Buffers only: nothing is written to the fd.
class LinePrinterTest : public ::testing::Test {
 protected:
  FdOutput out_{-1}, err_{-1};
  LineRejoiner rejoiner_;
};

TEST_F(LinePrinterTest, RawFollowPrintsPiecesAsTheyComeAndTheNewlineAtTheEnd) {
  LinePrinter p(OutputFormat::kRaw, out_, err_);
  p.stream_pieces(true);
  rejoiner_.add(piece("Pass", "a", 1, false), p);
  EXPECT_EQ(out_.buffer(), "Pass");
  rejoiner_.add(piece("word: ", "a", 2, false), p);
  EXPECT_EQ(out_.buffer(), "Password: ");
  rejoiner_.add(piece("", "a", 3, true), p);
  EXPECT_EQ(out_.buffer(), "Password: \n");
  EXPECT_EQ(p.records(), 1u);
}

TEST_F(LinePrinterTest, LinesThatCompleteMeanwhileWaitForTheStreamedLine) {
  LinePrinter p(OutputFormat::kRaw, out_, err_);
  p.stream_pieces(true);
  rejoiner_.add(piece("prompt> ", "a", 1, false), p);
  rejoiner_.add(whole("an error", ReaderStream::kStderr), p);
  EXPECT_EQ(out_.buffer(), "prompt> ");
  rejoiner_.add(piece("yes", "a", 2, true), p);
  EXPECT_EQ(out_.buffer(), "prompt> yes\nan error\n");
}

TEST_F(LinePrinterTest, AStalledLineIsEndedAndItsRestFollowsAsALine) {
  LinePrinter p(OutputFormat::kRaw, out_, err_);
  p.stream_pieces(true);
  rejoiner_.add(piece("prompt> ", "a", 1, false), p);
  rejoiner_.add(whole("an error", ReaderStream::kStderr), p);
  p.release_stalled(1000, 500);  // starts the clock for the waiting line
  p.release_stalled(1400, 500);
  EXPECT_EQ(out_.buffer(), "prompt> ");
  p.release_stalled(1500, 500);
  EXPECT_EQ(out_.buffer(), "prompt> \nan error\n");
  rejoiner_.add(piece("more", "a", 2, false), p);  // not streamed any more
  EXPECT_EQ(out_.buffer(), "prompt> \nan error\n");
  rejoiner_.add(piece("!", "a", 3, true), p);
  EXPECT_EQ(out_.buffer(), "prompt> \nan error\nmore!\n");
}

TEST_F(LinePrinterTest, NothingAfterTheCutPrintsNothingMore) {
  LinePrinter p(OutputFormat::kRaw, out_, err_);
  p.stream_pieces(true);
  rejoiner_.add(piece("prompt> ", "a", 1, false), p);
  rejoiner_.add(whole("x", ReaderStream::kStderr), p);
  p.release_stalled(1, 0);
  p.release_stalled(2, 0);
  rejoiner_.add(piece("", "a", 2, true), p);
  EXPECT_EQ(out_.buffer(), "prompt> \nx\n");
}

// A gap between the last line left out and the first one kept may have held lines of
// the window: it is kept.
TEST_F(LinePrinterTest, LastNKeepsTheGapsBeforeAndAmongThem) {
  LinePrinter p(OutputFormat::kShort, out_, err_);
  p.hold_last(2);
  rejoiner_.add(whole("one"), p);
  JournalRecord gap = whole("gap");
  gap.gap = GapInfo{1, 1, 0, 0};
  rejoiner_.add(gap, p);
  rejoiner_.add(whole("two"), p);
  rejoiner_.add(whole("three"), p);
  EXPECT_EQ(out_.buffer(), "");
  p.release_held();
  const std::string& o = out_.buffer();
  EXPECT_EQ(o.find("one"), std::string::npos);
  EXPECT_NE(o.find(" gap "), std::string::npos);
  EXPECT_LT(o.find(" gap "), o.find(" stdout two\n"));
  EXPECT_NE(o.find(" stdout three\n"), std::string::npos);
  EXPECT_EQ(p.records(), 4u);
}

TEST_F(LinePrinterTest, RawGapsGoToStderr) {
  LinePrinter p(OutputFormat::kRaw, out_, err_);
  JournalRecord gap = whole("gap");
  gap.gap = GapInfo{5, 50, 0, 0};
  rejoiner_.add(gap, p);
  EXPECT_EQ(out_.buffer(), "");
  EXPECT_EQ(err_.buffer().rfind("mesos-journald-logs: the companion dropped 5 entries (50 bytes) of stdout", 0), 0u);
}

}  // namespace
}  // namespace mj
