// Lets go of removed files on a thread of its own.
//
// Removing a large file costs its filesystem the freeing of all its blocks (about 0.7 ms
// per 10 MiB on ext4 here), and that work happens when the last reference to the inode
// goes, not at unlink(). A rotating sandbox file holds the oldest file with an O_PATH
// descriptor, unlinks it (a few µs) and hands the descriptor over, so the freeing runs
// beside the data path instead of stalling a fast writer at every rotation.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/base/unique_fd.h"

namespace mj {

class FileReaper {
 public:
  FileReaper() = default;
  // Closes whatever is still queued before returning.
  ~FileReaper();
  FileReaper(const FileReaper&) = delete;
  FileReaper& operator=(const FileReaper&) = delete;

  // The thread starts at the first call; if it cannot be started, fd is closed here.
  void close_later(UniqueFd fd);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<UniqueFd> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace mj
