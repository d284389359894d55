#include "core/entry/journal_stream_writer.h"

#include <gtest/gtest.h>

#include <map>

#include "datagram_receiver.h"
#include "native_parser.h"
#include "temp_dir.h"

namespace mj {
namespace {

class NullDiag : public Diagnostics {
 public:
  void report(std::string_view) override {}
};

using Entry = std::multimap<std::string, std::string>;

class StreamWriterTest : public ::testing::Test {
 protected:
  StreamWriterTest() : rx_(dir_.file("socket")), socket_(dir_.file("socket"), diag_), ids_(0x1234) {}

  Entry next() {
    auto d = rx_.receive();
    EXPECT_TRUE(d);
    if (!d) return {};
    auto f = test::parse_native(*d);
    EXPECT_TRUE(f) << "malformed datagram";
    if (!f) return {};
    return Entry(f->begin(), f->end());
  }
  static std::string one(const Entry& e, const std::string& k) {
    EXPECT_EQ(e.count(k), 1u) << k;
    auto it = e.find(k);
    return it == e.end() ? "<missing>" : it->second;
  }

  test::TempDir dir_;
  test::DatagramReceiver rx_;
  NullDiag diag_;
  JournalSocket socket_;
  WaitForever forever_;
  BlockingDelivery delivery_{socket_, forever_};
  PartialIdSource ids_;
};

TEST_F(StreamWriterTest, EveryEntryCarriesTheContractFields) {
  EntryTemplate t;
  t.identifier = "web";
  t.stream = StreamKind::kStderr;
  t.priority = 3;
  t.fields = {{"FRAMEWORK_ID", "fw"}, {"MULTI", "a\nb"}};
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(100);
  framer.feed(std::string("hello\0world\xff\n", 13), w);
  Entry e = next();
  EXPECT_EQ(one(e, "MESSAGE"), std::string("hello\0world\xff", 12));
  EXPECT_EQ(one(e, "PRIORITY"), "3");
  EXPECT_EQ(one(e, "SYSLOG_IDENTIFIER"), "web");
  EXPECT_EQ(one(e, "STREAM"), "STDERR");
  EXPECT_EQ(one(e, "FRAMEWORK_ID"), "fw");
  EXPECT_EQ(one(e, "MULTI"), "a\nb");
  EXPECT_EQ(e.count("CONTAINER_PARTIAL_ID"), 0u);
  EXPECT_EQ(e.size(), 6u);
  EXPECT_EQ(w.stats().lines, 1u);
}

TEST_F(StreamWriterTest, LineContentCannotForgeFields) {
  EntryTemplate t;
  t.identifier = "x";
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(100);
  framer.feed("PRIORITY=0\nSYSLOG_IDENTIFIER=evil=\n", w);
  for (const char* msg : {"PRIORITY=0", "SYSLOG_IDENTIFIER=evil="}) {
    Entry e = next();
    EXPECT_EQ(one(e, "MESSAGE"), msg);
    EXPECT_EQ(one(e, "PRIORITY"), "6");
    EXPECT_EQ(one(e, "SYSLOG_IDENTIFIER"), "x");
  }
}

TEST_F(StreamWriterTest, SplitLinesCarryDockersPartialFields) {
  EntryTemplate t;
  t.identifier = "x";
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(4);
  framer.feed("0123456789\nab\n", w);
  std::string joined, id;
  for (int ordinal = 1; ordinal <= 3; ++ordinal) {
    Entry e = next();
    joined += one(e, "MESSAGE");
    if (ordinal == 1) id = one(e, "CONTAINER_PARTIAL_ID");
    EXPECT_EQ(one(e, "CONTAINER_PARTIAL_ID"), id);
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(one(e, "CONTAINER_PARTIAL_ORDINAL"), std::to_string(ordinal));
    EXPECT_EQ(one(e, "CONTAINER_PARTIAL_LAST"), ordinal == 3 ? "true" : "false");
    EXPECT_EQ(e.count("CONTAINER_PARTIAL_MESSAGE"), ordinal == 3 ? 0u : 1u);
    if (ordinal < 3) {
      EXPECT_EQ(one(e, "CONTAINER_PARTIAL_MESSAGE"), "true");
    }
  }
  EXPECT_EQ(joined, "0123456789");
  Entry e = next();
  EXPECT_EQ(one(e, "MESSAGE"), "ab");
  EXPECT_EQ(e.count("CONTAINER_PARTIAL_ID"), 0u);
  EXPECT_EQ(w.stats().lines, 2u);
  EXPECT_EQ(w.stats().entries, 4u);
}

TEST_F(StreamWriterTest, DistinctLinesGetDistinctPartialIds) {
  EntryTemplate t;
  t.identifier = "x";
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(2);
  framer.feed("abc\ndef\n", w);
  std::string first = one(next(), "CONTAINER_PARTIAL_ID");
  next();
  std::string second = one(next(), "CONTAINER_PARTIAL_ID");
  EXPECT_NE(first, second);
}

TEST_F(StreamWriterTest, LevelPrefixSetsPriorityOfTheWholeLine) {
  EntryTemplate t;
  t.identifier = "x";
  t.level_prefix = true;
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(5);
  framer.feed("<2>crit!!\n<9>not a prefix\nplain\n", w);
  Entry a = next(), b = next();
  // Pieces are cut from the raw line; the prefix is then removed from the first.
  EXPECT_EQ(one(a, "MESSAGE"), "cr");
  EXPECT_EQ(one(a, "PRIORITY"), "2");
  EXPECT_EQ(one(b, "MESSAGE"), "it!!");
  EXPECT_EQ(one(b, "PRIORITY"), "2");  // the second piece of the same line
  std::string rest;
  Entry e;
  do {
    e = next();
    rest += one(e, "MESSAGE");
    EXPECT_EQ(one(e, "PRIORITY"), "6");
  } while (one(e, "MESSAGE") != "plain");
  EXPECT_EQ(rest, "<9>not a prefixplain");
}

TEST_F(StreamWriterTest, TheLinesOfOneReadGoOutTogether) {
  EntryTemplate t;
  t.identifier = "x";
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(100);
  framer.feed("first\n", w);  // connects
  next();
  framer.feed("a\nb\nc\nd\ne\nf\ng\nh\n", w);  // one read, 8 lines: one sendmmsg()
  for (const char* m : {"a", "b", "c", "d", "e", "f", "g", "h"}) EXPECT_EQ(one(next(), "MESSAGE"), m);
  EXPECT_EQ(socket_.stats().batch_calls, 1u);
  EXPECT_EQ(w.stats().lines, 9u);
  EXPECT_EQ(w.stats().entries, 9u);
}

// journald stamps the entries of a datagram with one time: two that are otherwise the
// same would read as one entry stored twice (the reader prints such copies once), so a
// line that repeats one of its datagram starts a new datagram.
TEST_F(StreamWriterTest, ARepeatedLineNeverSharesADatagramWithItsTwin) {
  EntryTemplate t;
  t.identifier = "x";
  t.level_prefix = true;
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(100);
  framer.feed("first\n", w);  // connects
  next();
  framer.feed("a\na\nb\n<3>a\nc\n\n\nd\n", w);
  std::vector<std::pair<std::string, std::size_t>> got;
  for (int i = 0; i < 8; ++i) {
    std::string message = one(next(), "MESSAGE");
    got.emplace_back(message, rx_.last_datagram_entries());
  }
  // [a] [a b] [a c ""] ["" d]: "<3>a" is "a" at another priority, which the reader
  // would print once too.
  std::vector<std::pair<std::string, std::size_t>> want = {{"a", 1}, {"a", 2}, {"b", 2}, {"a", 3},
                                                           {"c", 3}, {"", 3},  {"", 2}, {"d", 2}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(w.stats().lines, 9u);
}

TEST_F(StreamWriterTest, NothingIsHeldBackPastTheEndOfARead) {
  EntryTemplate t;
  t.identifier = "x";
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(100);
  framer.feed("one\ntwo\nthr", w);
  EXPECT_EQ(one(next(), "MESSAGE"), "one");
  EXPECT_EQ(one(next(), "MESSAGE"), "two");
  framer.flush_partial(w);
  EXPECT_EQ(one(next(), "MESSAGE"), "thr");
  framer.finish(w);
  Entry e = next();
  EXPECT_EQ(one(e, "MESSAGE"), "");  // the empty last piece closes the flushed line
  EXPECT_EQ(one(e, "CONTAINER_PARTIAL_LAST"), "true");
  EXPECT_EQ(one(e, "MESOS_JOURNALD_NO_NEWLINE"), "true");  // the stream ended after "thr"
  EXPECT_EQ(w.stats().lines, 3u);
}

TEST_F(StreamWriterTest, OnlyTheLineEndedByEndOfStreamIsMarkedNoNewline) {
  EntryTemplate t;
  t.identifier = "x";
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(4);
  framer.feed("whole\nlast", w);
  // "whole" is split at 4 bytes; no piece of it is marked.
  for (const char* m : {"whol", "e"}) {
    Entry e = next();
    EXPECT_EQ(one(e, "MESSAGE"), m);
    EXPECT_EQ(e.count("MESOS_JOURNALD_NO_NEWLINE"), 0u);
  }
  framer.finish(w);
  // A last line that fits stays one entry without CONTAINER_PARTIAL_*: only the mark.
  Entry e = next();
  EXPECT_EQ(one(e, "MESSAGE"), "last");
  EXPECT_EQ(one(e, "MESOS_JOURNALD_NO_NEWLINE"), "true");
  EXPECT_EQ(e.count("CONTAINER_PARTIAL_ID"), 0u);
  EXPECT_EQ(e.size(), 5u);  // MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, STREAM, the mark

  // Split and ended by end of stream: the mark is on the last piece only.
  JournalStreamWriter w2(t, delivery_, ids_);
  LineFramer framer2(4);
  framer2.feed("abcdef", w2);
  Entry first = next();
  EXPECT_EQ(one(first, "MESSAGE"), "abcd");
  EXPECT_EQ(first.count("MESOS_JOURNALD_NO_NEWLINE"), 0u);
  framer2.finish(w2);
  Entry last = next();
  EXPECT_EQ(one(last, "MESSAGE"), "ef");
  EXPECT_EQ(one(last, "CONTAINER_PARTIAL_LAST"), "true");
  EXPECT_EQ(one(last, "MESOS_JOURNALD_NO_NEWLINE"), "true");
}

TEST_F(StreamWriterTest, WithoutLevelPrefixTheLineIsKeptAsIs) {
  EntryTemplate t;
  t.identifier = "x";
  JournalStreamWriter w(t, delivery_, ids_);
  LineFramer framer(100);
  framer.feed("<2>x\n", w);
  Entry e = next();
  EXPECT_EQ(one(e, "MESSAGE"), "<2>x");
  EXPECT_EQ(one(e, "PRIORITY"), "6");
}

}  // namespace
}  // namespace mj
