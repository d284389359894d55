#include "core/wait_control.h"

#include <algorithm>
#include <climits>

namespace mj {

int poll_timeout_ms(std::optional<Clock::time_point> until, int cap_ms) {
  if (!until) return cap_ms;
  // Round up so that a wake-up never comes before the deadline.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*until - Clock::now()).count() + 1;
  long long upper = cap_ms < 0 ? INT_MAX : cap_ms;
  return static_cast<int>(std::clamp<long long>(left, 0, upper));
}

}  // namespace mj
