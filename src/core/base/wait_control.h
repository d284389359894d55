// What a blocking operation consults while it waits: an fd whose readiness means "stop
// waiting and let the owner look" (the companion's signalfd), and a deadline after which
// waiting is given up (set once the companion drains on SIGTERM).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace mj {

using Clock = std::chrono::steady_clock;

// CLOCK_REALTIME in microseconds, as journald's timestamps.
std::uint64_t realtime_usec();

class WaitControl {
 public:
  virtual ~WaitControl() = default;
  // -1 when there is none.
  virtual int interrupt_fd() const = 0;
  // Called when interrupt_fd() is readable; must consume what made it readable.
  virtual void on_interrupt() = 0;
  virtual std::optional<Clock::time_point> deadline() const = 0;
};

// Never interrupted, no deadline: waits as long as it takes.
class WaitForever final : public WaitControl {
 public:
  int interrupt_fd() const override { return -1; }
  void on_interrupt() override {}
  std::optional<Clock::time_point> deadline() const override { return std::nullopt; }
};

// Waits until `end`, handling interrupts on the way; false when control's deadline
// comes first. Microsecond precision (ppoll).
bool wait_until(WaitControl& control, Clock::time_point end);

// Milliseconds until `until`, clamped to [0, cap_ms] (cap_ms < 0: no cap); cap_ms when
// there is no deadline, so -1 means "wait indefinitely" as for poll().
int poll_timeout_ms(std::optional<Clock::time_point> until, int cap_ms);

}  // namespace mj
