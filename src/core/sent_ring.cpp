#include "core/sent_ring.h"

#include <fstream>

namespace mj {

void SentRing::push(const struct iovec* iov, int iovcnt) {
  if (max_entries_ == 0) return;
  std::string entry;
  std::size_t size = 0;
  for (int i = 0; i < iovcnt; ++i) size += iov[i].iov_len;
  if (size > max_bytes_) {
    clear();  // cannot be kept; what came before it is no longer the tail either
    return;
  }
  entry.reserve(size);
  for (int i = 0; i < iovcnt; ++i) entry.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  while (!entries_.empty() && (entries_.size() >= max_entries_ || bytes_ + size > max_bytes_)) {
    bytes_ -= entries_.front().size();
    entries_.pop_front();
  }
  bytes_ += size;
  entries_.push_back(std::move(entry));
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
