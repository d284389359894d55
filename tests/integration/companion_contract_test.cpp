// The journal entry contract of mesos-journald-pipe, checked against a real journald.
#include <filesystem>
#include <map>
#include <random>

#include "companion_fixture.h"

namespace mj::test {
namespace {

std::vector<std::string> messages(const std::vector<JournalEntry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(field(e, "MESSAGE"));
  return out;
}

// Joins split lines back using Docker's CONTAINER_PARTIAL_* convention.
std::vector<std::string> rejoin(const std::vector<JournalEntry>& es) {
  std::vector<std::string> lines;
  std::string open_id;
  int expected_ordinal = 1;
  for (const auto& e : es) {
    auto id = e.find("CONTAINER_PARTIAL_ID");
    if (id == e.end()) {
      EXPECT_TRUE(open_id.empty()) << "a split line was not finished";
      lines.push_back(field(e, "MESSAGE"));
      continue;
    }
    if (open_id.empty()) {
      open_id = id->second[0];
      expected_ordinal = 1;
      lines.emplace_back();
    }
    EXPECT_EQ(id->second[0], open_id);
    EXPECT_EQ(field(e, "CONTAINER_PARTIAL_ORDINAL"), std::to_string(expected_ordinal++));
    lines.back() += field(e, "MESSAGE");
    bool last = field(e, "CONTAINER_PARTIAL_LAST") == "true";
    EXPECT_EQ(e.count("CONTAINER_PARTIAL_MESSAGE"), last ? 0u : 1u);
    if (last) open_id.clear();
  }
  EXPECT_TRUE(open_id.empty());
  return lines;
}

TEST_F(CompanionTest, EveryLineIsOneEntryWithEveryFieldAndEveryByte) {
  std::string input = "plain\n\n  spaces kept  \n" + std::string("nul\0inside\n", 11) +
                      "invalid utf8 \xff\xfe\xc3\nMESSAGE=not a field\nPRIORITY=0\nlast line without newline";
  RunResult r = run(pipe_args({"-t", "contract", "--field", "MULTI=a\nb", "--sandbox", sandbox_.path()}), input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto es = entries(8);
  std::vector<std::string> expected = {"plain",
                                       "",
                                       "  spaces kept  ",
                                       std::string("nul\0inside", 10),
                                       "invalid utf8 \xff\xfe\xc3",
                                       "MESSAGE=not a field",
                                       "PRIORITY=0",
                                       "last line without newline"};
  ASSERT_EQ(messages(es), expected);
  for (const auto& e : es) {
    EXPECT_EQ(field(e, "PRIORITY"), "6");
    EXPECT_EQ(field(e, "SYSLOG_IDENTIFIER"), "contract");
    EXPECT_EQ(field(e, "STREAM"), "STDOUT");
    EXPECT_EQ(field(e, "MULTI"), "a\nb");
    EXPECT_EQ(e.at("MESSAGE").size(), 1u);
    EXPECT_EQ(e.at("PRIORITY").size(), 1u);
    EXPECT_EQ(e.count("CONTAINER_PARTIAL_ID"), 0u);
  }
  EXPECT_EQ(read_file(sandbox_.file("stdout")), input);
}

TEST_F(CompanionTest, LinesAcrossReadBoundariesArriveWhole) {
  std::string input;
  std::vector<std::string> lines;
  for (std::size_t len : {4095u, 4096u, 4097u, 1u, 65535u, 65536u, 65537u, 0u, 131072u, 12345u}) {
    std::string line;
    for (std::size_t i = 0; i < len; ++i) line.push_back(static_cast<char>('a' + (i * 7 + len) % 26));
    lines.push_back(line);
    input += line + "\n";
  }
  RunResult r = run(pipe_args({"--max-line-bytes", "1M"}), input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(messages(entries(lines.size())), lines);
}

TEST_F(CompanionTest, OneMebibyteLineIsSplitIntoPartsThatRejoinExactly) {
  std::mt19937 rng(7);
  std::string big;
  for (int i = 0; i < (1 << 20); ++i) {
    char c = static_cast<char>(rng() % 255 + 1);  // any byte but NUL and '\n'
    big.push_back(c == '\n' ? 'N' : c);
  }
  RunResult r = run(pipe_args({}), big + "\nafter\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t pieces = (big.size() + 48 * 1024 - 1) / (48 * 1024);
  auto es = entries(pieces + 1);
  ASSERT_EQ(es.size(), pieces + 1);
  for (std::size_t i = 0; i + 1 < pieces; ++i) EXPECT_EQ(field(es[i], "MESSAGE").size(), 48u * 1024);
  auto lines = rejoin(es);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0] == big) << "rejoined line differs";
  EXPECT_EQ(lines[1], "after");
}

TEST_F(CompanionTest, OneMebibyteLineAsOneEntryWhenAllowed) {
  std::string big(1 << 20, 'q');
  RunResult r = run(pipe_args({"--max-line-bytes", "2M"}), big + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto es = entries(1);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_TRUE(field(es[0], "MESSAGE") == big);
}

TEST_F(CompanionTest, HundredThousandLinesNoneMissingNoneReordered) {
  const int n = 100000;
  std::string input;
  for (int i = 0; i < n; ++i) input += "line " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(i % 50), 'x') + "\n";
  RunResult r = run(pipe_args({"--sandbox", sandbox_.path()}), input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto es = entries(n);
  ASSERT_EQ(es.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::string want = "line " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(i % 50), 'x');
    if (field(es[static_cast<std::size_t>(i)], "MESSAGE") != want) {
      FAIL() << "entry " << i << " is '" << field(es[static_cast<std::size_t>(i)], "MESSAGE") << "'";
    }
  }
  EXPECT_TRUE(read_file(sandbox_.file("stdout")) == input);
}

TEST_F(CompanionTest, RotationKeepsLimitsAndWholeLines) {
  std::string input;
  for (int i = 0; i < 20000; ++i) input += "rotated line " + std::to_string(i) + "\n";
  const std::size_t max = 16 * 1024;
  RunResult r = run(pipe_args({"--sandbox", sandbox_.path(), "--max-file-size", "16K", "--max-files", "3"}), input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string kept;
  for (const char* name : {"stdout.3", "stdout.2", "stdout.1", "stdout"}) {
    std::string content = read_file(sandbox_.file(name));
    EXPECT_LE(content.size(), max) << name;
    if (std::string(name) != "stdout") {
      EXPECT_GT(content.size(), max - 64) << name << " rotated too early";
    }
    EXPECT_EQ(content.back(), '\n') << name << " ends mid-line";
    kept += content;
  }
  EXPECT_FALSE(std::filesystem::exists(sandbox_.file("stdout.4")));
  EXPECT_EQ(kept, input.substr(input.size() - kept.size()));
  EXPECT_EQ(input[input.size() - kept.size() - 1], '\n');
  // The journal still has every line.
  EXPECT_EQ(entries(20000).size(), 20000u);
}

TEST_F(CompanionTest, PrioritiesAndLevelPrefix) {
  RunResult r = run(pipe_args({"--level-prefix", "--stream", "stderr", "--stderr-priority", "warning"}),
                    "<2>critical\nplain\n<7>debug\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto es = entries(3);
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(field(es[0], "MESSAGE"), "critical");
  EXPECT_EQ(field(es[0], "PRIORITY"), "2");
  EXPECT_EQ(field(es[1], "PRIORITY"), "4");
  EXPECT_EQ(field(es[2], "PRIORITY"), "7");
  for (const auto& e : es) EXPECT_EQ(field(e, "STREAM"), "STDERR");
}

TEST_F(CompanionTest, FieldsFileCarriesManyFields) {
  std::string json = "{";
  for (int i = 0; i < 900; ++i) json += (i ? "," : "") + std::string("\"F") + std::to_string(i) + "\": \"v" + std::to_string(i) + "\"";
  json += ", \"NL\": \"x\\ny\"}";
  write_file(sandbox_.file("fields.json"), json);
  RunResult r = run(pipe_args({"--fields-file", sandbox_.file("fields.json")}), "m\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto es = entries(1);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(field(es[0], "F0"), "v0");
  EXPECT_EQ(field(es[0], "F899"), "v899");
  EXPECT_EQ(field(es[0], "NL"), "x\ny");
}

}  // namespace
}  // namespace mj::test
