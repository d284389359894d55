#include "core/journald/replay_plan.h"

#include <algorithm>

namespace mj {

ReplayPlan plan_resend(std::uint64_t sent_total, const Result<std::uint64_t>& stored, std::size_t kept,
                       std::uint64_t could_take) {
  ReplayPlan plan;
  auto unchecked = [&](const std::string& why) {
    plan.at_risk = std::min<std::uint64_t>({could_take, kept, sent_total});
    // Keeping the count as the baseline hid the next restart's loss: a count that missed
    // a file, once read whole again, exceeds everything sent after it, and what the next
    // journald lost read as nothing missing (so did a baseline of 0 against the count of
    // every entry since the start). Both start again from nothing.
    plan.sent_total = 0;
    plan.count_again = true;
    if (plan.at_risk > 0)
      plan.message = "journald restarted; up to " + std::to_string(plan.at_risk) +
                     " entries sent just before may have been lost with its socket queue (cannot check: " + why +
                     "; not sent again, as journald may have stored them)";
    return plan;
  };
  if (!stored) return unchecked(stored.error().message);
  const std::uint64_t missing = sent_total > *stored ? sent_total - *stored : 0;
  if (missing > could_take)
    return unchecked("the journal shows " + std::to_string(missing) +
                     " fewer entries of this process than were sent, more than journald's socket queue can have "
                     "taken (" + std::to_string(could_take) + "), so this process cannot read all of it back");
  plan.sent_total = *stored;
  plan.resend = static_cast<std::size_t>(std::min<std::uint64_t>(missing, kept));
  plan.lost = missing - plan.resend;
  if (missing > 0)
    plan.message = "journald restarted and had lost " + std::to_string(missing) + " entries with its socket queue; " +
                   (plan.lost == 0 ? std::string("sending them again")
                                   : "sending " + std::to_string(plan.resend) + " again, " +
                                         std::to_string(plan.lost) + " were no longer kept and are lost");
  return plan;
}

}  // namespace mj
