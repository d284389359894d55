#include "reader/reader_options.h"

#include <gtest/gtest.h>

#include <regex>

#include <vector>

namespace mj {
namespace {

ParsedReaderCommandLine parse(std::vector<const char*> args) {
  args.insert(args.begin(), "mesos-journald-logs");
  return parse_reader_command_line(static_cast<int>(args.size()), args.data(), 1000000000ull * 1000000);
}

TEST(ReaderOptions, ABareArgumentIsATaskId) {
  auto p = parse({"task-1"});
  ASSERT_TRUE(p.options) << p.output;
  ASSERT_EQ(p.options->matches.size(), 1u);
  EXPECT_EQ(p.options->matches[0].first, "TASK_ID");
  EXPECT_EQ(p.options->matches[0].second, "task-1");
  EXPECT_EQ(p.options->format, OutputFormat::kRaw);
  EXPECT_EQ(p.options->stream, StreamFilter::kBoth);
}

TEST(ReaderOptions, SelectorsBecomeMatches) {
  auto p = parse({"--framework", "f", "--executor", "e", "--agent", "a", "-t", "web", "--match", "TEAM=x=y",
                  "--match", "_SYSTEMD_UNIT=u", "--container", "c", "--stream", "stderr", "-o", "json"});
  ASSERT_TRUE(p.options) << p.output;
  const auto& m = p.options->matches;
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[0], (std::pair<std::string, std::string>("FRAMEWORK_ID", "f")));
  EXPECT_EQ(m[3], (std::pair<std::string, std::string>("SYSLOG_IDENTIFIER", "web")));
  EXPECT_EQ(m[4], (std::pair<std::string, std::string>("TEAM", "x=y")));
  EXPECT_EQ(m[5].first, "_SYSTEMD_UNIT");
  EXPECT_EQ(*p.options->container, "c");
  EXPECT_EQ(p.options->stream, StreamFilter::kStderr);
  EXPECT_EQ(p.options->format, OutputFormat::kJson);
}

TEST(ReaderOptions, UsageErrorsExitWithTwo) {
  for (auto args : std::vector<std::vector<const char*>>{
           {},                                  // no selector
           {"--stream", "stdout"},              // still none
           {"--match", "NOEQUALS", "x"},
           {"--match", "lower=x"},
           {"t", "-o", "xml"},
           {"t", "--since", "tomorrow"},
           {"t", "--since", "@20", "--until", "@10"},
           {"t", "-f", "--until", "@10"},
           {"t", "--namespace", "a", "-D", "/tmp"},
           {"--task", "a", "b"},
       }) {
    auto p = parse(args);
    EXPECT_FALSE(p.options);
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_NE(p.output.find("mesos-journald-logs: "), std::string::npos) << p.output;
  }
}

TEST(ReaderOptions, SourcesAndRanges) {
  auto p = parse({"t", "--namespace", "*", "-n", "10", "--since", "-10s", "-f"});
  ASSERT_TRUE(p.options) << p.output;
  EXPECT_EQ(*p.options->journal_namespace, "*");
  EXPECT_EQ(*p.options->lines, 10u);
  EXPECT_EQ(*p.options->since_usec, 1000000000ull * 1000000 - 10000000);
  EXPECT_TRUE(p.options->follow);
  p = parse({"t", "--file", "a.journal", "--file", "b.journal"});
  ASSERT_TRUE(p.options) << p.output;
  EXPECT_EQ(p.options->files.size(), 2u);
}

TEST(ReaderOptions, HelpAndVersion) {
  auto p = parse({"--help"});
  EXPECT_FALSE(p.options);
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.output.find("--follow"), std::string::npos);
  p = parse({"--version"});
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_TRUE(std::regex_match(p.output, std::regex("mesos-journald-logs [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit ([0-9a-f]{12}(-dirty)?|unknown)\\)\n"))) << p.output;
}

}  // namespace
}  // namespace mj
