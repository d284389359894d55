// Signals for the companion's loops: blocked and read from a signalfd, and in command
// mode forwarded to COMMAND, whose exit is reaped.
#pragma once

#include <sys/types.h>

#include "core/base/result.h"
#include "core/base/unique_fd.h"
#include "core/pump/stream_pump.h"

namespace mj {

// SIGTERM, SIGINT, SIGHUP, SIGQUIT (and SIGCHLD when there is a child) as a signalfd.
Result<UniqueFd> block_signals_to_fd(bool with_child);

// Command mode: signals sent to us with kill() go on to the child; its exit is reaped.
class ChildSignals final : public SignalPolicy {
 public:
  explicit ChildSignals(pid_t pid) : pid_(pid) {}

  SignalAction on_signal(int signo, int code) override;
  void reap(int flags);
  bool exited() const { return exited_; }
  int status() const { return status_; }

 private:
  pid_t pid_;
  bool exited_ = false;
  int status_ = 0;
};

class DrainOnSignal final : public SignalPolicy {
 public:
  SignalAction on_signal(int, int) override { return SignalAction::kDrain; }
};

// After the pipes closed the child may still run: wait for it, still forwarding signals.
void wait_for_child(ChildSignals& child, int signal_fd);

}  // namespace mj
