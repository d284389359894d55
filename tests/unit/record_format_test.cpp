#include "reader/record_format.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <nlohmann/json.hpp>

#include "reader/time_spec.h"

namespace mj {
namespace {

// 2026-11-30T12:00:00.5Z
constexpr std::uint64_t kNoonHalf = 1796040000ull * 1000000 + 500000;

RejoinedLine line(std::string msg) {
  RejoinedLine l;
  l.time_usec = kNoonHalf;
  l.stream = ReaderStream::kStdout;
  l.pieces.push_back({kNoonHalf, msg.size()});
  l.message = std::move(msg);
  l.ids.task_id = "t1";
  l.ids.container_id = "c1";
  return l;
}

class RecordFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

TEST_F(RecordFormat, RawIsTheBytesAndTheNewlineUnlessThereWasNone) {
  std::string out;
  format_raw(line(std::string("a\0\xff\r", 4)), out);
  EXPECT_EQ(out, std::string("a\0\xff\r\n", 5));
  RejoinedLine l = line("tail");
  l.no_newline = true;
  out.clear();
  format_raw(l, out);
  EXPECT_EQ(out, "tail");
  l = line("still being written");
  l.unfinished = true;
  out.clear();
  format_raw(l, out);
  EXPECT_EQ(out, "still being written");
}

TEST_F(RecordFormat, ShortEscapesWhatIsNotPrintable) {
  std::string out;
  static const char kLine[] = "tab\there\\ \x01\0 \xc3\xa9 \xff\r";
  format_short(line(std::string(kLine, sizeof kLine - 1)), out);
  EXPECT_EQ(out, "2026-11-30T12:00:00.500000+0000 stdout tab\\there\\\\ \\x01\\x00 \xc3\xa9 \\xff\\r\n");
}

TEST_F(RecordFormat, JsonHasIdsAndMessageOrBase64) {
  std::string out;
  RejoinedLine l = line("héllo");
  l.no_newline = true;
  format_json(l, out);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["time_usec"], kNoonHalf);
  EXPECT_EQ(j["stream"], "stdout");
  EXPECT_EQ(j["task_id"], "t1");
  EXPECT_EQ(j["container_id"], "c1");
  EXPECT_FALSE(j.contains("framework_id"));
  EXPECT_EQ(j["message"], "héllo");
  EXPECT_EQ(j["no_newline"], true);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);

  out.clear();
  format_json(line(std::string("\xff\0a", 3)), out);
  j = nlohmann::json::parse(out);
  EXPECT_FALSE(j.contains("message"));
  EXPECT_EQ(j["message_base64"], "/wBh");
}

TEST_F(RecordFormat, CriIsOneRecordPerPieceEndingWithF) {
  RejoinedLine l = line("abcdef");
  l.pieces = {{kNoonHalf, 4}, {kNoonHalf + 1, 2}};
  std::string out;
  format_cri(l, out);
  EXPECT_EQ(out,
            "2026-11-30T12:00:00.5Z stdout P abcd\n"
            "2026-11-30T12:00:00.500001Z stdout F ef\n");
  l.unfinished = true;
  out.clear();
  format_cri(l, out);
  EXPECT_EQ(out.find(" F "), std::string::npos);
}

TEST_F(RecordFormat, GapsAreRecordsOfTheirOwn) {
  JournalRecord g;
  g.time_usec = kNoonHalf;
  g.stream = ReaderStream::kStderr;
  g.message = "mesos-journald-pipe dropped 3 entries";
  g.gap = GapInfo{3, 30, kNoonHalf - 2000000, kNoonHalf - 1000000};
  std::string out;
  format_json_gap(g, out);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["gap"], true);
  EXPECT_EQ(j["dropped_entries"], 3);
  EXPECT_EQ(j["dropped_bytes"], 30);
  EXPECT_EQ(j["stream"], "stderr");
  out.clear();
  format_short_gap(g, out);
  EXPECT_EQ(out,
            "2026-11-30T12:00:00.500000+0000 gap the companion dropped 3 entries (30 bytes) of stderr between "
            "2026-11-30T11:59:58.500000+0000 and 2026-11-30T11:59:59.500000+0000 (--overflow drop: journald "
            "did not keep up)\n");
}

TEST(Utf8, ValidationFollowsRfc3629) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));    // U+1F600
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));           // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));       // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));           // cut short
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(TimeSpec, TheFormsOfSinceAndUntil) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  const std::uint64_t now = kNoonHalf;
  EXPECT_EQ(*parse_time_spec("-10m", now), now - 600000000ull);
  EXPECT_EQ(*parse_time_spec("-2h", now), now - 7200000000ull);
  EXPECT_EQ(*parse_time_spec("-30s", now), now - 30000000ull);
  EXPECT_EQ(*parse_time_spec("@1796040000", now), 1796040000000000ull);
  EXPECT_EQ(*parse_time_spec("@1.25", now), 1250000ull);
  EXPECT_EQ(*parse_time_spec("2026-11-30 12:00:00", now), 1796040000000000ull);
  EXPECT_EQ(*parse_time_spec("2026-11-30", now), 1796040000000000ull - 12 * 3600000000ull);
  for (const char* bad : {"", "-10", "-10x", "@", "@x", "2026-13-01", "2026-11-30 12:00", "yesterday"})
    EXPECT_FALSE(parse_time_spec(bad, now)) << bad;
}

TEST(TimeSpec, Rfc3339NanoDropsTrailingZeros) {
  EXPECT_EQ(format_rfc3339nano(1796040000000000ull), "2026-11-30T12:00:00Z");
  EXPECT_EQ(format_rfc3339nano(1796040000120000ull), "2026-11-30T12:00:00.12Z");
}

}  // namespace
}  // namespace mj
