// Times on the reader's command line (--since, --until) and in its output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace mj {

// Microseconds since the epoch for "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" (local time,
// as journalctl reads them), "-10m" / "-2h" / "-30s" / "-1d" (before now_usec), or
// "@EPOCH" (seconds, fractions allowed).
Result<std::uint64_t> parse_time_spec(std::string_view text, std::uint64_t now_usec);

// "2026-11-30T12:00:00.123456+0000": local time, microseconds, numeric zone.
std::string format_iso_usec(std::uint64_t usec);

// Go's time.RFC3339Nano in UTC, as the CRI log format has it: trailing zeros of the
// fraction are dropped, and a whole second has no fraction ("2026-11-30T12:00:00.1234Z").
std::string format_rfc3339nano(std::uint64_t usec);

std::uint64_t now_realtime_usec();

}  // namespace mj
