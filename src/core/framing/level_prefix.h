// The "<N>" priority prefix of systemd's stream protocol (sd-daemon.h's SD_INFO etc.).
#pragma once

#include <optional>
#include <string_view>

namespace mj {

struct LevelPrefix {
  int priority;          // 0..7
  std::size_t length;    // bytes of the prefix, to strip from the message
};

// As journald's syslog_parse_priority() without facility: '<', 1 to 3 decimal digits
// whose value is 0..7, '>'.
std::optional<LevelPrefix> parse_level_prefix(std::string_view line);

}  // namespace mj
