#include "core/files/file_reaper.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

namespace mj {
namespace {

// The write end of a pipe stands in for a removed file: the read end sees EOF once the
// reaper has closed it.
bool closed_within(int read_end, int timeout_ms) {
  struct pollfd p = {read_end, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  return ::read(read_end, &c, 1) == 0;
}

TEST(FileReaper, ClosesOnItsOwnThreadWithoutWaitingForDestruction) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]);
  FileReaper reaper;
  reaper.close_later(UniqueFd(fds[1]));
  EXPECT_TRUE(closed_within(read_end.get(), 10000));
}

TEST(FileReaper, DestructionClosesEverythingStillQueued) {
  std::vector<UniqueFd> read_ends;
  {
    FileReaper reaper;
    for (int i = 0; i < 50; ++i) {
      int fds[2];
      ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
      read_ends.emplace_back(fds[0]);
      reaper.close_later(UniqueFd(fds[1]));
    }
  }
  for (UniqueFd& r : read_ends) EXPECT_TRUE(closed_within(r.get(), 0));
}

}  // namespace
}  // namespace mj
