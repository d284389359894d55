#include "core/files/file_reaper.h"

#include <pthread.h>
#include <sched.h>

#include <system_error>

namespace mj {

FileReaper::~FileReaper() {
  // The exit must not wait for idle time on a busy machine: what is still queued closes
  // here, and the thread is back at normal priority for the batch it may be closing.
  std::vector<UniqueFd> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    left = std::move(queue_);
    queue_.clear();
  }
  wake_.notify_one();
  if (worker_.joinable()) {
    struct sched_param param{};
    (void)::pthread_setschedparam(worker_.native_handle(), SCHED_OTHER, &param);
  }
  left.clear();
  if (worker_.joinable()) worker_.join();
}

void FileReaper::close_later(UniqueFd fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (backlog_ >= kMaxBacklog) return;  // fd closes here, on the caller's thread
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
    ++backlog_;
  }
  wake_.notify_one();
}

void FileReaper::run() {
  // Best effort: where the policy cannot be set the thread runs as before.
  struct sched_param param{};
  (void)::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &param);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    std::vector<UniqueFd> batch = std::move(queue_);
    queue_.clear();
    const bool stop = stopping_;
    lock.unlock();
    const std::size_t closed = batch.size();
    batch.clear();  // the close()s, and with them the freeing, happen here
    lock.lock();
    backlog_ -= closed;
    if (stop && queue_.empty()) return;
  }
}

}  // namespace mj
