// journald absent or restarting: the companion holds output and delivers it later.
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "companion_fixture.h"

namespace mj::test {
namespace {

void write_lines(int fd, int from, int to) {
  for (int i = from; i < to; ++i) {
    std::string l = "n" + std::to_string(i) + "\n";
    ASSERT_EQ(::write(fd, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }
}

void expect_sequence(const std::vector<JournalEntry>& es, int n) {
  ASSERT_EQ(es.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(field(es[static_cast<std::size_t>(i)], "MESSAGE"), "n" + std::to_string(i));
}

TEST_F(CompanionTest, JournaldAbsentAtStartGetsEverythingOnceItIsUp) {
  journald_->stop(SIGTERM);
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  std::string err_log = sandbox_.file("companion.err");
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3"}), {{3, in[0]}}, err_log);
  ::close(in[0]);
  write_lines(in[1], 0, 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  journald_->start();
  write_lines(in[1], 1000, 2000);
  ::close(in[1]);
  EXPECT_EQ(wait_exit(pid), 0);
  expect_sequence(entries(2000), 2000);
  std::string err = read_file(err_log);
  EXPECT_NE(err.find("unavailable"), std::string::npos) << err;
  EXPECT_NE(err.find("available again"), std::string::npos) << err;
}

TEST_F(CompanionTest, JournaldRestartWhileIdleLosesNothing) {
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3"}), {{3, in[0]}});
  ::close(in[0]);
  write_lines(in[1], 0, 500);
  ASSERT_EQ(entries(500).size(), 500u);
  journald_->stop(SIGKILL);
  write_lines(in[1], 500, 1000);  // held while journald is down
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  journald_->start();
  write_lines(in[1], 1000, 1500);
  ::close(in[1]);
  EXPECT_EQ(wait_exit(pid), 0);
  expect_sequence(entries(1500), 1500);
}

TEST_F(CompanionTest, SigtermWhileJournaldIsAwayGivesUpAfterTheDrainTimeoutAndSaysWhat) {
  journald_->stop(SIGTERM);
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  std::string err_log = sandbox_.file("companion.err");
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3", "--drain-timeout", "300ms", "--sandbox", sandbox_.path()}),
                    {{3, in[0]}}, err_log);
  ::close(in[0]);
  write_lines(in[1], 0, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid), 1);
  std::string err = read_file(err_log);
  EXPECT_NE(err.find("could not be delivered to journald"), std::string::npos) << err;
  // The sandbox copy has every byte regardless.
  EXPECT_EQ(read_file(sandbox_.file("stdout")).size(), std::string("n0\nn1\nn2\nn3\nn4\nn5\nn6\nn7\nn8\nn9\n").size());
  ::close(in[1]);
}

}  // namespace
}  // namespace mj::test
