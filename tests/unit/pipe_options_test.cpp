#include "pipe/pipe_options.h"

#include <gtest/gtest.h>

#include <regex>

#include "temp_dir.h"

namespace mj {
namespace {

ParsedCommandLine parse(std::vector<std::string> args) {
  args.insert(args.begin(), "mesos-journald-pipe");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

void expect_usage_error(std::vector<std::string> args, const std::string& says) {
  ParsedCommandLine r = parse(args);
  EXPECT_FALSE(r.options);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(says), std::string::npos) << r.output << " for " << (args.empty() ? "" : args[0]) << " " << (args.size() > 1 ? args[1] : "");
}

TEST(PipeOptions, Defaults) {
  ParsedCommandLine r = parse({});
  ASSERT_TRUE(r.options);
  const PipeOptions& o = *r.options;
  EXPECT_EQ(o.mode, InputMode::kStdin);
  EXPECT_EQ(o.stdin_stream, StreamKind::kStdout);
  EXPECT_EQ(o.identifier, "mesos-journald-pipe");
  EXPECT_EQ(o.socket_path, "/run/systemd/journal/socket");
  EXPECT_EQ(o.stdout_priority, 6);
  EXPECT_EQ(o.stderr_priority, 3);
  EXPECT_EQ(o.stdout_rotation.max_file_size, 10u << 20);
  EXPECT_EQ(o.stdout_rotation.max_files, 5u);
  EXPECT_EQ(o.pump.max_line_bytes, 48u * 1024);
  EXPECT_TRUE(o.journal);
  EXPECT_FALSE(o.sandbox);
}

TEST(PipeOptions, CommandModeTakesEverythingAfterTheCommand) {
  ParsedCommandLine r = parse({"--field", "A=1", "/usr/bin/env", "-i", "--field", "x"});
  ASSERT_TRUE(r.options) << r.output;
  EXPECT_EQ(r.options->mode, InputMode::kCommand);
  EXPECT_EQ(r.options->command, (std::vector<std::string>{"/usr/bin/env", "-i", "--field", "x"}));
  EXPECT_EQ(r.options->identifier, "env");
  ASSERT_EQ(r.options->fields.size(), 1u);
  r = parse({"-t", "id", "--", "ls", "-l"});
  ASSERT_TRUE(r.options) << r.output;
  EXPECT_EQ(r.options->command, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(r.options->identifier, "id");
}

TEST(PipeOptions, ValuesAreParsed) {
  ParsedCommandLine r =
      parse({"--namespace", "ns1", "--max-file-size", "1M", "--max-stderr-size", "2K", "--max-files", "0",
             "--max-line-bytes", "16K", "--stdout-priority", "debug", "--stderr-priority", "4",
             "--flush-partial-after", "250ms", "--drain-timeout", "0", "--stream", "stderr", "--field", "A=x=y"});
  ASSERT_TRUE(r.options) << r.output;
  const PipeOptions& o = *r.options;
  EXPECT_EQ(o.socket_path, "/run/systemd/journal.ns1/socket");
  EXPECT_EQ(o.stdout_rotation.max_file_size, 1u << 20);
  EXPECT_EQ(o.stderr_rotation.max_file_size, 2048u);
  EXPECT_EQ(o.stderr_rotation.max_files, 0u);
  EXPECT_EQ(o.pump.max_line_bytes, 16384u);
  EXPECT_EQ(o.stdout_priority, 7);
  EXPECT_EQ(o.stderr_priority, 4);
  EXPECT_EQ(o.pump.partial_flush.count(), 250);
  EXPECT_EQ(o.pump.drain_timeout.count(), 0);
  EXPECT_EQ(o.stdin_stream, StreamKind::kStderr);
  EXPECT_EQ(o.fields[0].value, "x=y");
}

TEST(PipeOptions, PriorityFlagSetsBothStreams) {
  ParsedCommandLine r = parse({"-p", "notice", "--stderr-priority", "crit"});
  ASSERT_TRUE(r.options);
  EXPECT_EQ(r.options->stdout_priority, 5);
  EXPECT_EQ(r.options->stderr_priority, 2);
}

TEST(PipeOptions, FieldsFileAndFieldsCombine) {
  test::TempDir dir;
  test::write_file(dir.file("f.json"), R"({"FROM_FILE": "v"})");
  ParsedCommandLine r = parse({"--fields-file", dir.file("f.json"), "--field", "FROM_ARG=w"});
  ASSERT_TRUE(r.options) << r.output;
  ASSERT_EQ(r.options->fields.size(), 2u);
  EXPECT_EQ(r.options->fields[0].name, "FROM_FILE");
  EXPECT_EQ(r.options->fields[1].name, "FROM_ARG");
}

TEST(PipeOptions, UsageErrors) {
  expect_usage_error({"--field", "lower=x"}, "A-Z");
  expect_usage_error({"--field", "MESSAGE=x"}, "reserved");
  expect_usage_error({"--field", "_PID=1"}, "journald");
  expect_usage_error({"--field", "NOEQUALS"}, "KEY=VALUE");
  expect_usage_error({"--fields-file", "/nonexistent/x.json"}, "cannot read fields file");
  expect_usage_error({"--namespace", "a/b"}, "--namespace");
  expect_usage_error({"--namespace", "a", "--journal-socket", "/x"}, "excludes");
  expect_usage_error({"--max-file-size", "0"}, "at least 1 byte");
  expect_usage_error({"--max-file-size", "ten"}, "invalid size");
  expect_usage_error({"--max-line-bytes", "65M"}, "64M");
  expect_usage_error({"--stdout-priority", "loud"}, "invalid priority");
  expect_usage_error({"--flush-partial-after", "soon"}, "invalid duration");
  expect_usage_error({"--stream", "stdin"}, "--stream");
  expect_usage_error({"--no-journal"}, "needs --sandbox");
  expect_usage_error({"--stdout-fd", "987"}, "not an open file descriptor");
  expect_usage_error({"--stdout-fd", "0", "ls"}, "cannot be combined");
  expect_usage_error({"--stream", "stdout", "ls"}, "cannot be combined");
  expect_usage_error({"-t", ""}, "identifier");
  expect_usage_error({"--bogus"}, "bogus");
}

TEST(PipeOptions, HelpAndVersionExitZero) {
  ParsedCommandLine r = parse({"--help"});
  EXPECT_FALSE(r.options);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("--max-line-bytes"), std::string::npos);
  r = parse({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_match(r.output, std::regex("mesos-journald-pipe [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit ([0-9a-f]{12}(-dirty)?|unknown)\\)\n"))) << r.output;
}

TEST(PipeOptions, StreamTransport) {
  ParsedCommandLine r = parse({"--transport", "stream", "--unit", "my-task", "--log-rate-limit-interval", "30s",
                               "--log-rate-limit-burst", "5000", "--detach", "--stdout-fd", "0"});
  ASSERT_TRUE(r.options) << r.output;
  EXPECT_EQ(r.options->transport, Transport::kStream);
  EXPECT_EQ(r.options->unit, "my-task.service");
  EXPECT_TRUE(r.options->detach);
  EXPECT_EQ(r.options->rate_limit_interval_usec, 30000000u);
  EXPECT_EQ(r.options->rate_limit_burst, 5000u);
  EXPECT_EQ(parse({}).options->transport, Transport::kNative);
}

TEST(PipeOptions, StreamTransportUsageErrors) {
  expect_usage_error({"--transport", "udp"}, "--transport");
  expect_usage_error({"--transport", "stream", "--overflow", "drop"}, "--overflow drop is not available");
  expect_usage_error({"--transport", "stream", "--no-journal", "--sandbox", "/tmp"}, "cannot be combined with --no-journal");
  expect_usage_error({"--transport", "stream", "--detach", "true"}, "--detach cannot be combined with COMMAND");
  expect_usage_error({"--unit", "x", "true"}, "apply only with --transport stream");
  expect_usage_error({"--transport", "stream", "--unit", "a/b"}, "may only contain");
  expect_usage_error({"--transport", "stream", "--log-rate-limit-interval", "0"}, "must be more than 0");
  expect_usage_error({"--transport", "stream", "--log-rate-limit-burst", "0"}, "from 1 to 4294967295");
  expect_usage_error({"--transport", "stream", "--log-rate-limit-burst", "1k"}, "from 1 to 4294967295");
  expect_usage_error({"--receive-streams"}, "service half");
}

// The service's command line carries every option it needs and parses back to them.
TEST(PipeOptions, ServiceCommandLineRoundTrips) {
  ParsedCommandLine front = parse({"--transport", "stream", "--identifier=-web", "--namespace", "ns1", "--sandbox", "/sb",
                                   "--max-stdout-size", "1M", "--max-stderr-size", "2M", "--max-files", "3",
                                   "--stdout-priority", "notice", "--stderr-priority", "warning", "--level-prefix",
                                   "--drain-timeout", "2500ms", "--field", "SECRET=never on argv", "--user", "nobody",
                                   "--stdout-fd", "0"});
  ASSERT_TRUE(front.options) << front.output;
  std::vector<std::string> args = service_command_line(*front.options, "/usr/bin/mesos-journald-pipe");
  EXPECT_EQ(args.front(), "/usr/bin/mesos-journald-pipe");
  for (const std::string& a : args) EXPECT_EQ(a.find("SECRET"), std::string::npos) << "fields go to LogExtraFields";
  ParsedCommandLine service = parse(std::vector<std::string>(args.begin() + 1, args.end()));
  ASSERT_TRUE(service.options) << service.output;
  const PipeOptions& s = *service.options;
  EXPECT_TRUE(s.receive_streams);
  EXPECT_EQ(s.transport, Transport::kStream);
  EXPECT_EQ(s.identifier, "-web");
  EXPECT_EQ(s.socket_path, "/run/systemd/journal.ns1/socket");
  EXPECT_EQ(s.sandbox, "/sb");
  EXPECT_EQ(s.stdout_rotation.max_file_size, 1u << 20);
  EXPECT_EQ(s.stderr_rotation.max_file_size, 2u << 20);
  EXPECT_EQ(s.stdout_rotation.max_files, 3u);
  EXPECT_EQ(s.stdout_priority, 5);
  EXPECT_EQ(s.stderr_priority, 4);
  EXPECT_TRUE(s.level_prefix);
  EXPECT_EQ(s.pump.drain_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(s.user, "nobody");
  EXPECT_TRUE(s.fields.empty());
}

}  // namespace
}  // namespace mj

namespace mj {
namespace {

TEST(PipeOptions, PodTaskOptions) {
  ParsedCommandLine r = parse({"--pod-task-links", "/s/tasks", "--pod-container", "c1", "--pod-task-meta", "/m",
                               "--pod-task-wait", "2s"});
  ASSERT_TRUE(r.options) << r.output;
  ASSERT_TRUE(r.options->pod_task);
  EXPECT_EQ(r.options->pod_task->links_dir, "/s/tasks");
  EXPECT_EQ(r.options->pod_task->container_id, "c1");
  EXPECT_EQ(r.options->pod_task->meta_dir, "/m");
  EXPECT_EQ(r.options->pod_task->wait, std::chrono::seconds(2));
  EXPECT_FALSE(parse({}).options->pod_task);
}

TEST(PipeOptions, PodTaskUsageErrors) {
  expect_usage_error({"--pod-task-links", "/s/tasks"}, "go together");
  expect_usage_error({"--pod-container", "c1"}, "go together");
  expect_usage_error({"--pod-task-links", "/s/tasks", "--pod-container", "a/b"}, "no '/'");
  expect_usage_error({"--pod-task-links", "/s/tasks", "--pod-container", "c", "--pod-task-wait", "x"}, "--pod-task-wait");
  expect_usage_error({"--pod-task-meta", "/m"}, "apply only with --pod-task-links");
}

}  // namespace
}  // namespace mj
