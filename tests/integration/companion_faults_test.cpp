// The fault matrix of docs/reliability.md that concerns one companion: a full sandbox
// filesystem, a removed sandbox, journald stalled for seconds, and 200 companions at once.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "companion_fixture.h"

namespace mj::test {
namespace {

std::string lines(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "n" + std::to_string(i) + "\n";
  return s;
}

int count_occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// A small tmpfs as the sandbox, unmounted at the end.
class SmallFilesystem {
 public:
  SmallFilesystem(const std::string& path, const char* size) : path_(path) {
    std::filesystem::create_directories(path_);
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, (std::string("size=") + size).c_str()) == 0;
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

TEST_F(CompanionTest, FullSandboxFilesystemKeepsJournaldGoingAndResumesTheFile) {
  std::string box = sandbox_.file("box");
  SmallFilesystem fs(box, "64k");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  write_file(box + "/filler", std::string(40 * 1024, 'f'));
  RunningCompanion c = start_companion({"--sandbox", box});
  write_lines(c.task.get(), 0, 6000);  // ~40 KiB: more than the ~24 KiB left
  ASSERT_EQ(entries(6000).size(), 6000u);
  std::filesystem::remove(box + "/filler");  // space comes back
  // A failing file is retried once a second: one line at a time until the companion
  // says the file works again, then a last hundred.
  int next = 6000;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       c.err().find("works again;") == std::string::npos;) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << c.err();
    write_lines(c.task.get(), next, next + 1);
    ++next;
    ASSERT_EQ(entries(static_cast<std::size_t>(next)).size(), static_cast<std::size_t>(next));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int end = next + 100;
  write_lines(c.task.get(), next, end);
  EXPECT_EQ(c.finish(), 1);  // bytes were lost from the file, and it says so
  // journald got every line.
  auto es = entries(static_cast<std::size_t>(end));
  ASSERT_EQ(es.size(), static_cast<std::size_t>(end));
  EXPECT_EQ(field(es.back(), "MESSAGE"), "n" + std::to_string(end - 1));
  // The file is a prefix of the stream, then, after the outage, its rest: exactly the
  // bytes reported lost are missing, in one gap.
  std::string file = read_file(box + "/stdout");
  std::string all = lines(0, end);
  std::size_t prefix = 0;
  while (prefix < file.size() && file[prefix] == all[prefix]) ++prefix;
  ASSERT_GT(prefix, 1000u);
  const std::size_t suffix = file.size() - prefix;
  EXPECT_EQ(file.substr(prefix), all.substr(all.size() - suffix));
  EXPECT_GE(suffix, lines(next, end).size());
  std::string err = c.err();
  EXPECT_EQ(count_occurrences(err, "No space left on device"), 1) << err;
  EXPECT_EQ(count_occurrences(err, "works again;"), 1) << err;
  const std::string gap = std::to_string(all.size() - file.size()) + " bytes could not be written to the sandbox file";
  EXPECT_NE(err.find(gap), std::string::npos) << "expected '" << gap << "' in\n" << err;
}

TEST_F(CompanionTest, RemovedSandboxDoesNotStopTheJournal) {
  std::string box = sandbox_.file("box");
  std::filesystem::create_directories(box);
  RunningCompanion c = start_companion({"--sandbox", box, "--max-file-size", "4K"});
  write_lines(c.task.get(), 0, 100);
  ASSERT_EQ(entries(100).size(), 100u);
  std::filesystem::remove_all(box);
  write_lines(c.task.get(), 100, 5000);  // rotations now fail
  EXPECT_EQ(c.finish(), 1);
  EXPECT_EQ(entries(5000).size(), 5000u);
  std::string err = c.err();
  EXPECT_LE(count_occurrences(err, "cannot "), 2) << "one message per outage, not one per line:\n" << err;
}

TEST_F(CompanionTest, JournaldStalledForSecondsSlowsTheWriterAndLosesNothing) {
  RunningCompanion c = start_companion();
  journald_->pause();
  std::thread resume([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    journald_->resume();
  });
  auto start = std::chrono::steady_clock::now();
  // 3 MiB: far more than the pipe (grown to 1 MiB) and journald's queue hold, so the
  // writer blocks until journald reads.
  const std::string pad(100, 'x');
  for (int i = 0; i < 30000; ++i) {
    std::string l = "n" + std::to_string(i) + " " + pad + "\n";
    ASSERT_EQ(::write(c.task.get(), l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  resume.join();
  EXPECT_EQ(c.finish(), 0);
  auto es = entries(30000);
  ASSERT_EQ(es.size(), 30000u);
  for (int i = 0; i < 30000; ++i)
    ASSERT_EQ(field(es[static_cast<std::size_t>(i)], "MESSAGE"), "n" + std::to_string(i) + " " + pad);
}

TEST_F(CompanionTest, TwoHundredCompanionsAtOnceLoseNothing) {
  const int companions = 200, per = 500;
  // Each task writes its lines, then blocks reading a line from `release`: every
  // companion is still alive when its peak memory (VmHWM) is read, after all of them
  // have done their work. The FIFO is held open for writing here, so the tasks' opens
  // never block, and the guard lets them go whatever happens to the test.
  const std::string release = sandbox_.file("release");
  ASSERT_EQ(::mkfifo(release.c_str(), 0600), 0);
  struct Release {
    int fd;
    int count;
    void let_go() {
      if (fd < 0) return;
      std::string lines(static_cast<std::size_t>(count), '\n');
      if (::write(fd, lines.data(), lines.size()) < 0) std::perror("release");
      ::close(fd);
      fd = -1;
    }
    ~Release() { let_go(); }
  } release_tasks{::open(release.c_str(), O_RDWR | O_CLOEXEC), companions};
  ASSERT_GE(release_tasks.fd, 0);
  std::vector<pid_t> pids;
  for (int c = 0; c < companions; ++c) {
    std::string script = "i=0; while [ $i -lt " + std::to_string(per) + " ]; do echo \"c" + std::to_string(c) +
                         " $i\"; i=$((i+1)); done; read _ < " + release;
    pids.push_back(spawn(pipe_args({"--field", "COMPANION=" + std::to_string(c), "--", "/bin/sh", "-c", script}), {}));
  }
  auto es = entries(static_cast<std::size_t>(companions * per), {});
  ASSERT_EQ(es.size(), static_cast<std::size_t>(companions * per));
#ifdef MJ_SANITIZED
  const long limit_kib = 64 * 1024;  // shadow memory and quarantine of the sanitizers
#else
  const long limit_kib = 16 * 1024;
#endif
  long max_hwm_kib = 0;
  for (pid_t p : pids) {
    std::ifstream status("/proc/" + std::to_string(p) + "/status");
    std::string key;
    long hwm = -1;
    while (status >> key)
      if (key == "VmHWM:" && status >> hwm) break;
    EXPECT_GT(hwm, 0) << "companion " << p << " is not running";
    EXPECT_LT(hwm, limit_kib) << "KiB: peak resident set of companion " << p;
    max_hwm_kib = std::max(max_hwm_kib, hwm);
  }
  std::printf("largest companion peak resident set (VmHWM): %ld KiB\n", max_hwm_kib);
  release_tasks.let_go();
  for (pid_t p : pids) EXPECT_EQ(wait_exit(p), 0);
  std::vector<int> next(companions, 0);
  for (const auto& e : es) {
    int c = std::stoi(field(e, "COMPANION"));
    ASSERT_EQ(field(e, "MESSAGE"), "c" + std::to_string(c) + " " + std::to_string(next[static_cast<std::size_t>(c)]++));
  }
  for (int c = 0; c < companions; ++c) EXPECT_EQ(next[static_cast<std::size_t>(c)], per) << c;
}

}  // namespace
}  // namespace mj::test

namespace mj::test {
namespace {

// Deliberate: a companion killed with SIGKILL is not replaced. The container's next
// write gets EPIPE (SIGPIPE by default), instead of blocking forever on a pipe nobody
// reads; Mesos then sees the task fail rather than hang.
TEST_F(CompanionTest, KilledCompanionMakesTheWriterSeeEpipe) {
  RunningCompanion c = start_companion();
  write_lines(c.task.get(), 0, 10);
  ASSERT_EQ(entries(10).size(), 10u);
  ::kill(c.pid, SIGKILL);
  EXPECT_EQ(wait_exit(c.pid), 128 + SIGKILL);
  ::signal(SIGPIPE, SIG_IGN);
  EXPECT_EQ(::write(c.task.get(), "x\n", 2), -1);
  EXPECT_EQ(errno, EPIPE);
  c.task.reset();
}

}  // namespace
}  // namespace mj::test
