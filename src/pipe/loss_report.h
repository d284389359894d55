// The companion's last words: what it could not deliver, on its stderr.
#pragma once

#include "core/base/diagnostics.h"
#include "core/journald/journal_socket.h"
#include "core/pump/stream_pump.h"

namespace mj {

// Reports every loss in `report` (and of `journal`, may be null); true if there was any.
bool report_losses(const PumpReport& report, const JournalSocket* journal, Diagnostics& diag);

}  // namespace mj
