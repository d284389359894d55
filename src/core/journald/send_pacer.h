// How long a sender waits when journald's socket queue is full, before it tries again.
//
// Waiting inside a blocking sendmsg() is woken by journald's very next recvmsg(), so a
// sender that outruns journald sends one entry per wake-up: a context switch per line
// for the sender, and a wake-up per line charged to journald. Pausing instead lets
// journald work through part of the queue, and the sender then refills it in one go.
// The pause adapts so that the sender refills about half the queue per pause: long
// enough to batch, short enough that journald's queue never runs dry (the queue holds
// net.unix.max_dgram_qlen entries, so a full queue is that many entries of work).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mj {

class SendPacer {
 public:
  static constexpr std::chrono::microseconds kMinPause{50};
  static constexpr std::chrono::microseconds kMaxPause{20000};
  static constexpr std::chrono::microseconds kFirstPause{1000};

  explicit SendPacer(std::size_t queue_length) : queue_length_(queue_length == 0 ? 1 : queue_length) {}

  void on_sent() { ++sent_since_full_; }

  // The queue was found full: how long to pause. The entries sent since the last time
  // the queue was full are the ones journald took in the meantime.
  std::chrono::microseconds on_full();

  std::chrono::microseconds pause() const { return pause_; }

 private:
  std::size_t queue_length_;
  std::uint64_t sent_since_full_ = 0;
  bool seen_full_ = false;
  std::chrono::microseconds pause_ = kFirstPause;
};

}  // namespace mj
