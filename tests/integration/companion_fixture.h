// Shared fixture: a private journald namespace and helpers to run the companion against it.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/base/unique_fd.h"
#include "journald_instance.h"
#include "process_runner.h"
#include "temp_dir.h"

namespace mj::test {

// Writes lines "n<from>" .. "n<to - 1>", one write() each.
inline void write_lines(int fd, int from, int to) {
  for (int i = from; i < to; ++i) {
    std::string l = "n" + std::to_string(i) + "\n";
    ASSERT_EQ(::write(fd, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }
}

// A companion started by CompanionTest::start_companion(), reading a task's stdout from a
// pipe whose write end the test holds.
struct RunningCompanion {
  pid_t pid = -1;
  UniqueFd task;        // the task's end of the pipe
  std::string err_log;  // the companion's stderr

  // The task ends (its end of the pipe closes); the companion's exit status.
  int finish() {
    task.reset();
    return wait_exit(pid);
  }
  std::string err() const { return read_file(err_log); }
};

class CompanionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = journald_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << why;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string hint = info->name();
    hint = hint.substr(0, 16);
    for (char& c : hint)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    journald_ = std::make_unique<JournaldInstance>(hint);
    run_id_ = journald_->name();
    for (char& c : run_id_)
      if (c == '-') c = '_';
  }

  // A failed test shows what its companion said (start_companion() writes it to a file).
  void TearDown() override {
    const std::string err_log = sandbox_.file("companion.err");
    if (HasFailure() && ::access(err_log.c_str(), R_OK) == 0)
      std::printf("the companion's stderr (%s):\n%s\n", err_log.c_str(), read_file(err_log).c_str());
  }

  // The companion on this test's journald and tag, reading the task's stdout from a new
  // pipe (--stdout-fd 3), with `extra` flags; its stderr goes to the sandbox's
  // companion.err.
  RunningCompanion start_companion(const std::vector<std::string>& extra = {}) {
    RunningCompanion c;
    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2: " << std::strerror(errno);
      return c;
    }
    UniqueFd companion_end(in[0]);
    c.task.reset(in[1]);
    c.err_log = sandbox_.file("companion.err");
    std::vector<std::string> args = {"--stdout-fd", "3"};
    args.insert(args.end(), extra.begin(), extra.end());
    c.pid = spawn(pipe_args(args), {{3, companion_end.get()}}, c.err_log);
    return c;
  }

  // The companion's argv with the namespace and a field that tags this test's entries.
  std::vector<std::string> pipe_args(std::vector<std::string> extra) const {
    std::vector<std::string> args = {pipe_binary(), "--namespace", journald_->name(), "--field", "TEST_RUN=" + run_id_};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // The whole namespace's journal, and what a list of matches finds, as they are now.
  auto read_all() const {
    return [this] { return journald_->entries({}, 0, std::chrono::milliseconds(0)); };
  }
  auto finder() const {
    return [this](const std::vector<std::string>& matches) {
      return journald_->entries(matches, 0, std::chrono::milliseconds(0));
    };
  }

  std::vector<JournalEntry> entries(std::size_t at_least, std::vector<std::string> more_matches = {}) const {
    more_matches.push_back("TEST_RUN=" + run_id_);
    return journald_->entries(more_matches, at_least);
  }

  std::unique_ptr<JournaldInstance> journald_;
  std::string run_id_;
  TempDir sandbox_;
};

}  // namespace mj::test
