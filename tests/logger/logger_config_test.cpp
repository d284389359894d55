#include "logger/logger_config.h"

#include <gtest/gtest.h>

#include <tuple>

#include <nlohmann/json.hpp>

#include "temp_dir.h"

namespace mj {
namespace {

Result<LoggerConfig> parse(std::map<std::string, std::string> params) { return parse_logger_config(params); }

std::string error_of(std::map<std::string, std::string> params) {
  auto r = parse(std::move(params));
  return r ? "<no error>" : r.error().message;
}

TEST(LoggerConfig, Defaults) {
  auto c = parse({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->destination, Destination::kJournaldAndSandbox);
  EXPECT_EQ(c->max_stdout_size, 10u << 20);
  EXPECT_EQ(c->max_stderr_size, 10u << 20);
  EXPECT_EQ(c->max_files, 5u);
  EXPECT_TRUE(c->namespace_template.empty());
  EXPECT_EQ(c->identifier_template.text(), "{task_name|executor_name|executor_id}");
  EXPECT_EQ(c->labels.mode(), LabelPolicy::Mode::kAll);
  EXPECT_EQ(c->max_line_bytes, 48u * 1024);
  EXPECT_EQ(c->environment_variable_prefix, "CONTAINER_LOGGER_");
  EXPECT_EQ(c->overridable, (std::set<std::string>{"max_stdout_size", "max_stderr_size", "max_files"}));
  EXPECT_EQ(c->cgroup_placement, CgroupPlacementMode::kAuto);
  EXPECT_EQ(c->cgroup_root, "/sys/fs/cgroup");
  EXPECT_EQ(c->companion_path.front(), '/');
  EXPECT_NE(c->companion_path.find("mesos-journald-pipe"), std::string::npos);
}

TEST(LoggerConfig, EveryParameter) {
  auto c = parse({{"destination", "journald"},
                  {"companion_path", "/opt/mj/bin/mesos-journald-pipe"},
                  {"max_stdout_size", "2M"},
                  {"max_stderr_size", "512K"},
                  {"max_files", "0"},
                  {"namespace", "mesos-{role}"},
                  {"identifier", "{task_id}"},
                  {"extra_fields", R"({"CLUSTER":"eu-1","DC":"fra"})"},
                  {"labels", "team, tier"},
                  {"max_line_bytes", "16K"},
                  {"environment_variable_prefix", "MJ_"},
                  {"overridable", "max_files,labels,destination"},
                  {"cgroup_placement", "none"},
                  {"cgroup_root", "/cg"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->destination, Destination::kJournald);
  EXPECT_EQ(c->companion_path, "/opt/mj/bin/mesos-journald-pipe");
  EXPECT_EQ(c->max_stdout_size, 2u << 20);
  EXPECT_EQ(c->max_stderr_size, 512u << 10);
  EXPECT_EQ(c->max_files, 0u);
  EXPECT_EQ(c->namespace_template.text(), "mesos-{role}");
  EXPECT_EQ(c->identifier_template.text(), "{task_id}");
  ASSERT_EQ(c->extra_fields.size(), 2u);
  EXPECT_EQ(c->extra_fields[0].name, "CLUSTER");
  EXPECT_EQ(c->extra_fields[0].value, "eu-1");
  EXPECT_EQ(c->labels.mode(), LabelPolicy::Mode::kList);
  EXPECT_EQ(c->labels.keys(), (std::set<std::string>{"team", "tier"}));
  EXPECT_EQ(c->max_line_bytes, 16u << 10);
  EXPECT_EQ(c->environment_variable_prefix, "MJ_");
  EXPECT_EQ(c->overridable, (std::set<std::string>{"max_files", "labels", "destination"}));
  EXPECT_EQ(c->cgroup_placement, CgroupPlacementMode::kNone);
  EXPECT_EQ(c->cgroup_root, "/cg");
}

TEST(LoggerConfig, UnknownKeyIsAnErrorNamingIt) {
  std::string e = error_of({{"max_stdout_sise", "1M"}});
  EXPECT_NE(e.find("unknown parameter 'max_stdout_sise'"), std::string::npos) << e;
  EXPECT_NE(e.find("max_stdout_size"), std::string::npos) << "lists the known ones: " << e;
}

TEST(LoggerConfig, DuplicateKeyIsAnError) {
  auto r = parse_logger_config(std::vector<std::pair<std::string, std::string>>{{"max_files", "3"}, {"max_files", "4"}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("max_files is given more than once"), std::string::npos);
}

TEST(LoggerConfig, StreamTransportCombinations) {
  auto c = parse({{"transport", "stream"}, {"log_rate_limit_interval", "10s"}, {"log_rate_limit_burst", "500"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->transport, JournalTransport::kStream);
  EXPECT_EQ(c->log_rate_limit_interval, std::chrono::milliseconds(10000));
  EXPECT_EQ(c->log_rate_limit_burst, 500u);
  EXPECT_NE(error_of({{"transport", "stream"}, {"overflow", "drop"}}).find("cannot be combined with overflow=drop"),
            std::string::npos);
  EXPECT_NE(error_of({{"log_rate_limit_burst", "500"}}).find("apply only with transport=stream"), std::string::npos);
  EXPECT_EQ(parse({})->transport, JournalTransport::kNative);
}

TEST(LoggerConfig, BadValuesAreErrorsNamingTheKey) {
  struct Case {
    const char* key;
    const char* value;
    const char* expect;
  } cases[] = {
      {"destination", "syslog", "parameter destination: expected journald+sandbox, journald or sandbox"},
      {"transport", "datagram", "parameter transport: expected native or stream"},
      {"log_rate_limit_interval", "0", "parameter log_rate_limit_interval: must be more than 0"},
      {"log_rate_limit_interval", "soon", "parameter log_rate_limit_interval: invalid duration"},
      {"log_rate_limit_burst", "0", "parameter log_rate_limit_burst: expected a number from 1"},
      {"log_rate_limit_burst", "4294967296", "parameter log_rate_limit_burst: expected a number from 1"},
      {"companion_path", "mesos-journald-pipe", "parameter companion_path: must be an absolute path"},
      {"max_stdout_size", "ten", "parameter max_stdout_size: invalid size"},
      {"max_stderr_size", "0", "parameter max_stderr_size: must be at least 1 byte"},
      {"max_files", "-1", "parameter max_files: expected a number"},
      {"max_files", "1001", "parameter max_files: must be at most 1000"},
      {"namespace", "has space", "parameter namespace: journal namespace"},
      {"namespace", "ns.{role}", "parameter namespace: template text"},
      {"namespace", "{task_id}", "parameter namespace: unknown placeholder {task_id}"},
      {"namespace", "{role", "parameter namespace: unmatched '{'"},
      {"identifier", "{nope}", "parameter identifier: unknown placeholder {nope}"},
      {"identifier", "", "parameter identifier: must not be empty"},
      {"identifier", "a\tb", "parameter identifier: contains a control character"},
      {"extra_fields", "[1]", "parameter extra_fields: expected a JSON object"},
      {"extra_fields", R"({"lower":"x"})", "parameter extra_fields: field name 'lower'"},
      {"extra_fields", R"({"FRAMEWORK_ID":"x"})", "parameter extra_fields: field name 'FRAMEWORK_ID' is reserved"},
      {"extra_fields", R"({"MESSAGE":"x"})", "parameter extra_fields: field name 'MESSAGE' is reserved"},
      {"extra_fields", R"({"OBJECT_PID":"1"})", "parameter extra_fields: field name 'OBJECT_PID' is reserved"},
      {"extra_fields", R"({"N":1})", "parameter extra_fields: value of N must be a string"},
      {"labels", "", "parameter labels: expected all, none"},
      {"labels", "a,,b", "parameter labels: empty label key"},
      {"max_line_bytes", "0", "parameter max_line_bytes: must be between 1 byte and 64M"},
      {"max_line_bytes", "65M", "parameter max_line_bytes: must be between 1 byte and 64M"},
      {"environment_variable_prefix", "", "parameter environment_variable_prefix: must not be empty"},
      {"environment_variable_prefix", "A=B", "parameter environment_variable_prefix: 'A=B' may contain only"},
      {"overridable", "namespace", "parameter overridable: 'namespace' cannot be overridden by tasks"},
      {"overridable", "companion_path", "parameter overridable: 'companion_path' cannot be overridden"},
      {"overridable", "max_size", "parameter overridable: unknown parameter 'max_size'"},
      {"cgroup_placement", "yes", "parameter cgroup_placement: expected auto or none"},
      {"cgroup_root", "sys/fs/cgroup", "parameter cgroup_root: must be an absolute path"},
  };
  for (const Case& c : cases) {
    std::string e = error_of({{c.key, c.value}});
    EXPECT_EQ(e.rfind(c.expect, 0), 0u) << c.key << "=" << c.value << " gave: " << e;
  }
}

TEST(LoggerConfig, ExtraFieldsAreCapped) {
  std::string big = "{";
  for (int i = 0; i < 200; ++i) big += std::string(i ? "," : "") + "\"F" + std::to_string(i) + "\":\"v\"";
  big += "}";
  EXPECT_NE(error_of({{"extra_fields", big}}).find("at most 128 fields"), std::string::npos);
  std::string huge = R"({"BIG":")" + std::string(40000, 'x') + "\"}";
  EXPECT_NE(error_of({{"extra_fields", huge}}).find("more than 32768 bytes"), std::string::npos);
}

TEST(LoggerConfig, OverridableNoneAndEmpty) {
  EXPECT_TRUE(parse({{"overridable", "none"}})->overridable.empty());
  EXPECT_TRUE(parse({{"overridable", ""}})->overridable.empty());
}

TEST(LoggerConfig, CompanionPathCheck) {
  test::TempDir dir;
  EXPECT_FALSE(check_companion_path("relative/path"));
  auto missing = check_companion_path(dir.file("missing"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot be found"), std::string::npos);
  EXPECT_FALSE(check_companion_path(dir.path()));  // a directory
  test::write_file(dir.file("plain"), "#!/bin/sh\n");
  auto not_exec = check_companion_path(dir.file("plain"));
  // root may "execute" anything with an x bit somewhere; a 0644 file has none.
  ASSERT_FALSE(not_exec);
  EXPECT_NE(not_exec.error().message.find("not executable"), std::string::npos);
  EXPECT_TRUE(check_companion_path("/bin/sh"));
}

}  // namespace
}  // namespace mj

namespace mj {
namespace {

TEST(LoggerConfig, CompanionUserOverflowAndBufferSize) {
  auto c = parse_logger_config(std::map<std::string, std::string>{
      {"companion_user", "agent"}, {"overflow", "drop"}, {"buffer_size", "1M"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->companion_user, CompanionUser::kAgent);
  EXPECT_EQ(c->overflow, Overflow::kDrop);
  EXPECT_EQ(c->buffer_size, 1u << 20);
  LoggerConfig d = default_logger_config();
  EXPECT_EQ(d.companion_user, CompanionUser::kContainer);
  EXPECT_EQ(d.overflow, Overflow::kBlock);
  EXPECT_EQ(d.buffer_size, 8u << 20);
  for (auto [key, value, says] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"companion_user", "root", "container or agent"},
           {"overflow", "lossy", "block or drop"},
           {"buffer_size", "1K", "between 64K and 1G"},
           {"buffer_size", "2G", "between 64K and 1G"}}) {
    auto bad = parse_logger_config(std::map<std::string, std::string>{{key, value}});
    ASSERT_FALSE(bad) << key;
    EXPECT_NE(bad.error().message.find("parameter " + key + ": "), std::string::npos) << bad.error().message;
    EXPECT_NE(bad.error().message.find(says), std::string::npos) << bad.error().message;
  }
}

}  // namespace
}  // namespace mj
