#include "logger/field_derivation.h"

#include <gtest/gtest.h>

#include "core/entry/field_name.h"
#include "logger/metadata_limits.h"

namespace mj {
namespace {

LoggerConfig config_with(std::map<std::string, std::string> params = {}) {
  auto c = parse_logger_config(params);
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

ContainerMetadata command_task() {
  ContainerMetadata m;
  m.container_id_chain = {"parent", "child"};
  m.framework_id = "fw";
  m.executor_id = "ex";
  m.agent_id = "agent";
  m.task_id = "task.1";
  m.task_name = "web";
  m.sandbox_dir = "/sandbox";
  return m;
}

std::vector<std::pair<std::string, std::string>> pairs(const std::vector<Field>& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Field& f : fields) out.emplace_back(f.name, f.value);
  return out;
}

std::string value_of(const DerivedFields& d, const std::string& name) {
  for (const Field& f : d.fields)
    if (f.name == name) return f.value;
  return "<missing>";
}

bool mentions(const DerivedFields& d, const std::string& text) {
  for (const std::string& w : d.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

TEST(FieldDerivation, IdsInOrderThenExtraFieldsThenLabels) {
  ContainerMetadata m = command_task();
  m.task_labels = {{"team", "payments"}};
  m.executor_labels = {{"tier", "frontend"}};
  DerivedFields d = derive_fields(m, config_with({{"extra_fields", R"({"CLUSTER":"eu-1"})"}}));
  EXPECT_EQ(pairs(d.fields), (std::vector<std::pair<std::string, std::string>>{
                                 {"FRAMEWORK_ID", "fw"},
                                 {"EXECUTOR_ID", "ex"},
                                 {"AGENT_ID", "agent"},
                                 {"CONTAINER_ID", "parent.child"},
                                 {"TASK_ID", "task.1"},
                                 {"TASK_NAME", "web"},
                                 {"CLUSTER", "eu-1"},
                                 {"TEAM", "payments"},
                                 {"TIER", "frontend"},
                             }));
  EXPECT_TRUE(d.warnings.empty());
}

TEST(FieldDerivation, MissingIdsAreLeftOut) {
  ContainerMetadata m;
  m.container_id_chain = {"standalone"};
  DerivedFields d = derive_fields(m, config_with());
  EXPECT_EQ(pairs(d.fields), (std::vector<std::pair<std::string, std::string>>{{"CONTAINER_ID", "standalone"}}));
}

TEST(FieldDerivation, SameLabelOnTaskAndExecutorIsWrittenOnce) {
  ContainerMetadata m = command_task();
  m.task_labels = {{"team", "payments"}, {"MESSAGE", "x"}};
  m.executor_labels = m.task_labels;
  DerivedFields d = derive_fields(m, config_with());
  EXPECT_EQ(d.fields.size(), 8u);
  EXPECT_EQ(value_of(d, "LABEL_MESSAGE"), "x");
  EXPECT_EQ(d.warnings.size(), 1u) << "only the rename is reported, not the duplicate";
}

TEST(FieldDerivation, HostileLabelsNeverBreakOrSpoofAnything) {
  ContainerMetadata m = command_task();
  std::string long_key(200, 'k');
  m.task_labels = {
      {"MESSAGE", "spoofed message"},
      {"priority", "0"},
      {"SYSLOG_IDENTIFIER", "sshd"},
      {"STREAM", "STDERR"},
      {"CONTAINER_PARTIAL_LAST", "true"},
      {"FRAMEWORK_ID", "someone-else"},
      {"container_id", "other"},
      {"_PID", "1"},
      {"1abc", "digits"},
      {"a-b", "dash"},
      {"a.b", "dot"},
      {"---", "nothing left"},
      {"", "empty key"},
      {long_key, "long"},
      {"multi", "line one\nline two\n"},
      {"OBJECT_PID", "1"},
      {"SYSLOG_PID", "1"},
      {"\xc3\xa9t\xc3\xa9", "utf8 key"},
  };
  DerivedFields d = derive_fields(m, config_with());

  // The ids keep their values, and no name appears twice.
  EXPECT_EQ(value_of(d, "FRAMEWORK_ID"), "fw");
  EXPECT_EQ(value_of(d, "CONTAINER_ID"), "parent.child");
  std::set<std::string> names;
  for (const Field& f : d.fields) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name << " twice";
    EXPECT_TRUE(is_valid_field_name(f.name)) << f.name;
    EXPECT_FALSE(is_reserved_field_name(f.name)) << f.name;
  }
  EXPECT_EQ(names.count("MESSAGE") + names.count("PRIORITY") + names.count("SYSLOG_IDENTIFIER") +
                names.count("STREAM") + names.count("OBJECT_PID") + names.count("SYSLOG_PID"),
            0u);

  EXPECT_EQ(value_of(d, "LABEL_MESSAGE"), "spoofed message");
  EXPECT_EQ(value_of(d, "LABEL_PRIORITY"), "0");
  EXPECT_EQ(value_of(d, "LABEL_SYSLOG_IDENTIFIER"), "sshd");
  EXPECT_EQ(value_of(d, "LABEL_STREAM"), "STDERR");
  EXPECT_EQ(value_of(d, "LABEL_CONTAINER_PARTIAL_LAST"), "true");
  EXPECT_EQ(value_of(d, "LABEL_FRAMEWORK_ID"), "someone-else");
  EXPECT_EQ(value_of(d, "LABEL_CONTAINER_ID"), "other");
  EXPECT_EQ(value_of(d, "LABEL_OBJECT_PID"), "1");
  EXPECT_EQ(value_of(d, "LABEL_SYSLOG_PID"), "1");
  EXPECT_EQ(value_of(d, "PID"), "1");       // "_PID" loses its '_' (journald's trusted fields start with it)
  EXPECT_EQ(value_of(d, "ABC"), "digits");  // leading digit dropped
  EXPECT_EQ(value_of(d, "A_B"), "dash");
  EXPECT_EQ(value_of(d, "LABEL_A_B"), "dot");  // "a.b" collides with "a-b"
  EXPECT_EQ(value_of(d, std::string(64, 'K')), "long");
  EXPECT_EQ(value_of(d, "MULTI"), "line one\nline two\n");  // the fields file carries newlines
  EXPECT_EQ(value_of(d, "T__"), "utf8 key");

  EXPECT_TRUE(mentions(d, "task label 'MESSAGE' is written as field LABEL_MESSAGE because MESSAGE is reserved"));
  EXPECT_TRUE(mentions(d, "task label 'a.b' is written as field LABEL_A_B because A_B is already used"));
  EXPECT_TRUE(mentions(d, "task label '---' is not written to the journal"));
  EXPECT_TRUE(mentions(d, "task label '' is not written to the journal"));
}

TEST(FieldDerivation, RenameTargetTakenDropsTheLabel) {
  ContainerMetadata m = command_task();
  m.task_labels = {{"LABEL_MESSAGE", "first"}, {"MESSAGE", "second"}};
  DerivedFields d = derive_fields(m, config_with());
  EXPECT_EQ(value_of(d, "LABEL_MESSAGE"), "first");
  EXPECT_TRUE(mentions(d, "task label 'MESSAGE' is not written to the journal: field MESSAGE is reserved or taken, "
                          "and so is LABEL_MESSAGE"));
}

TEST(FieldDerivation, ExtraFieldsCannotBeShadowedByLabels) {
  ContainerMetadata m = command_task();
  m.task_labels = {{"cluster", "mine"}};
  DerivedFields d = derive_fields(m, config_with({{"extra_fields", R"({"CLUSTER":"eu-1"})"}}));
  EXPECT_EQ(value_of(d, "CLUSTER"), "eu-1");
  EXPECT_EQ(value_of(d, "LABEL_CLUSTER"), "mine");
}

TEST(FieldDerivation, LabelPolicy) {
  ContainerMetadata m = command_task();
  m.task_labels = {{"team", "payments"}, {"secret", "x"}};
  m.executor_labels = {{"tier", "frontend"}};
  DerivedFields none = derive_fields(m, config_with({{"labels", "none"}}));
  EXPECT_EQ(none.fields.size(), 6u);
  DerivedFields some = derive_fields(m, config_with({{"labels", "team,tier"}}));
  EXPECT_EQ(value_of(some, "TEAM"), "payments");
  EXPECT_EQ(value_of(some, "TIER"), "frontend");
  EXPECT_EQ(value_of(some, "SECRET"), "<missing>");
}

TEST(FieldDerivation, CapOnFieldCountDropsWithWarningsNeverFails) {
  ContainerMetadata m = command_task();
  for (int i = 0; i < 1000; ++i) m.task_labels.emplace_back("l" + std::to_string(i), "v");
  DerivedFields d = derive_fields(m, config_with());
  EXPECT_EQ(d.fields.size(), kMaxMetadataFields);
  EXPECT_EQ(value_of(d, "FRAMEWORK_ID"), "fw");
  EXPECT_TRUE(mentions(d, "task label 'l250' is not written to the journal: the container already has 256 fields"));
  // The agent log gets a bounded number of lines, and a count of the rest.
  EXPECT_LE(d.warnings.size(), 21u);
  EXPECT_TRUE(mentions(d, "and 730 more label warnings"));
}

TEST(FieldDerivation, CapOnBytesSkipsTheBigLabelButKeepsSmallerOnes) {
  ContainerMetadata m = command_task();
  m.task_labels = {{"a", std::string(40000, 'a')}, {"b", std::string(40000, 'b')}, {"c", "small"}};
  DerivedFields d = derive_fields(m, config_with());
  EXPECT_EQ(value_of(d, "A").size(), 40000u);
  EXPECT_EQ(value_of(d, "B"), "<missing>");
  EXPECT_EQ(value_of(d, "C"), "small");
  EXPECT_TRUE(mentions(d, "task label 'b' is not written to the journal: it would take the container's fields over 65536 bytes"));
  std::size_t total = 0;
  for (const Field& f : d.fields) total += metadata_cost(f.name.size(), f.value.size());
  EXPECT_LE(total, kMaxMetadataBytes);
}

TEST(FieldDerivation, WarningsDoNotCarryControlCharacters) {
  ContainerMetadata m = command_task();
  m.task_labels = {{"\nMESSAGE=evil\n", "x"}, {"MESSAGE", "y"}, {"LABEL_MESSAGE", "z"}};
  DerivedFields d = derive_fields(m, config_with());
  for (const std::string& w : d.warnings) EXPECT_EQ(w.find('\n'), std::string::npos) << w;
}

TEST(FieldDerivation, JoinContainerId) {
  EXPECT_EQ(join_container_id({}), "");
  EXPECT_EQ(join_container_id({"a"}), "a");
  EXPECT_EQ(join_container_id({"a", "b", "c"}), "a.b.c");
}

}  // namespace
}  // namespace mj
