// A WaitControl with a deadline and no interrupt, for tests of waiting code.
#pragma once

#include "core/base/wait_control.h"

namespace mj::test {

class DeadlineIn : public WaitControl {
 public:
  explicit DeadlineIn(std::chrono::milliseconds d) : deadline_(Clock::now() + d) {}
  int interrupt_fd() const override { return -1; }
  void on_interrupt() override {}
  std::optional<Clock::time_point> deadline() const override { return deadline_; }

 private:
  Clock::time_point deadline_;
};

}  // namespace mj::test
