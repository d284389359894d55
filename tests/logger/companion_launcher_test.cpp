// The launcher against a fake companion that reports how it was started.
#include "logger/companion_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/entry/fields_file.h"
#include "logger_test_util.h"
#include "temp_dir.h"

namespace mj {
namespace {

void write_all(int fd, const std::string& s) { ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size())); }

CgroupPlacement no_placement() {
  CgroupPlacement p;
  p.enabled = false;
  return p;
}

CompanionCommand fake_command(const test::TempDir& dir, std::vector<std::string> extra = {}) {
  CompanionCommand c;
  c.path = MJ_FAKE_COMPANION;
  c.args = {"--report=" + dir.file("report.json")};
  for (std::string& a : extra) c.args.push_back(std::move(a));
  c.fields = {{"FRAMEWORK_ID", "fw"}, {"MULTI", "a\nb"}};
  return c;
}

TEST(CompanionLauncher, FdsArgumentsAndFields) {
  test::TempDir dir;
  auto launched = launch_companion(fake_command(dir, {"-t", "x"}), no_placement());
  ASSERT_TRUE(launched) << launched.error().message;
  EXPECT_GT(launched->pid, 0);
  // The write ends are not inherited by anything the agent starts later.
  EXPECT_EQ(::fcntl(launched->stdout_write.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  EXPECT_EQ(::fcntl(launched->stderr_write.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  write_all(launched->stdout_write.get(), "to stdout\n");
  write_all(launched->stderr_write.get(), "to stderr\n");
  launched->stdout_write.reset();
  launched->stderr_write.reset();

  nlohmann::json r = test::wait_for_report(dir.file("report.json"));
  ASSERT_FALSE(r.is_null()) << "the fake companion wrote no report";
  EXPECT_EQ(r["pid"], launched->pid);
  EXPECT_EQ(r["stdout"], "to stdout\n");
  EXPECT_EQ(r["stderr"], "to stderr\n");
  EXPECT_EQ(r["argv"], (nlohmann::json{MJ_FAKE_COMPANION, "--stdout-fd", "3", "--stderr-fd", "4", "--fields-file",
                                       "/dev/fd/5", "--report=" + dir.file("report.json"), "-t", "x"}));

  // Exactly 0-5 are open: nothing else of the launcher's leaks in.
  std::vector<std::string> fds;
  for (auto& [fd, target] : r["fds"].items()) fds.push_back(fd);
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
  EXPECT_EQ(r["fds"]["0"], "/dev/null");
  EXPECT_EQ(r["fds"]["1"], "/dev/null");
  EXPECT_EQ(r["fds"]["3"].get<std::string>().rfind("pipe:", 0), 0u);
  EXPECT_EQ(r["fds"]["4"].get<std::string>().rfind("pipe:", 0), 0u);
  EXPECT_NE(r["fds"]["5"].get<std::string>().find("memfd:mesos-journald-fields"), std::string::npos);

  auto fields = parse_fields_json(r["fields"].get<std::string>());
  ASSERT_TRUE(fields) << fields.error().message;
  ASSERT_EQ(fields->size(), 2u);
  EXPECT_EQ((*fields)[1].name, "MULTI");
  EXPECT_EQ((*fields)[1].value, "a\nb");
}

TEST(CompanionLauncher, OwnSessionAndNotOurChild) {
  test::TempDir dir;
  auto launched = launch_companion(fake_command(dir), no_placement());
  ASSERT_TRUE(launched) << launched.error().message;
  launched->stdout_write.reset();
  launched->stderr_write.reset();
  nlohmann::json r = test::wait_for_report(dir.file("report.json"));
  ASSERT_FALSE(r.is_null());
  EXPECT_NE(r["sid"], ::getsid(0));
  EXPECT_NE(r["pgid"], ::getpgid(0));
  EXPECT_NE(r["ppid"], ::getpid());
  // The intermediate was reaped: the launcher is left with no child at all.
  int status;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(CompanionLauncher, EnvironmentWithoutMesosVariables) {
  test::TempDir dir;
  ::setenv("MESOS_SANDBOX", "/x", 1);
  ::setenv("LIBPROCESS_IP", "10.0.0.1", 1);
  ::setenv("MJ_LAUNCHER_TEST_KEEP", "kept", 1);
  auto launched = launch_companion(fake_command(dir), no_placement());
  ::unsetenv("MESOS_SANDBOX");
  ::unsetenv("LIBPROCESS_IP");
  ::unsetenv("MJ_LAUNCHER_TEST_KEEP");
  ASSERT_TRUE(launched) << launched.error().message;
  launched->stdout_write.reset();
  launched->stderr_write.reset();
  nlohmann::json r = test::wait_for_report(dir.file("report.json"));
  ASSERT_FALSE(r.is_null());
  bool kept = false;
  for (const auto& e : r["env"]) {
    std::string s = e.get<std::string>();
    EXPECT_NE(s.rfind("MESOS_", 0), 0u) << s;
    EXPECT_NE(s.rfind("LIBPROCESS_", 0), 0u) << s;
    kept |= s == "MJ_LAUNCHER_TEST_KEEP=kept";
  }
  EXPECT_TRUE(kept);
}

TEST(CompanionLauncher, SignalMaskAndDispositionsAreReset) {
  test::TempDir dir;
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &block, &old);
  struct sigaction ign{}, old_usr2{}, old_term{};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGUSR2, &ign, &old_usr2);
  ::sigaction(SIGTERM, &ign, &old_term);
  auto launched = launch_companion(fake_command(dir), no_placement());
  ::sigaction(SIGUSR2, &old_usr2, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(launched) << launched.error().message;
  launched->stdout_write.reset();
  launched->stderr_write.reset();
  nlohmann::json r = test::wait_for_report(dir.file("report.json"));
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["sig_blocked"], "0000000000000000");
  EXPECT_EQ(r["sig_ignored"], "0000000000000000");
}

TEST(CompanionLauncher, ExecFailureIsAnError) {
  test::TempDir dir;
  CompanionCommand c = fake_command(dir);
  c.path = dir.file("no-such-companion");
  auto launched = launch_companion(c, no_placement());
  ASSERT_FALSE(launched);
  EXPECT_NE(launched.error().message.find("cannot run " + c.path + ": No such file or directory"), std::string::npos)
      << launched.error().message;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

// The "agent" (a child of the test) starts the companion, hands the write ends over as
// a containerizer hands them to a container, and is SIGKILLed; the companion keeps
// reading from the container.
TEST(CompanionLauncher, SurvivesTheDeathOfTheAgent) {
  test::TempDir dir;
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd test_end(sv[0]), agent_end(sv[1]);
  CompanionCommand command = fake_command(dir);
  pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    test_end.reset();
    auto launched = launch_companion(command, no_placement());
    if (!launched) ::_exit(1);
    ::write(launched->stdout_write.get(), "before\n", 7);
    if (!test::send_companion(agent_end.get(), launched->pid, launched->stdout_write.get(),
                              launched->stderr_write.get()))
      ::_exit(2);
    ::pause();
    ::_exit(0);
  }
  agent_end.reset();

  pid_t companion = -1;
  int fds[2] = {-1, -1};
  ASSERT_TRUE(test::receive_companion(test_end.get(), companion, fds[0], fds[1]));
  UniqueFd out(fds[0]), err(fds[1]);

  ASSERT_EQ(::kill(agent, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(agent, &status, 0), agent);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_EQ(::kill(companion, 0), 0) << "the companion died with the agent";

  write_all(out.get(), "after\n");
  write_all(err.get(), "err after\n");
  out.reset();
  err.reset();
  nlohmann::json r = test::wait_for_report(dir.file("report.json"));
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["stdout"], "before\nafter\n");
  EXPECT_EQ(r["stderr"], "err after\n");
  EXPECT_NE(r["ppid_at_end"], agent);
  EXPECT_TRUE(test::wait_gone(companion));
}

TEST(CompanionLauncher, PlacedInTheSliceBeforeItStarts) {
  test::TempDir dir;
  test::TempDir cg;
  ASSERT_EQ(::mkdir(cg.file("systemd").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(cg.file("unified").c_str(), 0755), 0);
  CgroupPlacement placement;
  placement.root = cg.path();
  placement.systemd_marker = "";
  placement.fake_filesystems = true;
  auto launched = launch_companion(fake_command(dir, {"--cgroup-root=" + cg.path()}), placement);
  ASSERT_TRUE(launched) << launched.error().message;
  EXPECT_TRUE(launched->warnings.empty());
  launched->stdout_write.reset();
  launched->stderr_write.reset();
  nlohmann::json r = test::wait_for_report(dir.file("report.json"));
  ASSERT_FALSE(r.is_null());
  std::string pid_line = std::to_string(launched->pid) + "\n";
  EXPECT_EQ(r["v1_procs_at_start"], pid_line);
  EXPECT_EQ(r["v2_procs_at_start"], pid_line);
}

TEST(CompanionLauncher, PlacementFailureIsAWarningNotAFailure) {
  test::TempDir dir;
  test::TempDir cg;
  ASSERT_EQ(::mkdir(cg.file("systemd").c_str(), 0755), 0);
  test::write_file(cg.file("systemd/mesos_executors.slice"), "a file where the slice should be");
  CgroupPlacement placement;
  placement.root = cg.path();
  placement.systemd_marker = "";
  placement.fake_filesystems = true;
  auto launched = launch_companion(fake_command(dir), placement);
  ASSERT_TRUE(launched) << launched.error().message;
  ASSERT_EQ(launched->warnings.size(), 1u);
  EXPECT_NE(launched->warnings[0].find("mesos_executors.slice"), std::string::npos) << launched->warnings[0];
  launched->stdout_write.reset();
  launched->stderr_write.reset();
  EXPECT_FALSE(test::wait_for_report(dir.file("report.json")).is_null());
}

}  // namespace
}  // namespace mj
