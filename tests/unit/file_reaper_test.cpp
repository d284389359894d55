#include "core/files/file_reaper.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
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

// A TCP connection over loopback whose close() blocks for linger_s: its peer never reads,
// both buffers are full and SO_LINGER makes close() wait for the data to go out.
UniqueFd lingering_socket(int linger_s, UniqueFd& listener, UniqueFd& peer) {
  listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (!listener || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), len) < 0 ||
      ::listen(listener.get(), 1) < 0 || ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) < 0)
    return UniqueFd();
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int small = 4096;
  (void)::setsockopt(s.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  if (!s || ::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), len) < 0) return UniqueFd();
  peer.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!peer) return UniqueFd();
  (void)::fcntl(s.get(), F_SETFL, O_NONBLOCK);
  char buf[4096] = {};
  while (::send(s.get(), buf, sizeof buf, MSG_NOSIGNAL) > 0) {
  }
  (void)::fcntl(s.get(), F_SETFL, 0);
  struct linger l = {1, linger_s};
  if (::setsockopt(s.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0) return UniqueFd();
  return s;
}

// The scheduling policy of each of this process's threads (field 41 of /proc/.../stat).
std::vector<int> thread_policies() {
  std::vector<int> out;
  DIR* d = ::opendir("/proc/self/task");
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/stat");
    std::string line;
    std::getline(f, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));  // field 3 onwards
    std::string field;
    for (int i = 3; i <= 41 && rest >> field; ++i)
      if (i == 41) out.push_back(std::stoi(field));
  }
  ::closedir(d);
  return out;
}

TEST(FileReaper, ClosesOnTheCallersThreadOnceTheBacklogIsFull) {
  UniqueFd listener, peer;
  UniqueFd slow = lingering_socket(10, listener, peer);
  ASSERT_TRUE(slow) << "no loopback TCP to stall the reaper with";
  std::vector<UniqueFd> read_ends;
  {
    FileReaper reaper;
    reaper.close_later(std::move(slow));  // the reaper's close() of it blocks
    // kMaxBacklog - 1 more wait behind it; the one after that cannot.
    for (std::size_t i = 0; i < FileReaper::kMaxBacklog; ++i) {
      int fds[2];
      ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
      read_ends.emplace_back(fds[0]);
      reaper.close_later(UniqueFd(fds[1]));
    }
    EXPECT_TRUE(closed_within(read_ends.back().get(), 0)) << "closed before close_later() returned";
    peer.reset();  // the peer's reset ends the lingering close()
  }
  for (UniqueFd& r : read_ends) EXPECT_TRUE(closed_within(r.get(), 0));
}

TEST(FileReaper, ClosesOnAnIdlePriorityThreadWithoutWaitingForDestruction) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]);
  FileReaper reaper;
  reaper.close_later(UniqueFd(fds[1]));
  ASSERT_TRUE(closed_within(read_end.get(), 10000));
  std::vector<int> policies = thread_policies();
  EXPECT_EQ(std::count(policies.begin(), policies.end(), SCHED_IDLE), 1) << "threads: " << policies.size();
}

}  // namespace
}  // namespace mj
