// Command mode, inherited-fd mode, idle flush of partial lines and draining on SIGTERM.
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "companion_fixture.h"

namespace mj::test {
namespace {

std::size_t lines_size(int from, int to) {
  std::size_t n = 0;
  for (int i = from; i < to; ++i) n += ("n" + std::to_string(i) + "\n").size();
  return n;
}

TEST_F(CompanionTest, CommandModeCapturesBothStreamsAndReturnsTheExitStatus) {
  RunResult r = run(pipe_args({"--sandbox", sandbox_.path(), "--", "/bin/sh", "-c",
                               "echo to-out; echo to-err >&2; exit 7"}));
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_EQ(r.out, "");
  auto out = entries(1, {"STREAM=STDOUT"});
  auto err = entries(1, {"STREAM=STDERR"});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(field(out[0], "MESSAGE"), "to-out");
  EXPECT_EQ(field(out[0], "PRIORITY"), "6");
  EXPECT_EQ(field(out[0], "SYSLOG_IDENTIFIER"), "sh");
  EXPECT_EQ(field(err[0], "MESSAGE"), "to-err");
  EXPECT_EQ(field(err[0], "PRIORITY"), "3");
  EXPECT_EQ(read_file(sandbox_.file("stdout")), "to-out\n");
  EXPECT_EQ(read_file(sandbox_.file("stderr")), "to-err\n");
}

// Where there is no systemd (this test host: PID 1 is not systemd), --transport stream
// says why it cannot be used and the companion carries on with the native transport:
// nothing is lost and every field is there.
TEST_F(CompanionTest, StreamTransportFallsBackToNativeWithoutSystemd) {
  if (::access("/run/systemd/system", F_OK) == 0) GTEST_SKIP() << "this host runs systemd; see tests/systemd";
  RunResult r = run(pipe_args({"--transport", "stream", "--field", "CASE=fallback", "--sandbox", sandbox_.path(),
                               "--", "/bin/sh", "-c", "echo to-out; echo to-err >&2"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--transport stream unavailable (systemd is not the init system (no /run/systemd/system)); "
                       "using the native transport"),
            std::string::npos)
      << r.err;
  auto out = entries(1, {"STREAM=STDOUT"});
  auto err = entries(1, {"STREAM=STDERR"});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(field(out[0], "MESSAGE"), "to-out");
  EXPECT_EQ(field(out[0], "CASE"), "fallback");
  EXPECT_EQ(field(err[0], "MESSAGE"), "to-err");
  EXPECT_EQ(read_file(sandbox_.file("stdout")), "to-out\n");
}

TEST_F(CompanionTest, CommandKilledBySignalGives128PlusSignal) {
  RunResult r = run(pipe_args({"--", "/bin/sh", "-c", "echo bye; kill -9 $$"}));
  EXPECT_EQ(r.exit_code, 128 + 9) << r.err;
  EXPECT_EQ(entries(1).size(), 1u);
}

TEST_F(CompanionTest, MissingCommandGives127) {
  RunResult r = run(pipe_args({"--", "/nonexistent/cmd"}));
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("cannot run /nonexistent/cmd"), std::string::npos) << r.err;
}

TEST_F(CompanionTest, SigtermIsForwardedToTheCommand) {
  TempDir dir;
  std::string ready = dir.file("ready");
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t pid = spawn(pipe_args({"--", "/bin/sh", "-c",
                               "trap 'echo got-term; exit 5' TERM; touch " + ready + "; while :; do sleep 0.05; done"}),
                    {{1, out[1]}});
  ::close(out[1]);
  for (int i = 0; i < 200 && ::access(ready.c_str(), F_OK) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid), 5);
  ::close(out[0]);
  auto es = entries(1);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(field(es[0], "MESSAGE"), "got-term");
}

TEST_F(CompanionTest, InheritedFdsCarryBothStreams) {
  int out[2], err[2];
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::pipe(err), 0);
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3", "--stderr-fd", "4", "-t", "task", "--sandbox", sandbox_.path()}),
                    {{3, out[0]}, {4, err[0]}});
  ::close(out[0]);
  ::close(err[0]);
  std::string o = "o1\no2\n", e = "e1\n";
  ASSERT_EQ(::write(out[1], o.data(), o.size()), static_cast<ssize_t>(o.size()));
  ASSERT_EQ(::write(err[1], e.data(), e.size()), static_cast<ssize_t>(e.size()));
  ::close(out[1]);
  ::close(err[1]);
  EXPECT_EQ(wait_exit(pid), 0);
  auto so = entries(2, {"STREAM=STDOUT"});
  auto se = entries(1, {"STREAM=STDERR"});
  ASSERT_EQ(so.size(), 2u);
  ASSERT_EQ(se.size(), 1u);
  EXPECT_EQ(field(so[1], "MESSAGE"), "o2");
  EXPECT_EQ(field(se[0], "MESSAGE"), "e1");
  EXPECT_EQ(field(se[0], "SYSLOG_IDENTIFIER"), "task");
  EXPECT_EQ(read_file(sandbox_.file("stdout")), o);
  EXPECT_EQ(read_file(sandbox_.file("stderr")), e);
}

