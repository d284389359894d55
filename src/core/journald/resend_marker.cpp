#include "core/journald/resend_marker.h"

#include <cstring>

#include "core/entry/native_encoding.h"

namespace mj {

bool native_field(std::string_view entry, std::string_view name, std::string_view& value) {
  std::size_t at = 0;
  while (at < entry.size()) {
    const std::size_t nl = entry.find('\n', at);
    if (nl == std::string_view::npos) return false;
    const std::size_t eq = entry.find('=', at);
    if (eq != std::string_view::npos && eq < nl) {  // NAME=VALUE\n
      if (entry.substr(at, eq - at) == name) {
        value = entry.substr(eq + 1, nl - eq - 1);
        return true;
      }
      at = nl + 1;
      continue;
    }
    // NAME\n<64-bit LE size>VALUE\n
    if (nl + 1 + 8 > entry.size()) return false;
    std::uint64_t size = 0;
    for (int i = 7; i >= 0; --i)
      size = (size << 8) | static_cast<unsigned char>(entry[nl + 1 + static_cast<std::size_t>(i)]);
    const std::size_t start = nl + 1 + 8;
    if (size > entry.size() - start) return false;
    if (entry.substr(at, nl - at) == name) {
      value = entry.substr(start, static_cast<std::size_t>(size));
      return true;
    }
    at = start + static_cast<std::size_t>(size) + 1;
  }
  return false;
}

std::size_t mark_resent_copies(std::deque<std::string>& resend, std::uint64_t lost,
                               const std::vector<PartlyIndexedEntry>& partly) {
  std::size_t marked = 0;
  for (std::size_t k = 0; k < partly.size(); ++k) {
    if (k < lost || k - lost >= resend.size()) continue;  // not kept, or not missing
    std::string& entry = resend[static_cast<std::size_t>(k - lost)];
    std::string_view message, named;
    // Another MESSAGE: the position did not tell the entry (an assumption broken); an
    // unmarked copy is only printed twice, a wrong mark could hide a line.
    if (!native_field(entry, "MESSAGE", message) || message != partly[k].message) continue;
    if (native_field(entry, kResendOfField, named)) continue;
    append_field(entry, kResendOfField, std::to_string(partly[k].monotonic_usec));
    ++marked;
  }
  return marked;
}

}  // namespace mj
