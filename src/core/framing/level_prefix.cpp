#include "core/framing/level_prefix.h"

namespace mj {

std::optional<LevelPrefix> parse_level_prefix(std::string_view line) {
  if (line.size() < 3 || line[0] != '<') return std::nullopt;
  int value = 0;
  std::size_t i = 1;
  for (; i < line.size() && i <= 3 && line[i] >= '0' && line[i] <= '9'; ++i) value = value * 10 + (line[i] - '0');
  if (i == 1 || i >= line.size() || line[i] != '>' || value > 7) return std::nullopt;
  return LevelPrefix{value, i + 1};
}

}  // namespace mj
