#include "logger/container_io.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "core/entry/fields_file.h"
#include "logger_test_util.h"
#include "temp_dir.h"

namespace mj {
namespace {

LoggerConfig config_with(std::map<std::string, std::string> params) {
  params.emplace("companion_path", MJ_FAKE_COMPANION);
  auto c = parse_logger_config(params);
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

CgroupPlacement no_placement() {
  CgroupPlacement p;
  p.enabled = false;
  return p;
}

std::string sandbox_path(const test::TempDir& dir) {
  return dir.path() + "/slaves/agent-1/frameworks/fw-0001/executors/web.1234/runs/c0ffee-1";
}

TEST(CompanionOptions, PerDestination) {
  LoggerConfig c = config_with({});
  EXPECT_EQ(companion_options(c, "web", "", "/sb"),
            (std::vector<std::string>{"--identifier=web", "--sandbox=/sb", "--max-stdout-size=10485760",
                                      "--max-stderr-size=10485760", "--max-files=5", "--max-line-bytes=49152"}));
  c.destination = Destination::kJournald;
  EXPECT_EQ(companion_options(c, "-x", "ns", "/sb"),
            (std::vector<std::string>{"--identifier=-x", "--namespace=ns", "--max-stdout-size=10485760",
                                      "--max-stderr-size=10485760", "--max-files=5", "--max-line-bytes=49152"}));
  c.destination = Destination::kSandbox;
  auto args = companion_options(c, "web", "", "/sb");
  EXPECT_EQ(args[1], "--sandbox=/sb");
  EXPECT_EQ(args[2], "--no-journal");
}

TEST(PrepareContainerIO, DebugContainersGetPlainFiles) {
  ContainerMetadata m = test::sample_metadata("/w/slaves/a/frameworks/f/executors/e/runs/c/containers/d");
  m.debug_class = true;
  m.environment = {{"CONTAINER_LOGGER_BOGUS", "ignored: no logger runs"}};
  auto io = prepare_container_io(config_with({}), m, no_placement());
  ASSERT_TRUE(io) << io.error().message;
  EXPECT_EQ(io->kind, PreparedIO::Kind::kPaths);
  EXPECT_EQ(io->stdout_path, m.sandbox_dir + "/stdout");
  EXPECT_EQ(io->stderr_path, m.sandbox_dir + "/stderr");
  EXPECT_FALSE(io->stdout_fd);
  EXPECT_EQ(io->companion_pid, -1);
}

TEST(PrepareContainerIO, BadOverrideFailsNamingTheVariable) {
  ContainerMetadata m = test::sample_metadata("/sandbox");
  m.environment = {{"CONTAINER_LOGGER_MAX_FILES", "50"}};
  auto io = prepare_container_io(config_with({}), m, no_placement());
  ASSERT_FALSE(io);
  EXPECT_EQ(io.error().message.rfind("CONTAINER_LOGGER_MAX_FILES: '50' exceeds", 0), 0u) << io.error().message;
}

TEST(PrepareContainerIO, InvalidNamespaceFails) {
  ContainerMetadata m = test::sample_metadata("/sandbox");
  m.roles.clear();
  auto io = prepare_container_io(config_with({{"namespace", "{role}"}}), m, no_placement());
  ASSERT_FALSE(io);
  EXPECT_NE(io.error().message.find("namespace template '{role}'"), std::string::npos) << io.error().message;
  // Not consulted when nothing goes to journald.
  EXPECT_TRUE(prepare_container_io(config_with({{"namespace", "{role}"}, {"destination", "sandbox"}}), m,
                                   no_placement()));
}

TEST(PrepareContainerIO, RelativeSandboxFails) {
  ContainerMetadata m = test::sample_metadata("sandbox");
  EXPECT_FALSE(prepare_container_io(config_with({}), m, no_placement()));
}

TEST(PrepareContainerIO, StartsTheCompanionWithDerivedOptionsAndFields) {
  test::TempDir dir;
  ::setenv("MJ_FAKE_REPORT", dir.file("report.json").c_str(), 1);
  ContainerMetadata m = test::sample_metadata(sandbox_path(dir));
  // A nested container after agent failover: no ExecutorInfo, ids from the path.
  m.framework_id.reset();
  m.executor_id.reset();
  m.task_labels = {{"MESSAGE", "x"}};
  m.executor_labels.clear();
  m.environment = {{"CONTAINER_LOGGER_MAX_STDOUT_SIZE", "1M"}};
  auto io = prepare_container_io(config_with({{"namespace", "mesos-{role}"}}), m, no_placement());
  ::unsetenv("MJ_FAKE_REPORT");
  ASSERT_TRUE(io) << io.error().message;
  EXPECT_EQ(io->kind, PreparedIO::Kind::kFds);
  EXPECT_EQ(io->identifier, "web");
  EXPECT_EQ(io->journal_namespace, "mesos-payments");
  EXPECT_EQ(io->effective.max_stdout_size, 1u << 20);
  ASSERT_EQ(io->warnings.size(), 1u);
  EXPECT_NE(io->warnings[0].find("LABEL_MESSAGE"), std::string::npos);
  io->stdout_fd.reset();
  io->stderr_fd.reset();

  nlohmann::json r = test::wait_for_report(dir.file("report.json"));
  ASSERT_FALSE(r.is_null());
  std::vector<std::string> argv = r["argv"];
  std::vector<std::string> expected = {MJ_FAKE_COMPANION,
                                       "--stdout-fd",
                                       "3",
                                       "--stderr-fd",
                                       "4",
                                       "--fields-file",
                                       "/dev/fd/5",
                                       "--identifier=web",
                                       "--namespace=mesos-payments",
                                       "--sandbox=" + sandbox_path(dir),
                                       "--max-stdout-size=1048576",
                                       "--max-stderr-size=10485760",
                                       "--max-files=5",
                                       "--max-line-bytes=49152"};
  EXPECT_EQ(argv, expected);
  auto fields = parse_fields_json(r["fields"].get<std::string>());
  ASSERT_TRUE(fields) << fields.error().message;
  std::map<std::string, std::string> by_name;
  for (const Field& f : *fields) by_name[f.name] = f.value;
  EXPECT_EQ(by_name["FRAMEWORK_ID"], "fw-0001");
  EXPECT_EQ(by_name["EXECUTOR_ID"], "web.1234");
  EXPECT_EQ(by_name["AGENT_ID"], "agent-1");
  EXPECT_EQ(by_name["CONTAINER_ID"], "c0ffee-1");
  EXPECT_EQ(by_name["TASK_ID"], "web.1234");
  EXPECT_EQ(by_name["TASK_NAME"], "web");
  EXPECT_EQ(by_name["LABEL_MESSAGE"], "x");
}

TEST(PrepareContainerIO, CompanionThatCannotStartFailsTheLaunch) {
  test::TempDir dir;
  LoggerConfig c = config_with({});
  c.companion_path = dir.file("missing");
  auto io = prepare_container_io(c, test::sample_metadata("/sandbox"), no_placement());
  ASSERT_FALSE(io);
  EXPECT_EQ(io.error().message.rfind("cannot start the container's logger: cannot run " + c.companion_path, 0), 0u)
      << io.error().message;
}

}  // namespace
}  // namespace mj

namespace mj {
namespace {

TEST(CompanionOptions, DropPolicyAndUser) {
  LoggerConfig c = config_with({{"overflow", "drop"}, {"buffer_size", "1M"}});
  auto args = companion_options(c, "web", "", "/sb", "nobody");
  std::vector<std::string> tail(args.end() - 3, args.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"--overflow=drop", "--buffer-size=1048576", "--user=nobody"}));
  c.destination = Destination::kSandbox;  // nothing to drop without a journal
  args = companion_options(c, "web", "", "/sb");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--overflow=drop"), 0);
}

TEST(CompanionOptions, StreamTransportNamesTheServiceAfterTheContainer) {
  LoggerConfig c = config_with({{"transport", "stream"}, {"log_rate_limit_interval", "30s"},
                                {"log_rate_limit_burst", "20000"}});
  auto args = companion_options(c, "web", "", "/sb", "", "parent-1.child/2");
  std::vector<std::string> tail(args.end() - 5, args.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"--transport=stream", "--detach",
                                            "--unit=mesos-journald-parent-1.child\\x2f2.service",
                                            "--log-rate-limit-interval=30000ms", "--log-rate-limit-burst=20000"}));
  // A task's overflow=drop (an override) wins: only the native transport can mark gaps.
  c.overflow = Overflow::kDrop;
  args = companion_options(c, "web", "", "/sb", "", "c1");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--transport=stream"), 0);
  EXPECT_EQ(std::count(args.begin(), args.end(), "--overflow=drop"), 1);
  // Without a journal there is no transport.
  c.overflow = Overflow::kBlock;
  c.destination = Destination::kSandbox;
  args = companion_options(c, "web", "", "/sb", "", "c1");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--transport=stream"), 0);
}

}  // namespace
}  // namespace mj
