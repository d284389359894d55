#include "core/journald/send_pacer.h"

#include <algorithm>

namespace mj {

std::chrono::microseconds SendPacer::on_full() {
  if (seen_full_) {
    const std::uint64_t sent = sent_since_full_;
    const std::uint64_t target = std::max<std::uint64_t>(1, queue_length_ / 4);
    if (sent >= 2 * target) {
      // Half the queue or more went through: journald may run out of work while we
      // sleep (or has already).
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
  random_ = random_ * 6364136223846793005ULL + 1442695040888963407ULL;  // Knuth's MMIX LCG
  const auto permille = static_cast<std::int64_t>((random_ >> 33) % 1000);  // high bits are the random ones
  return pause_ / 2 + pause_ * permille / 1000;
}

}  // namespace mj
