#include "core/wait_control.h"

#include <time.h>

#include <algorithm>
#include <climits>

namespace mj {

std::uint64_t realtime_usec() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

int poll_timeout_ms(std::optional<Clock::time_point> until, int cap_ms) {
  if (!until) return cap_ms;
  // Round up so that a wake-up never comes before the deadline.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*until - Clock::now()).count() + 1;
  long long upper = cap_ms < 0 ? INT_MAX : cap_ms;
  return static_cast<int>(std::clamp<long long>(left, 0, upper));
}

}  // namespace mj
