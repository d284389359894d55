// The reconnect policy shared by both journald clients (the native datagram socket and
// the stream connection): after a failure no new attempt before a backoff of 10 ms
// doubling to 1 s, one message when journald goes away and one when it is back.
#pragma once

#include <chrono>
#include <string>

#include "core/base/diagnostics.h"
#include "core/base/wait_control.h"

namespace mj {

class Reconnect {
 public:
  // subject names the connection in messages, e.g. "journald socket /run/…/socket".
  explicit Reconnect(std::string subject) : subject_(std::move(subject)) {}

  // Connecting or sending failed with err during `what`: reported once per outage.
  void failed(int err, const char* what, Diagnostics& diag);
  // Sending worked again; true when that ended a reported outage (also reported).
  bool recovered(Diagnostics& diag);

  std::chrono::milliseconds backoff() const { return backoff_; }
  Clock::time_point retry_at() const { return retry_at_; }

 private:
  std::string subject_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};  // no connection attempt before this
  bool outage_reported_ = false;
  Clock::time_point outage_since_{};
};

}  // namespace mj
