// What to do once a standalone journald died, possibly with entries of ours still queued
// on its socket: compare what was sent with what the journal shows was stored, and
// decide what to send again, what is known lost and what can only be called at risk.
//
// A dying journald can take at most what of ours is queued on its socket plus the
// datagram it was storing (JournalSocket bounds both, see journal_socket.cpp). A read-back
// that claims more than that is missing is not a loss but a journal this process cannot
// fully read (no permission on the files when the companion runs as the task's user,
// files vacuumed away): it is treated like a read-back that failed, never as loss.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/base/result.h"

namespace mj {

struct ReplayPlan {
  std::size_t resend = 0;       // send the newest `resend` kept entries again
  std::uint64_t lost = 0;       // known lost and not kept to send again
  std::uint64_t at_risk = 0;    // may have been lost; could not be checked
  std::uint64_t sent_total = 0; // what journald has from now on, as far as we know
  // The read-back could not be trusted, so its count cannot be the baseline of the next
  // one: the counter starts over (StoredEntryCounter::start_over()) and sent_total is 0.
  bool count_again = false;
  std::string message;          // for the diagnostics; "" when there is nothing to say
};

// sent_total: entries sent since the last baseline; stored: the journal's count of this
// process's entries (or why it could not be read); kept: entries kept to send again
// (the newest ones); could_take: the most entries the dying journald can have taken.
ReplayPlan plan_resend(std::uint64_t sent_total, const Result<std::uint64_t>& stored, std::size_t kept,
                       std::uint64_t could_take);

}  // namespace mj
