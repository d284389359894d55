// The text input format of the logger fuzzers, so that seeds are readable and
// mutations stay meaningful: lines of KEY=VALUE ("\n" inside a value is written as the
// two characters backslash, n); a line "--" separates sections.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mj::fuzz {

using Lines = std::vector<std::pair<std::string, std::string>>;

inline std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
      out.push_back('\n');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Sections of KEY=VALUE lines; a line without '=' is a key with an empty value.
inline std::vector<Lines> parse_sections(std::string_view text) {
  std::vector<Lines> sections(1);
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line == "--") {
      sections.emplace_back();
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) sections.back().emplace_back(unescape(line), "");
    else sections.back().emplace_back(unescape(line.substr(0, eq)), unescape(line.substr(eq + 1)));
  }
  return sections;
}

}  // namespace mj::fuzz