TEST_F(CompanionTest, PromptWithoutNewlineIsFlushedWhenIdle) {
  RunningCompanion c = start_companion({"--flush-partial-after", "200ms"});
  ASSERT_EQ(::write(c.task.get(), "Password: ", 10), 10);
  auto es = entries(1);
  ASSERT_EQ(es.size(), 1u) << "the prompt was not flushed while the pipe stayed open";
  EXPECT_EQ(field(es[0], "MESSAGE"), "Password: ");
  EXPECT_EQ(field(es[0], "CONTAINER_PARTIAL_MESSAGE"), "true");
  EXPECT_EQ(field(es[0], "CONTAINER_PARTIAL_ORDINAL"), "1");
  ASSERT_EQ(::write(c.task.get(), "ok\n", 3), 3);
  EXPECT_EQ(c.finish(), 0);
  es = entries(2);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(field(es[1], "MESSAGE"), "ok");
  EXPECT_EQ(field(es[1], "CONTAINER_PARTIAL_LAST"), "true");
  EXPECT_EQ(field(es[1], "CONTAINER_PARTIAL_ID"), field(es[0], "CONTAINER_PARTIAL_ID"));
}

TEST_F(CompanionTest, SigtermDrainsWhatThePipeHoldsAndExitsZero) {
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::fcntl(in[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
  // Fill the pipe before the companion runs, so that SIGTERM finds it full.
  std::string data;
  for (int i = 0; i < 5000; ++i) data += "queued " + std::to_string(i) + "\n";
  ASSERT_EQ(::write(in[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(::write(in[1], "partial", 7), 7);
  // No idle flush: on a slow machine "partial" could otherwise go out as a partial piece
  // before SIGTERM, and the drain would close it with a second, empty piece.
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3", "--flush-partial-after", "0"}), {{3, in[0]}});
  ::close(in[0]);
  ASSERT_GE(entries(1).size(), 1u);  // running, with its signal handling in place
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid), 0);
  auto es = entries(5001);
  ASSERT_EQ(es.size(), 5001u);
  // Every line once, in order, and the unterminated tail as the last entry.
  for (std::size_t i = 0; i < 5000; ++i) ASSERT_EQ(field(es[i], "MESSAGE"), "queued " + std::to_string(i));
  EXPECT_EQ(field(es[5000], "MESSAGE"), "partial");
  EXPECT_TRUE(journald_->entries({"TEST_RUN=" + run_id_}, 5002, std::chrono::milliseconds(300)).size() == 5001u)
      << "more entries than were written";
  ::close(in[1]);
}

// Files only (--no-journal) on an inherited pipe, as the module starts it: the
// companion waits a moment after a small read (StreamPump's kGatherNs). Every byte of a
// task writing a line per write() still lands in the files, in order, across rotations,
// and the unterminated tail too.
TEST_F(CompanionTest, FilesOnlyKeepsEveryByteOfManySmallWritesAcrossRotations) {
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  pid_t pid = spawn({pipe_binary(), "--no-journal", "--sandbox", sandbox_.path(), "--stdout-fd", "3",
                     "--max-file-size", "64K", "--max-files", "20"},
                    {{3, in[0]}});
  ::close(in[0]);
  std::string all;
  for (int i = 0; i < 30000; ++i) {
    std::string l = "line " + std::to_string(i) + (i % 7 == 0 ? " with a little more text in it" : "") + "\n";
    ASSERT_EQ(::write(in[1], l.data(), l.size()), static_cast<ssize_t>(l.size()));
    all += l;
    if (i % 5000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the pipe runs dry
  }
  ASSERT_EQ(::write(in[1], "tail", 4), 4);
  all += "tail";
  ::close(in[1]);
  EXPECT_EQ(wait_exit(pid), 0);
  // Oldest first: stdout.N .. stdout.1, then stdout.
  std::string got;
  int rotated = 0;
  while (std::filesystem::exists(sandbox_.file("stdout." + std::to_string(rotated + 1)))) ++rotated;
  ASSERT_GE(rotated, 5) << "the files did not rotate";
  ASSERT_LT(rotated, 20) << "a rotated file may have been removed";
  for (int k = rotated; k >= 1; --k) got += read_file(sandbox_.file("stdout." + std::to_string(k)));
  got += read_file(sandbox_.file("stdout"));
  EXPECT_EQ(got.size(), all.size());
  EXPECT_TRUE(got == all) << "the files differ from what was written";
}

// SIGTERM while the companion waits for more input (files only) ends the wait and the
// run at once, with what was written in the file.
TEST_F(CompanionTest, FilesOnlySigtermWhileWaitingForInputExitsZeroWithEverything) {
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  pid_t pid = spawn({pipe_binary(), "--no-journal", "--sandbox", sandbox_.path(), "--stdout-fd", "3"}, {{3, in[0]}});
  ::close(in[0]);
  std::string all;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  // Keep it busy with small writes until the first of them is in the file, so that the
  // signal finds it between a small read and the next.
  auto empty = [&] {
    std::error_code ec;
    return std::filesystem::file_size(sandbox_.file("stdout"), ec) == 0 || ec;
  };
  for (int i = 0; empty() && std::chrono::steady_clock::now() < deadline; ++i) {
    std::string l = "w" + std::to_string(i) + "\n";
    ASSERT_EQ(::write(in[1], l.data(), l.size()), static_cast<ssize_t>(l.size()));
    all += l;
  }
  for (int i = 0; i < 100; ++i) {
    std::string l = "x" + std::to_string(i) + "\n";
    ASSERT_EQ(::write(in[1], l.data(), l.size()), static_cast<ssize_t>(l.size()));
    all += l;
  }
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid), 0);
  EXPECT_EQ(read_file(sandbox_.file("stdout")), all);
  ::close(in[1]);
}

// A pod task's container: the task writes before the default executor has linked it to
// its task; every entry still carries TASK_ID, and TASK_NAME from the agent's checkpoint.
TEST_F(CompanionTest, PodTaskOutputWaitsForTheExecutorsLinkAndCarriesTheTaskId) {
  TempDir run;  // the executor's run sandbox, and the agent's checkpoint of its tasks
  std::filesystem::create_directories(run.file("containers/child"));
  std::filesystem::create_directories(run.file("meta/tasks/web.1"));
  std::string task = "\x0a\x03web\x12\x07\x0a\x05web.1";  // mesos.Task{name, task_id{value}}
  std::uint32_t size = static_cast<std::uint32_t>(task.size());
  write_file(run.file("meta/tasks/web.1/task.info"), std::string(reinterpret_cast<char*>(&size), 4) + task);
  RunningCompanion c = start_companion({"--field", "CONTAINER_ID=parent.child", "--pod-task-links", run.file("tasks"),
                                        "--pod-container", "child", "--pod-task-meta", run.file("meta"), "--sandbox",
                                        run.file("containers/child")});
  write_lines(c.task.get(), 0, 100);  // before the link exists
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(journald_->entries({"TEST_RUN=" + run_id_}, 0, std::chrono::milliseconds(10)).empty())
      << "entries went out before the task was known";
  std::filesystem::create_directory(run.file("tasks"));
  std::filesystem::create_symlink(run.file("containers/child"), run.file("tasks/web.1"));
  write_lines(c.task.get(), 100, 200);
  EXPECT_EQ(c.finish(), 0) << c.err();
  auto es = entries(200);
  ASSERT_EQ(es.size(), 200u);
  for (std::size_t i = 0; i < es.size(); ++i) {
    EXPECT_EQ(field(es[i], "MESSAGE"), "n" + std::to_string(i));
    EXPECT_EQ(field(es[i], "TASK_ID"), "web.1");
    EXPECT_EQ(field(es[i], "TASK_NAME"), "web");
  }
  EXPECT_EQ(read_file(run.file("containers/child/stdout")).size(), lines_size(0, 200));
}

// No link within --pod-task-wait (a nested container not launched by the default
// executor): the output goes out without TASK_ID, and the companion says why.
TEST_F(CompanionTest, PodTaskWithoutALinkGoesOutAfterTheWaitWithoutTaskId) {
  TempDir executor_sandbox;
  RunResult r = run(pipe_args({"--pod-task-links", executor_sandbox.file("tasks"), "--pod-container", "child",
                                               "--pod-task-wait", "200ms"}),
                  "a\nb\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no task links to container child"), std::string::npos) << r.err;
  auto es = entries(2);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(field(es[0], "TASK_ID"), "<missing>");
}

TEST_F(CompanionTest, UsageErrorExitsTwoBeforeDoingAnything) {
  RunResult r = run(pipe_args({"--field", "_HOSTNAME=spoof"}), "x\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("_HOSTNAME"), std::string::npos) << r.err;
  EXPECT_TRUE(journald_->entries({"TEST_RUN=" + run_id_}, 0, std::chrono::milliseconds(300)).empty());
}

}  // namespace
}  // namespace mj::test

