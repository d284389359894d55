// Lets go of removed files on a thread of its own.
//
// Removing a large file costs its filesystem the freeing of all its blocks (about 0.7 ms
// per 10 MiB on ext4 here), and that work happens when the last reference to the inode
// goes, not at unlink(). A rotating sandbox file holds the oldest file with an O_PATH
// descriptor, unlinks it (a few µs) and hands the descriptor over, so the freeing runs
// beside the data path instead of stalling a fast writer at every rotation.
//
// The thread runs under SCHED_IDLE: the freeing is nobody's critical path, and at normal
// priority it took CPU from the task itself on a small machine (files only, 300,000
// lines of 1 KiB with 10 MiB files: about 80 ms of page-cache freeing in a 0.5 s run).
// A removed file holds its disk space until it is closed, so the backlog is bounded: with
// kMaxBacklog files still waiting, the caller closes the next one itself, as if there were
// no reaper, and a machine too busy to give the thread any time loses nothing but speed.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "core/base/unique_fd.h"

namespace mj {

class FileReaper {
 public:
  FileReaper() = default;
  // Closes whatever is still queued before returning, on the caller's thread.
  ~FileReaper();
  FileReaper(const FileReaper&) = delete;
  FileReaper& operator=(const FileReaper&) = delete;

  static constexpr std::size_t kMaxBacklog = 2;

  // The thread starts at the first call; if it cannot be started, or kMaxBacklog
  // descriptors are still waiting, fd is closed here.
  void close_later(UniqueFd fd);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<UniqueFd> queue_;
  std::size_t backlog_ = 0;  // queued or being closed
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace mj
