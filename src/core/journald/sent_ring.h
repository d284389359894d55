// The most recent entries sent to journald, kept so that they can be sent again when
// journald dies with them still queued on its socket.
//
// What a dying journald can take is bounded by the sender (JournalSocket: its send
// buffer, and the datagram journald was storing); the ring keeps that many bytes of the
// newest entries, and at most max_entries of them.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <deque>
#include <string>

namespace mj {

class SentRing {
 public:
  SentRing(std::size_t max_entries, std::size_t max_bytes) : max_entries_(max_entries), max_bytes_(max_bytes) {}

  void push(const struct iovec* iov, int iovcnt);
  void clear();

  std::size_t size() const { return entries_.size(); }
  // How many of the newest kept entries together hold at most `bytes` bytes.
  std::size_t newest_within(std::size_t bytes) const;
  // i = 0 is the oldest kept entry.
  const std::string& at(std::size_t i) const { return entries_[i]; }

  // The socket's queue length, read from /proc/sys/net/unix/max_dgram_qlen (the kernel's
  // default when it cannot be read).
  static std::size_t kernel_queue_length();

 private:
  std::size_t max_entries_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<std::string> entries_;
};

}  // namespace mj
