#include "reader/duplicate_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace mj {
namespace {

// An entry of task t1 as a collector returns it.
JournalRecord entry(std::string message, std::uint64_t monotonic = 1000) {
  JournalRecord r;
  r.time_usec = 1700000000000000;
  r.boot_id = "0123456789abcdef0123456789abcdef";
  r.monotonic_usec = monotonic;
  r.pid = "42";
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

// Records that did not come from a journal (no boot id, no monotonic time) cannot be
// told apart from each other, so none is dropped.
TEST(DuplicateFilter, RecordsWithoutSourceTimesAreNeverDuplicates) {
  JournalRecord r;
  r.message = "x";
  DuplicateFilter f;
  EXPECT_FALSE(f.seen_before(r));
  EXPECT_FALSE(f.seen_before(r));
}

}  // namespace
}  // namespace mj
