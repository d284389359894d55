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

}  // namespace mj::test
