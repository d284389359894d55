#include "core/journald/sent_ring.h"

#include <fstream>

#include "core/entry/native_encoding.h"

namespace mj {

void SentRing::push(const struct iovec* iov, int iovcnt) {
  if (max_entries_ == 0) return;
  std::size_t size = iov_size(iov, iovcnt);
  if (size > max_bytes_) {
    clear();  // cannot be kept; what came before it is no longer the tail either
    return;
  }
  while (!entries_.empty() && (entries_.size() >= max_entries_ || bytes_ + size > max_bytes_)) {
    bytes_ -= entries_.front().size();
    entries_.pop_front();
  }
  bytes_ += size;
  entries_.push_back(join_iov(iov, iovcnt));
}

std::size_t SentRing::newest_within(std::size_t bytes) const {
  std::size_t n = 0, sum = 0;
  for (auto it = entries_.rbegin(); it != entries_.rend() && sum + it->size() <= bytes; ++it, ++n) sum += it->size();
  return n;
}

void SentRing::clear() {
  entries_.clear();
  bytes_ = 0;
}

std::size_t SentRing::kernel_queue_length() {
  std::ifstream in("/proc/sys/net/unix/max_dgram_qlen");
  std::size_t n = 0;
  if (in >> n && n > 0) return n;
  return 10;
}

}  // namespace mj
