#include "core/journald/reconnect.h"

#include <algorithm>
#include <cstring>

namespace mj {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{10};
constexpr std::chrono::milliseconds kMaxBackoff{1000};

}  // namespace

void Reconnect::failed(int err, const char* what, Diagnostics& diag) {
  if (!outage_reported_) {
    outage_reported_ = true;
    outage_since_ = Clock::now();
    diag.report(subject_ + " unavailable (" + what + ": " + std::strerror(err) + "); holding output and retrying");
  }
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
  retry_at_ = Clock::now() + backoff_;
}

bool Reconnect::recovered(Diagnostics& diag) {
  backoff_ = std::chrono::milliseconds{0};
  if (!outage_reported_) return false;
  outage_reported_ = false;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - outage_since_).count();
  diag.report(subject_ + " available again after " + std::to_string(ms) + " ms");
  return true;
}

}  // namespace mj
