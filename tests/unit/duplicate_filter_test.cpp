#include "reader/duplicate_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace mj {
namespace {

// An entry of task t1 as a collector returns it, sent by the companion over the native
// protocol.
JournalRecord entry(std::string message, std::uint64_t monotonic = 1000) {
  JournalRecord r;
  r.time_usec = 1700000000000000;
  r.boot_id = "0123456789abcdef0123456789abcdef";
  r.monotonic_usec = monotonic;
  r.pid = "42";
  r.native_protocol = true;
  r.stream = ReaderStream::kStdout;
  r.message = std::move(message);
  r.ids.task_id = "t1";
  r.ids.container_id = "c1";
  return r;
}

TEST(DuplicateFilter, TheSecondCopyOfAnEntryIsSeenBefore) {
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(entry("a", 1)));
  EXPECT_FALSE(f.seen_before(entry("b", 2)));
  EXPECT_TRUE(f.seen_before(entry("b", 2)));  // the resent last entry
  EXPECT_TRUE(f.seen_before(entry("a", 1)));  // and one resent further back
  EXPECT_FALSE(f.seen_before(entry("c", 3)));
}

TEST(DuplicateFilter, ACopyIsSeenAsOftenAsItComes) {
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(entry("a")));
  EXPECT_TRUE(f.seen_before(entry("a")));
  EXPECT_TRUE(f.seen_before(entry("a")));
}

// Each field the key is made of tells two entries apart on its own.
TEST(DuplicateFilter, EntriesDifferingInAnySourceFieldAreDifferent) {
  const JournalRecord base = entry("same line");
  std::vector<JournalRecord> variants(13, base);
  variants[0].boot_id = "fedcba9876543210fedcba9876543210";
  variants[1].monotonic_usec += 1;
  variants[2].pid = "43";
  variants[3].message += " ";
  variants[4].stream = ReaderStream::kStderr;
  variants[5].ids.task_id = "t2";
  variants[6].ids.container_id = "c2";
  variants[7].ids.agent_id = "a1";
  variants[8].partial_id = "00112233445566778899aabbccddeeff";
  variants[9].ordinal = 2;
  variants[10].partial_last = true;
  variants[11].no_newline = true;
  variants[12].gap = GapInfo{1, 2, 3, 4};
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(base));
  for (std::size_t i = 0; i < variants.size(); ++i) EXPECT_FALSE(f.seen_before(variants[i])) << "variant " << i;
}

// A task that writes the same line twice writes two entries (journald stamps them at
// different monotonic times): both are printed.
TEST(DuplicateFilter, TheSameLineWrittenTwiceIsTwoEntries) {
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(entry("ok", 1000)));
  EXPECT_FALSE(f.seen_before(entry("ok", 1001)));
}

// Field boundaries count: moving bytes from one field to the next is another entry.
TEST(DuplicateFilter, ValuesAreNotConcatenated) {
  JournalRecord a = entry("ab"), b = entry("ab");
  a.ids.task_id = "t1";
  b.message = "a";
  b.ids.task_id = "bt1";
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(a));
  EXPECT_FALSE(f.seen_before(b));
}

// Only the last `window` entries are remembered: memory stays bounded.
TEST(DuplicateFilter, ACopyOlderThanTheWindowIsNotRecognised) {
  DuplicateFilter f(3);
  EXPECT_FALSE(f.seen_before(entry("a", 1)));
  EXPECT_FALSE(f.seen_before(entry("b", 2)));
  EXPECT_FALSE(f.seen_before(entry("c", 3)));
  EXPECT_TRUE(f.seen_before(entry("a", 1)));   // 3 back: still known
  EXPECT_FALSE(f.seen_before(entry("d", 4)));  // "a" is forgotten now
  EXPECT_FALSE(f.seen_before(entry("a", 1)));
}

// The same from journald's stream protocol (--transport stream, a service's stdout):
// every line of one read of the connection has the read's time, and the stream carries
// no STREAM field. 300 equal lines and 300 copies of one look the same; they are 300
// lines (issue 23: the reader printed one of them).
JournalRecord stream_entry(std::string message, std::uint64_t monotonic = 1000) {
  JournalRecord r = entry(std::move(message), monotonic);
  r.native_protocol = false;
  r.stream = ReaderStream::kUnknown;
  return r;
}

