// Parsers and validators for the values operators write in flags and module parameters.
// Each returns a clear error naming what is wrong with the value.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace mj {

// "1048576", "512K", "10M", "1G", "10MiB", "4KB": suffixes are powers of 1024.
Result<std::uint64_t> parse_size(std::string_view text);

// "0".."7" or a syslog level name: emerg, alert, crit, err, warning, notice, info, debug
// (also "error", "warn", "panic" as systemd-cat accepts).
Result<int> parse_priority(std::string_view text);

// "0", "250ms", "1s", "1.5s", "2m"; a bare number is seconds, as in systemd.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// A unit's LogRateLimitIntervalSec= (a duration) and LogRateLimitBurst= (a count) for the
// stream transport. Neither may be 0: systemd takes 0 in a unit for "not set".
Result<std::chrono::milliseconds> parse_rate_limit_interval(std::string_view text);
Result<std::uint32_t> parse_rate_limit_burst(std::string_view text);

// A journal namespace name as journald accepts it: 1..64 of [A-Za-z0-9_-] (journald
// also rejects '.', and the name becomes part of paths under /run and /var/log).
Status check_namespace(std::string_view name);

// The journal socket of a namespace ("" for the default journal).
std::string namespace_socket_path(std::string_view name);

// SYSLOG_IDENTIFIER: non-empty, at most 255 bytes, no control characters.
Status check_identifier(std::string_view identifier);

}  // namespace mj
