// journald absent or restarting: the companion holds output and delivers it later.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "companion_fixture.h"

namespace mj::test {
namespace {

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

// A read-back that sees none of what the dead journald stored (here its files are moved
// away before the new one starts; in production a file journald replaced as it started,
// or files the companion may not read) is not loss: more is missing than journald could
// have taken, so nothing is sent a second time and the risk is reported instead.
TEST_F(CompanionTest, AReadBackThatMissesTheOldFilesSendsNothingTwice) {
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  std::string err_log = sandbox_.file("companion.err");
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3"}), {{3, in[0]}}, err_log);
  ::close(in[0]);
  write_lines(in[1], 0, 500);
  ASSERT_EQ(entries(500).size(), 500u);
  // One more line once journald has read the rest: the companion's bound is what
  // journald had not read right after its last send.
  write_lines(in[1], 500, 501);
  ASSERT_EQ(entries(501).size(), 501u);
  journald_->stop(SIGKILL);
  const std::string moved = journald_->directory() + ".moved";
  std::filesystem::rename(journald_->directory(), moved);
  journald_->start();
  write_lines(in[1], 501, 600);
  ::close(in[1]);
  EXPECT_EQ(wait_exit(pid), 0);
  std::filesystem::remove_all(moved);
  auto es = entries(99);
  ASSERT_EQ(es.size(), 99u) << "entries the old journal had were sent again";
  for (int i = 0; i < 99; ++i) EXPECT_EQ(field(es[static_cast<std::size_t>(i)], "MESSAGE"), "n" + std::to_string(501 + i));
  std::string err = read_file(err_log);
  EXPECT_NE(err.find("cannot check"), std::string::npos) << err;
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

namespace mj::test {
namespace {

TEST_F(CompanionTest, DropModeNeverBlocksTheContainerAndAccountsForEveryLine) {
  int in[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  std::string err_log = sandbox_.file("companion.err");
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3", "--overflow", "drop", "--buffer-size", "64K", "--sandbox",
                               sandbox_.path(), "--drain-timeout", "20s"}),
                    {{3, in[0]}}, err_log);
  ::close(in[0]);
  ASSERT_EQ(entries(0, {}).size(), 0u);
  journald_->pause();  // journald stops reading its socket: the companion cannot send
  const int n = 20000;
  auto start = std::chrono::steady_clock::now();
  write_lines(in[1], 0, n);  // would block for good in block mode
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(10));
  journald_->resume();
  ::close(in[1]);
  EXPECT_EQ(wait_exit(pid), 1);  // something was dropped, and it says so

  // Every line is either in the journal, in order, or counted in a gap entry.
  auto es = journald_->entries({"TEST_RUN=" + run_id_}, 1, std::chrono::seconds(5));
  std::uint64_t delivered = 0, dropped = 0, gaps = 0;
  int last = -1;
  for (const auto& e : es) {
    if (e.count("MESOS_JOURNALD_DROPPED_ENTRIES")) {
      dropped += std::stoull(field(e, "MESOS_JOURNALD_DROPPED_ENTRIES"));
      ++gaps;
      EXPECT_EQ(field(e, "PRIORITY"), "4");
      continue;
    }
    int i = std::stoi(field(e, "MESSAGE").substr(1));
    EXPECT_GT(i, last) << "reordered";
    last = i;
    ++delivered;
  }
  EXPECT_GE(gaps, 1u);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(delivered + dropped, static_cast<std::uint64_t>(n));
  // The sandbox copy has every byte regardless.
  std::string all;
  for (int i = 0; i < n; ++i) all += "n" + std::to_string(i) + "\n";
  EXPECT_TRUE(read_file(sandbox_.file("stdout")) == all);
  std::string err = read_file(err_log);
  EXPECT_NE(err.find("dropping entries"), std::string::npos) << err;
  EXPECT_NE(err.find("were dropped under --overflow drop"), std::string::npos) << err;
}

}  // namespace
}  // namespace mj::test