TEST(DuplicateFilter, StreamProtocolEntriesAreNeverMerged) {
  DuplicateFilter f;
  for (int i = 0; i < 300; ++i) EXPECT_FALSE(f.seen_before(stream_entry("same"))) << "line " << i;
  for (int i = 0; i < 300; ++i) EXPECT_FALSE(f.seen_before(stream_entry(""))) << "empty line " << i;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(f.seen_before(stream_entry("x"))) << "x " << i;
}

// Either mark of the native protocol alone is not enough: a native entry without STREAM
// is not the companion's (nothing says its sender kept equal entries apart), and a
// STREAM field on an entry of another transport does not make its lines distinguishable.
TEST(DuplicateFilter, OnlyTheCompanionsNativeEntriesAreMerged) {
  JournalRecord no_stream = entry("a");
  no_stream.stream = ReaderStream::kUnknown;
  JournalRecord stream_with_field = entry("a");
  stream_with_field.native_protocol = false;
  DuplicateFilter f;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(f.seen_before(no_stream));
    EXPECT_FALSE(f.seen_before(stream_with_field));
  }
  EXPECT_FALSE(f.seen_before(entry("a")));
  EXPECT_TRUE(f.seen_before(entry("a")));
}

// The stream entries do not take room in the window: a copy of a native entry is still
// found after more stream lines than the window holds.
TEST(DuplicateFilter, StreamEntriesDoNotPushNativeOnesOutOfTheWindow) {
  DuplicateFilter f(2);
  EXPECT_FALSE(f.seen_before(entry("a", 1)));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(f.seen_before(stream_entry("s", 2)));
  EXPECT_TRUE(f.seen_before(entry("a", 1)));
}

// Records that did not come from a journal (no boot id, no monotonic time) cannot be
// told apart from each other, so none is dropped.
TEST(DuplicateFilter, RecordsWithoutSourceTimesAreNeverDuplicates) {
  JournalRecord r;
  r.message = "x";
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(r));
  EXPECT_FALSE(f.seen_before(r));
}

// The companion's marked resend (MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC): a journald
// killed while storing an entry left it partly indexed, and the companion sent it again
// naming the original's monotonic time. The copy has its own, later time.
JournalRecord marked_copy(std::string message, std::uint64_t original, std::uint64_t own) {
  JournalRecord r = entry(std::move(message), own);
  r.resend_of_monotonic_usec = original;
  return r;
}

// A reader whose match found the partly indexed original prints it and drops the copy.
TEST(DuplicateFilter, AMarkedCopyOfAnEntrySeenIsSeenBefore) {
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(entry("n4", 1000)));  // the original, its datagram's time
  EXPECT_FALSE(f.seen_before(entry("n5", 5000)));  // lost with the socket queue, resent unmarked
  EXPECT_TRUE(f.seen_before(marked_copy("n4", 1000, 4000)));
  EXPECT_FALSE(f.seen_before(entry("n6", 6000)));
}

// A reader whose match did not find it (its field was not indexed yet) prints the copy,
// and a second copy (sent again after a second death) names the same original.
TEST(DuplicateFilter, AMarkedCopyOfAnEntryNotSeenIsPrintedOnce) {
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(entry("n3", 1000)));
  EXPECT_FALSE(f.seen_before(marked_copy("n4", 1000, 4000)));
  EXPECT_TRUE(f.seen_before(marked_copy("n4", 1000, 9000)));
}

// The mark names a time, not an entry: the original's datagram held other lines with
// that time, and a copy equals only the one with its own fields.
TEST(DuplicateFilter, AMarkedCopyEqualsOnlyTheEntryWithItsFields) {
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(entry("n3", 1000)));
  EXPECT_FALSE(f.seen_before(entry("n4", 1000)));
  EXPECT_FALSE(f.seen_before(marked_copy("n5", 1000, 4000)));
  JournalRecord other_pid = marked_copy("n4", 1000, 4000);
  other_pid.pid = "43";
  EXPECT_FALSE(f.seen_before(other_pid));
  JournalRecord other_time = marked_copy("n4", 999, 4000);
  EXPECT_FALSE(f.seen_before(other_time));
  // Nor is an unmarked entry at the copy's own time the original's equal.
  EXPECT_FALSE(f.seen_before(entry("n4", 4000)));
}

}  // namespace
}  // namespace mj
