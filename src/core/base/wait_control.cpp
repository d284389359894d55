#include "core/base/wait_control.h"

#include <poll.h>
#include <time.h>

#include <algorithm>
#include <climits>

namespace mj {

std::uint64_t realtime_usec() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

bool wait_until(WaitControl& control, Clock::time_point end) {
  for (;;) {
    auto deadline = control.deadline();
    Clock::time_point now = Clock::now();
    if (deadline && now >= *deadline) return false;
    if (now >= end) return true;
    Clock::time_point until = deadline && *deadline < end ? *deadline : end;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(until - now).count();
    struct timespec ts = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    struct pollfd p = {control.interrupt_fd(), POLLIN, 0};
    if (::ppoll(&p, p.fd >= 0 ? 1 : 0, &ts, nullptr) > 0) control.on_interrupt();  // the deadline may have changed
  }
}

int poll_timeout_ms(std::optional<Clock::time_point> until, int cap_ms) {
  if (!until) return cap_ms;
  // Round up so that a wake-up never comes before the deadline.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*until - Clock::now()).count() + 1;
  long long upper = cap_ms < 0 ? INT_MAX : cap_ms;
  return static_cast<int>(std::clamp<long long>(left, 0, upper));
}

}  // namespace mj
