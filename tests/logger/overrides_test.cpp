#include "logger/overrides.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

LoggerConfig config_with(std::map<std::string, std::string> params) {
  auto c = parse_logger_config(params);
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

std::string error_of(const LoggerConfig& c, const KeyValues& env) {
  auto r = apply_overrides(c, env);
  return r ? "<no error>" : r.error().message;
}

TEST(Overrides, NoPrefixedVariablesKeepsTheOperatorsConfig) {
  LoggerConfig c = config_with({});
  auto r = apply_overrides(c, {{"PATH", "/bin"}, {"CONTAINER_LOGGER", "x"}, {"container_logger_max_files", "1"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->max_files, 5u);
}

TEST(Overrides, SizesAndFilesMayShrink) {
  LoggerConfig c = config_with({});
  auto r = apply_overrides(c, {{"CONTAINER_LOGGER_MAX_STDOUT_SIZE", "1M"},
                               {"CONTAINER_LOGGER_MAX_STDERR_SIZE", "10MB"},
                               {"CONTAINER_LOGGER_MAX_FILES", "2"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->max_stdout_size, 1u << 20);
  EXPECT_EQ(r->max_stderr_size, 10u << 20);  // equal to the limit is fine
  EXPECT_EQ(r->max_files, 2u);
}

TEST(Overrides, SizesAndFilesMayNotGrow) {
  LoggerConfig c = config_with({});
  std::string e = error_of(c, {{"CONTAINER_LOGGER_MAX_STDOUT_SIZE", "20M"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_MAX_STDOUT_SIZE: '20M' exceeds the operator's limit of 10485760 bytes", 0), 0u)
      << e;
  e = error_of(c, {{"CONTAINER_LOGGER_MAX_FILES", "6"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_MAX_FILES: '6' exceeds the operator's limit of 5 files", 0), 0u) << e;
  LoggerConfig lines = config_with({{"overridable", "max_line_bytes"}});
  e = error_of(lines, {{"CONTAINER_LOGGER_MAX_LINE_BYTES", "1M"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_MAX_LINE_BYTES: '1M' exceeds", 0), 0u) << e;
  EXPECT_EQ(apply_overrides(lines, {{"CONTAINER_LOGGER_MAX_LINE_BYTES", "1K"}})->max_line_bytes, 1024u);
}

TEST(Overrides, TheLimitIsTheOperatorsValueWhateverTheOrder) {
  LoggerConfig c = config_with({});
  // The last occurrence wins, and is checked against the operator's 10M, not the 1M.
  auto r = apply_overrides(c, {{"CONTAINER_LOGGER_MAX_STDOUT_SIZE", "1M"}, {"CONTAINER_LOGGER_MAX_STDOUT_SIZE", "5M"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->max_stdout_size, 5u << 20);
}

TEST(Overrides, BadValueNamesTheVariable) {
  LoggerConfig c = config_with({});
  std::string e = error_of(c, {{"CONTAINER_LOGGER_MAX_STDOUT_SIZE", "lots"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_MAX_STDOUT_SIZE: invalid size 'lots'", 0), 0u) << e;
  e = error_of(c, {{"CONTAINER_LOGGER_MAX_FILES", "two"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_MAX_FILES: expected a number", 0), 0u) << e;
}

TEST(Overrides, UnknownVariableFailsAsUpstreamDoes) {
  LoggerConfig c = config_with({});
  std::string e = error_of(c, {{"CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS", "postrotate"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS: unknown container logger setting", 0), 0u) << e;
}

TEST(Overrides, KnownButForbiddenVariableFails) {
  LoggerConfig c = config_with({});
  for (const char* var : {"CONTAINER_LOGGER_NAMESPACE", "CONTAINER_LOGGER_COMPANION_PATH",
                          "CONTAINER_LOGGER_EXTRA_FIELDS", "CONTAINER_LOGGER_LABELS",
                          "CONTAINER_LOGGER_DESTINATION", "CONTAINER_LOGGER_OVERRIDABLE"}) {
    std::string e = error_of(c, {{var, "x"}});
    EXPECT_EQ(e.rfind(std::string(var) + ": the operator does not allow tasks to override", 0), 0u) << e;
  }
}

TEST(Overrides, OperatorCanAllowMore) {
  LoggerConfig c = config_with({{"overridable", "destination,identifier,labels"}, {"labels", "team,tier"}});
  auto r = apply_overrides(c, {{"CONTAINER_LOGGER_DESTINATION", "sandbox"},
                               {"CONTAINER_LOGGER_IDENTIFIER", "web-{task_id}"},
                               {"CONTAINER_LOGGER_LABELS", "team"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->destination, Destination::kSandbox);
  EXPECT_EQ(r->identifier_template.text(), "web-{task_id}");
  EXPECT_EQ(r->labels.keys(), std::set<std::string>{"team"});
  // Labels may be narrowed only.
  std::string e = error_of(c, {{"CONTAINER_LOGGER_LABELS", "all"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_LABELS: 'all' would let through labels", 0), 0u) << e;
  e = error_of(c, {{"CONTAINER_LOGGER_LABELS", "team,secret"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_LABELS:", 0), 0u) << e;
  EXPECT_TRUE(apply_overrides(c, {{"CONTAINER_LOGGER_LABELS", "none"}}));
  e = error_of(c, {{"CONTAINER_LOGGER_IDENTIFIER", "{namespace}"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_IDENTIFIER: unknown placeholder", 0), 0u) << e;
  e = error_of(c, {{"CONTAINER_LOGGER_DESTINATION", "both"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_DESTINATION: expected", 0), 0u) << e;
}

TEST(Overrides, CustomPrefix) {
  LoggerConfig c = config_with({{"environment_variable_prefix", "LOGS_"}});
  auto r = apply_overrides(c, {{"LOGS_MAX_FILES", "1"}, {"CONTAINER_LOGGER_MAX_FILES", "9"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->max_files, 1u);
}

TEST(Overrides, NothingOverridable) {
  LoggerConfig c = config_with({{"overridable", "none"}});
  std::string e = error_of(c, {{"CONTAINER_LOGGER_MAX_FILES", "1"}});
  EXPECT_EQ(e.rfind("CONTAINER_LOGGER_MAX_FILES: the operator does not allow", 0), 0u) << e;
}

}  // namespace
}  // namespace mj

namespace mj {
namespace {

TEST(Overrides, OverflowAndBufferSizeWhenAllowed) {
  LoggerConfig c = config_with({{"overridable", "overflow,buffer_size"}, {"buffer_size", "4M"}});
  auto r = apply_overrides(c, {{"CONTAINER_LOGGER_OVERFLOW", "drop"}, {"CONTAINER_LOGGER_BUFFER_SIZE", "1M"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->overflow, Overflow::kDrop);
  EXPECT_EQ(r->buffer_size, 1u << 20);
  EXPECT_EQ(error_of(c, {{"CONTAINER_LOGGER_BUFFER_SIZE", "8M"}}).rfind("CONTAINER_LOGGER_BUFFER_SIZE: '8M' exceeds", 0), 0u);
  EXPECT_EQ(error_of(c, {{"CONTAINER_LOGGER_OVERFLOW", "maybe"}}).rfind("CONTAINER_LOGGER_OVERFLOW: expected block or drop", 0), 0u);
  EXPECT_NE(error_of(config_with({}), {{"CONTAINER_LOGGER_OVERFLOW", "drop"}}).find("does not allow"), std::string::npos);
  EXPECT_NE(error_of(config_with({}), {{"CONTAINER_LOGGER_COMPANION_USER", "agent"}}).find("does not allow"),
            std::string::npos);
}

}  // namespace
}  // namespace mj
