// Plays the Mesos agent: a child process prepares a container's logging exactly as
// the module's prepare() does, hands the write ends to the "container" (this test),
// and is SIGKILLed. The container keeps writing; every line must reach a real journald
// namespace with the container's fields, and the sandbox files.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "journald_instance.h"
#include "logger/container_io.h"
#include "logger_test_util.h"
#include "process_runner.h"
#include "temp_dir.h"

namespace mj {
namespace {

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    ASSERT_GT(n, 0) << std::strerror(errno);
    done += static_cast<std::size_t>(n);
  }
}

class AgentFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = test::journald_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(AgentFailover, EveryLineReachesTheJournalAndTheSandboxAfterTheAgentIsKilled) {
  test::JournaldInstance journal("logger");
  test::TempDir dir;
  const std::string sandbox = dir.path() + "/slaves/agent-7/frameworks/fw-42/executors/exec-1/runs/parent-1";
  const std::string nested = sandbox + "/containers/child-1";
  std::filesystem::create_directories(nested);

  auto config = parse_logger_config(std::map<std::string, std::string>{
      {"companion_path", MJ_COMPANION},
      {"namespace", journal.name()},
      {"extra_fields", R"({"CLUSTER":"test-cluster"})"},
      {"cgroup_placement", "none"},
  });
  ASSERT_TRUE(config) << config.error().message;

  // A nested container after agent failover: no ExecutorInfo, so the framework and
  // executor ids come from the sandbox path.
  ContainerMetadata m;
  m.container_id_chain = {"parent-1", "child-1"};
  m.task_id = "task-9";
  m.task_name = "web";
  m.sandbox_dir = nested;
  m.task_labels = {{"team", "payments"}, {"MESSAGE", "label cannot spoof"}};
  m.environment = {{"CONTAINER_LOGGER_MAX_FILES", "2"}};

  // Orphans (the companion, once its intermediate parent exits) are re-parented to
  // this process, so that its exit status can be checked at the end.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);

  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd test_end(sv[0]), agent_end(sv[1]);
  const int kLinesEach = 200;
  pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    test_end.reset();
    auto io = prepare_container_io(*config, m, cgroup_placement_for(*config));
    if (!io) {
      std::fprintf(stderr, "prepare failed: %s\n", io.error().message.c_str());
      ::_exit(1);
    }
    // The container starts writing while the agent is alive.
    for (int i = 0; i < kLinesEach; ++i) {
      std::string out = "out " + std::to_string(i) + "\n", err = "err " + std::to_string(i) + "\n";
      if (::write(io->stdout_fd.get(), out.data(), out.size()) < 0) ::_exit(3);
      if (::write(io->stderr_fd.get(), err.data(), err.size()) < 0) ::_exit(3);
    }
    if (!test::send_companion(agent_end.get(), io->companion_pid, io->stdout_fd.get(), io->stderr_fd.get()))
      ::_exit(2);
    ::pause();
    ::_exit(0);
  }
  agent_end.reset();

  pid_t companion = -1;
  int out_fd = -1, err_fd = -1;
  ASSERT_TRUE(test::receive_companion(test_end.get(), companion, out_fd, err_fd)) << "the agent failed to prepare";
  UniqueFd out(out_fd), err(err_fd);

  ASSERT_EQ(::kill(agent, SIGKILL), 0);
  ASSERT_EQ(test::wait_exit(agent), 128 + SIGKILL);
  ASSERT_EQ(::kill(companion, 0), 0) << "the companion died with the agent";

  for (int i = kLinesEach; i < 2 * kLinesEach; ++i) {
    write_all(out.get(), "out " + std::to_string(i) + "\n");
    write_all(err.get(), "err " + std::to_string(i) + "\n");
  }
  out.reset();
  err.reset();
  EXPECT_EQ(test::wait_exit(companion), 0) << "the companion reports lost output";

  for (const char* stream : {"STDOUT", "STDERR"}) {
    std::string prefix = std::string(stream) == "STDOUT" ? "out " : "err ";
    auto entries = journal.entries({"TASK_ID=task-9", std::string("STREAM=") + stream}, 2 * kLinesEach);
    ASSERT_EQ(entries.size(), 2u * kLinesEach) << stream;
    for (int i = 0; i < 2 * kLinesEach; ++i) {
      const test::JournalEntry& e = entries[static_cast<std::size_t>(i)];
      EXPECT_EQ(test::field(e, "MESSAGE"), prefix + std::to_string(i));
      EXPECT_EQ(test::field(e, "FRAMEWORK_ID"), "fw-42");
      EXPECT_EQ(test::field(e, "EXECUTOR_ID"), "exec-1");
      EXPECT_EQ(test::field(e, "AGENT_ID"), "agent-7");
      EXPECT_EQ(test::field(e, "CONTAINER_ID"), "parent-1.child-1");
      EXPECT_EQ(test::field(e, "TASK_ID"), "task-9");
      EXPECT_EQ(test::field(e, "TASK_NAME"), "web");
      EXPECT_EQ(test::field(e, "SYSLOG_IDENTIFIER"), "web");
      EXPECT_EQ(test::field(e, "PRIORITY"), std::string(stream) == "STDOUT" ? "6" : "3");
      EXPECT_EQ(test::field(e, "CLUSTER"), "test-cluster");
      EXPECT_EQ(test::field(e, "TEAM"), "payments");
      EXPECT_EQ(test::field(e, "LABEL_MESSAGE"), "label cannot spoof");
      EXPECT_EQ(e.at("MESSAGE").size(), 1u) << "a label added a second MESSAGE";
      if (::testing::Test::HasFailure()) break;
    }
  }

  std::string expected_out, expected_err;
  for (int i = 0; i < 2 * kLinesEach; ++i) {
    expected_out += "out " + std::to_string(i) + "\n";
    expected_err += "err " + std::to_string(i) + "\n";
  }
  EXPECT_EQ(test::read_file(nested + "/stdout"), expected_out);
  EXPECT_EQ(test::read_file(nested + "/stderr"), expected_err);
}

TEST_F(AgentFailover, SandboxOnlyWritesNothingToTheJournal) {
  test::JournaldInstance journal("logger-sandbox");
  test::TempDir dir;
  auto config = parse_logger_config(std::map<std::string, std::string>{
      {"companion_path", MJ_COMPANION}, {"namespace", journal.name()}, {"cgroup_placement", "none"},
      {"overridable", "destination"}});
  ASSERT_TRUE(config) << config.error().message;
  ContainerMetadata m = test::sample_metadata(dir.path());
  m.environment = {{"CONTAINER_LOGGER_DESTINATION", "sandbox"}};
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  auto io = prepare_container_io(*config, m, cgroup_placement_for(*config));
  ASSERT_TRUE(io) << io.error().message;
  write_all(io->stdout_fd.get(), "only in the sandbox\n");
  io->stdout_fd.reset();
  io->stderr_fd.reset();
  EXPECT_EQ(test::wait_exit(io->companion_pid), 0);
  EXPECT_EQ(test::read_file(dir.file("stdout")), "only in the sandbox\n");
  EXPECT_TRUE(journal.entries({"TASK_ID=web.1234"}, 1, std::chrono::milliseconds(500)).empty());
}

}  // namespace
}  // namespace mj
