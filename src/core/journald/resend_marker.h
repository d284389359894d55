// Marks the copy of a partly indexed entry (stored_entry_counter.h) that the companion
// sends again after journald died, with the original's time:
//
//   MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC=<the original's __MONOTONIC_TIMESTAMP>
//
// No read-back can say whether such an entry is stored "for every reader": a reader
// whose match field journald had indexed finds it, one whose field it had not does not.
// So it is sent again (a duplicate, never a loss), and the copy says which entry it
// copies: mesos-journald-logs keys the copy with the original's time
// (reader/duplicate_filter.h), which makes it equal to the original, and prints the line
// once whichever of the two its match finds. Only such a copy carries the field.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/journald/stored_entry_counter.h"

namespace mj {

inline constexpr std::string_view kResendOfField = "MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC";

// `resend`: the entries about to be sent again, oldest first (native encoding, each
// ending with its last field's '\n'); they are the missing entries after the oldest
// `lost` ones, which were no longer kept. The missing entries begin with the partly
// indexed ones, in order (everything before them is stored). Appends the field to each
// resent entry that is the copy of one of `partly`: the same position among the
// missing, and the same MESSAGE. A copy that already names an original (a copy sent
// again after a second death) keeps the name. Returns how many entries it marked.
std::size_t mark_resent_copies(std::deque<std::string>& resend, std::uint64_t lost,
                               const std::vector<PartlyIndexedEntry>& partly);

// The value of field `name` in one native-encoded entry, or false when it has none.
bool native_field(std::string_view entry, std::string_view name, std::string_view& value);

}  // namespace mj
