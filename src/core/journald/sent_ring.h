// The most recent entries sent to journald, kept so that they can be sent again when
// journald dies with them still queued on its socket.
//
// A datagram socket's queue holds at most net.unix.max_dgram_qlen + 1 datagrams (the
// kernel refuses a send only once the queue is longer than the limit), so that many
// entries plus the one journald was working on is all a crash can take; the ring keeps
// a few more than that (queue length + 8), within a byte budget.
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
