// How long a sender waits when journald's socket queue is full, before it tries again.
//
// Waiting inside a blocking sendmsg() is woken by journald's very next recvmsg(), so a
// sender that outruns journald sends one entry per wake-up: a context switch per line
// for the sender, and a wake-up per line charged to journald. Pausing instead lets
// journald work through part of the queue, and the sender then refills it in one go.
// The pause adapts so that the sender refills about a quarter of the queue per pause:
// long enough to batch, short enough that journald's queue never runs dry (the queue
// holds net.unix.max_dgram_qlen entries, so a full queue is that many entries of work).
//
// Many senders share one queue: each gets a k-th of journald's pace, so to find a batch's
// worth of room per wake-up each must pause about k times longer than a lone sender.
// Hence a long maximum, and a pause drawn at random around the adapted one: senders that
// found the queue full at the same moment would otherwise wake together, find room
// together, and all pause again while journald runs dry.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mj {

class SendPacer {
 public:
  static constexpr std::chrono::microseconds kMinPause{50};
  // A quarter of a queue of 512 per wake-up for each of 20 senders behind a journald
  // taking 50,000 entries/s is a pause of 50 ms. Longer pauses batch more but, simulated
  // and measured, left journald idle in short bursts of work (a straggler still asleep
  // when the others are done); 50 ms kept it at least 93 % busy from 25,000 to 80,000
  // entries/s with 1 to 100 senders.
  static constexpr std::chrono::microseconds kMaxPause{50000};
  static constexpr std::chrono::microseconds kFirstPause{1000};

  // seed: of the jitter; senders should differ (the companion uses its pid).
  SendPacer(std::size_t queue_length, std::uint64_t seed)
      : queue_length_(queue_length == 0 ? 1 : queue_length), random_(seed) {}

  void on_sent() { ++sent_since_full_; }

  // The queue was found full: how long to pause, uniformly at random in
  // [pause()/2, pause()*3/2). The entries sent since the last time the queue was full
  // are the ones journald took in the meantime; they adapt pause().
  std::chrono::microseconds on_full();

  // The adapted pause, without the jitter.
  std::chrono::microseconds pause() const { return pause_; }

 private:
  std::size_t queue_length_;
  std::uint64_t sent_since_full_ = 0;
  bool seen_full_ = false;
  std::chrono::microseconds pause_ = kFirstPause;
  std::uint64_t random_;  // state of a 64-bit LCG: quality does not matter here, cost does
};

}  // namespace mj
