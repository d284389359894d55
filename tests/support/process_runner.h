// Runs a program for tests: feeds its stdin, collects stdout and stderr, returns its
// exit status; or starts it with chosen fds and leaves the rest to the test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace mj::test {

struct RunResult {
  int exit_code = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

RunResult run(const std::vector<std::string>& argv, const std::string& input = "");

// Starts argv with fd `to` in the child refering to `from` in this process, for each
// pair; all other fds except 0-2 are closed. stdin is /dev/null, stderr goes to
// stderr_path when given.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::pair<int, int>>& fd_map,
            const std::string& stderr_path = "");

// Waits for pid; exit status or 128 + signal.
int wait_exit(pid_t pid);

// The companion under test, as built by CMake.
std::string pipe_binary();

}  // namespace mj::test
