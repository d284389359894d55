#include "core/journald/send_pacer.h"

#include <algorithm>

namespace mj {

std::chrono::microseconds SendPacer::on_full() {
  if (seen_full_) {
    const std::uint64_t sent = sent_since_full_;
    const std::uint64_t target = std::max<std::uint64_t>(1, queue_length_ / 2);
    if (sent >= queue_length_) {
      // More went through than the queue holds: journald may have run out of work
      // while we slept.
      pause_ /= 2;
    } else if (sent < target / 2) {
      // Little room each time: journald is slow, or other senders share the queue.
      pause_ *= 2;
    } else if (sent > target + target / 2) {
      pause_ = pause_ * 3 / 4;
    } else if (sent < target) {
      pause_ = pause_ * 5 / 4;
    }
    pause_ = std::clamp(pause_, kMinPause, kMaxPause);
  }
  seen_full_ = true;
  sent_since_full_ = 0;
  return pause_;
}

}  // namespace mj
