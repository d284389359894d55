#include "core/files/file_reaper.h"

#include <system_error>

namespace mj {

FileReaper::~FileReaper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (worker_.joinable()) worker_.join();
}

void FileReaper::close_later(UniqueFd fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!worker_.joinable()) {
      try {
        // The thread inherits the caller's signal mask: signals stay with the
        // companion's signalfd.
        worker_ = std::thread([this] { run(); });
      } catch (const std::system_error&) {
        return;  // fd closes here, on the caller's thread
      }
    }
    queue_.push_back(std::move(fd));
  }
  wake_.notify_one();
}

void FileReaper::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    std::vector<UniqueFd> batch = std::move(queue_);
    queue_.clear();
    const bool stop = stopping_;
    lock.unlock();
    batch.clear();  // the close()s, and with them the freeing, happen here
    lock.lock();
    if (stop && queue_.empty()) return;
  }
}

}  // namespace mj