namespace mj::test {
namespace {

// A standalone journald that dies loses the datagrams queued on its socket. The
// companion reads the journal back, finds what is missing and sends it again.
TEST_F(CompanionTest, JournaldKilledMidStreamEveryLineArrivesExactlyOnceInOrder) {
  int in[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  std::string err_log = sandbox_.file("companion.err");
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3"}), {{3, in[0]}}, err_log);
  ::close(in[0]);
  // The task keeps writing until both kills are over, so that the companion is always
  // in the middle of the stream when journald dies. Paced, so that the stream does not
  // outgrow the test's reading of the journal: under the sanitizers that reading is
  // slow, and at the unsanitized pace the writer had written 3 to 5 million lines
  // before the second kill, and the test timed out.
#ifdef MJ_SANITIZED
  constexpr int kLinesPerPause = 10;  // about 5,000 lines a second
#else
  constexpr int kLinesPerPause = 500;
#endif
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop || i < 1000; ++i) {
      std::string l = "n" + std::to_string(i) + "\n";
      if (::write(in[1], l.data(), l.size()) != static_cast<ssize_t>(l.size())) break;
      written = i + 1;
      if (i % kLinesPerPause == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  struct Joiner {
    std::thread& t;
    std::atomic<bool>& stop;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joiner{writer, stop};
  for (int round = 1; round <= 2; ++round) {
    std::size_t seen = entries(static_cast<std::size_t>(round) * 10000).size();
    EXPECT_GE(seen, static_cast<std::size_t>(round) * 10000);
    journald_->stop(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    journald_->start();
  }
  stop = true;
  writer.join();
  ::close(in[1]);
  EXPECT_EQ(wait_exit(pid), 0) << read_file(err_log);
  const int n = written;
  auto es = entries(static_cast<std::size_t>(n));
  std::string err = read_file(err_log);
  EXPECT_EQ(es.size(), static_cast<std::size_t>(n)) << err;
  for (std::size_t i = 0; i < es.size() && i < static_cast<std::size_t>(n); ++i)
    ASSERT_EQ(field(es[i], "MESSAGE"), "n" + std::to_string(i)) << "at " << i << "\n" << err;
  EXPECT_NE(err.find("available again"), std::string::npos) << err;
}

// journald stopped reading (SIGSTOP) while the task writes: the companion fills
// journald's socket queue and waits. SIGKILL then takes the whole queue with it, so the
// companion has to find the gap in the journal and send it again: this test fails if it
// did not (the gap is certain, not left to timing).
TEST_F(CompanionTest, JournaldKilledWithAFullQueueIsCaughtUpByResending) {
  int in[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  std::string err_log = sandbox_.file("companion.err");
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3"}), {{3, in[0]}}, err_log);
  ::close(in[0]);
  write_lines(in[1], 0, 1000);
  ASSERT_EQ(entries(1000).size(), 1000u);
  journald_->pause();
  write_lines(in[1], 1000, 3000);  // 2000 short lines fit in the pipe; the queue fills
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  journald_->stop(SIGKILL);
  journald_->start();
  write_lines(in[1], 3000, 4000);
  ::close(in[1]);
  EXPECT_EQ(wait_exit(pid), 0) << read_file(err_log);
  expect_sequence(entries(4000), 4000);
  std::string err = read_file(err_log);
  EXPECT_NE(err.find("had lost "), std::string::npos) << err;
  EXPECT_NE(err.find("sending them again"), std::string::npos) << err;
  EXPECT_EQ(err.find("are lost"), std::string::npos) << err;
}

// The task ends while journald holds its last lines in its socket queue, and journald is
// then killed: nothing is sent after those lines, so no send finds journald gone. The
// companion waits at exit until journald has taken and stored them (settle()), sees the
// death, and sends them again. Before, it exited 0 at once and the lines were lost
// without a word (found by the soak, tests/soak: the last 155 lines of a stream).
TEST_F(CompanionTest, JournaldKilledHoldingTheLastLinesAfterTheTaskEndedLosesNothing) {
  int in[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  std::string err_log = sandbox_.file("companion.err");
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3"}), {{3, in[0]}}, err_log);
  ::close(in[0]);
  write_lines(in[1], 0, 1000);
  ASSERT_EQ(entries(1000).size(), 1000u);
  journald_->pause();
  write_lines(in[1], 1000, 1500);  // into journald's queue: 500 short lines fit
  ::close(in[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "the companion exited with its last lines unstored";
  journald_->stop(SIGKILL);
  journald_->start();
  EXPECT_EQ(wait_exit(pid), 0) << read_file(err_log);
  expect_sequence(entries(1500), 1500);
  std::string err = read_file(err_log);
  EXPECT_NE(err.find("sending them again"), std::string::npos) << err;
  EXPECT_EQ(err.find("are lost"), std::string::npos) << err;
}

// A companion running as the task's user cannot read the journal files back (0640
// root:systemd-journal). Measured before: it took "not visible" for "lost", reported
// 24011 lost entries and exited 1 although every line was stored. Now it says it cannot
// check, bounds the risk by the socket queue, and keeps exit status 0.
TEST_F(CompanionTest, UnreadableJournalAfterARestartIsReportedAsUncheckedNotAsLoss) {
  int in[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  std::string err_log = sandbox_.file("companion.err");
  ::chmod(sandbox_.path().c_str(), 0755);
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3", "--user", "nobody"}), {{3, in[0]}}, err_log);
  ::close(in[0]);
  write_lines(in[1], 0, 2000);
  ASSERT_EQ(entries(2000).size(), 2000u);  // all stored: the queue is empty when journald dies
  journald_->stop(SIGKILL);
  journald_->start();
  write_lines(in[1], 2000, 4000);
  ::close(in[1]);
  std::string err;
  EXPECT_EQ(wait_exit(pid), 0) << (err = read_file(err_log));
  err = read_file(err_log);
  expect_sequence(entries(4000), 4000);
  EXPECT_NE(err.find("cannot check: no journal file of namespace " + journald_->name() + " is readable by uid 65534"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("may have been lost"), std::string::npos) << err;
  EXPECT_EQ(err.find("are lost"), std::string::npos) << err;
  EXPECT_EQ(err.find("had lost"), std::string::npos) << err;
}

}  // namespace
}  // namespace mj::test