namespace mj::test {
namespace {

TEST_F(CompanionTest, UserOptionDropsPrivilegesBeforeTouchingTheSandbox) {
  // A sandbox that belongs to the unprivileged user, as Mesos chowns a task's sandbox.
  ASSERT_EQ(::chmod(sandbox_.path().c_str(), 0755), 0);
  std::string box = sandbox_.file("task");
  ASSERT_EQ(::mkdir(box.c_str(), 0755), 0);
  ASSERT_EQ(::chown(box.c_str(), 65534, 65534), 0);
  RunResult r = run(pipe_args({"--user", "nobody", "--sandbox", box, "--", "/bin/sh", "-c", "id -u; echo e >&2"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st{};
  ASSERT_EQ(::stat((box + "/stdout").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(read_file(box + "/stdout"), "65534\n");  // the command runs as the user too
  auto es = entries(2);
  ASSERT_EQ(es.size(), 2u);
  for (const auto& e : es) EXPECT_EQ(field(e, "_UID"), "65534");
}

// The companion itself, after --user: every uid and gid the user's, the user's groups
// only (not the caller's), no capability left to regain root with, and not dumpable
// (no ptrace or /proc/<pid>/mem by the task it now shares a uid with).
TEST_F(CompanionTest, UserOptionLeavesNoWayBackToRoot) {
  // Groups the caller has and nobody has not, so that keeping them shows.
  const gid_t callers_groups[] = {4, 27, 100};
  ASSERT_EQ(::setgroups(3, callers_groups), 0);
  RunningCompanion c = start_companion({"--user", "nobody"});
  write_lines(c.task.get(), 0, 1);
  ASSERT_EQ(entries(1).size(), 1u);  // it has dropped: journald saw it as the user
  std::map<std::string, std::string> status;
  {
    std::ifstream in_status("/proc/" + std::to_string(c.pid) + "/status");
    for (std::string line; std::getline(in_status, line);) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      status[line.substr(0, colon)] = value;
    }
  }
  EXPECT_EQ(status["Uid"], "65534\t65534\t65534\t65534");
  EXPECT_EQ(status["Gid"], "65534\t65534\t65534\t65534");
  gid_t groups[64];
  int n = 64;
  ASSERT_GE(::getgrouplist("nobody", 65534, groups, &n), 0);
  std::ostringstream expected;
  std::vector<gid_t> sorted(groups, groups + n);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (gid_t g : sorted) expected << g << ' ';
  std::istringstream shown(status["Groups"]);
  std::vector<gid_t> got;
  for (gid_t g; shown >> g;) got.push_back(g);
  std::sort(got.begin(), got.end());
  std::ostringstream actual;
  for (gid_t g : got) actual << g << ' ';
  EXPECT_EQ(actual.str(), expected.str()) << "supplementary groups after --user nobody";
  for (const char* caps : {"CapInh", "CapPrm", "CapEff", "CapAmb"})
    EXPECT_EQ(status[caps], "0000000000000000") << caps;
  // A process that is not dumpable has its private /proc files (not the directory)
  // owned by root.
  struct stat st{};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(c.pid) + "/environ").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u) << "the companion is dumpable";
  EXPECT_EQ(c.finish(), 0);
}

TEST_F(CompanionTest, UserWithoutAccessToTheSandboxIsAClearStartupError) {
  std::string box = sandbox_.file("root-only");
  ASSERT_EQ(::mkdir(box.c_str(), 0700), 0);
  RunResult r = run(pipe_args({"--user", "nobody", "--sandbox", box}), "x\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot open sandbox directory"), std::string::npos) << r.err;
  RunResult unknown = run(pipe_args({"--user", "no-such-user-xyz"}), "x\n");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no such user"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace mj::test
