// The comma-separated lists of module parameters ("labels", "overridable").
#pragma once

#include <string_view>
#include <vector>

namespace mj {

// Without leading and trailing blanks and tabs.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The trimmed items between commas, empty ones included ("a,,b" has three).
inline std::vector<std::string_view> split_comma_list(std::string_view text) {
  std::vector<std::string_view> items;
  for (std::size_t i = 0; i <= text.size();) {
    std::size_t comma = text.find(',', i);
    if (comma == std::string_view::npos) comma = text.size();
    items.push_back(trim(text.substr(i, comma - i)));
    i = comma + 1;
  }
  return items;
}

}  // namespace mj
