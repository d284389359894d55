#include "native_parser.h"

#include <cstdint>
#include <cstring>

namespace mj::test {

std::optional<ParsedFields> parse_native(std::string_view d) {
  ParsedFields out;
  while (!d.empty()) {
    std::size_t nl = d.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;  // journald ignores an unterminated tail
    if (nl == 0) return std::nullopt;                        // entry separator
    std::string_view line = d.substr(0, nl);
    std::size_t eq = line.find('=');
    if (eq != std::string_view::npos) {
      out.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
      d.remove_prefix(nl + 1);
      continue;
    }
    // Binary form: NAME\n, little-endian 64-bit size, value, \n.
    std::string name(line);
    d.remove_prefix(nl + 1);
    if (d.size() < 8) return std::nullopt;
    std::uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(d[static_cast<std::size_t>(i)]);
    d.remove_prefix(8);
    if (len > d.size() || len + 1 > d.size() || d[len] != '\n') return std::nullopt;
    out.emplace_back(std::move(name), std::string(d.substr(0, len)));
    d.remove_prefix(len + 1);
  }
  return out;
}

std::optional<std::vector<std::string>> split_native(std::string_view d) {
  std::vector<std::string> entries;
  std::size_t start = 0, at = 0;
  while (at < d.size()) {
    std::size_t nl = d.find('\n', at);
    if (nl == std::string_view::npos) return std::nullopt;
    if (nl == at) {  // an empty line: the entry so far ends here
      if (at == start) return std::nullopt;
      entries.emplace_back(d.substr(start, at - start));
      start = at = nl + 1;
      continue;
    }
    std::string_view line = d.substr(at, nl - at);
    at = nl + 1;
    if (line.find('=') != std::string_view::npos) continue;
    // Binary form: skip the 64-bit size, the value and its '\n'.
    if (d.size() - at < 8) return std::nullopt;
    std::uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(d[at + static_cast<std::size_t>(i)]);
    at += 8;
    if (len >= d.size() - at || d[at + len] != '\n') return std::nullopt;
    at += len + 1;
  }
  if (at == start) return entries.empty() ? std::nullopt : std::optional(entries);
  entries.emplace_back(d.substr(start));
  return entries;
}

}  // namespace mj::test
