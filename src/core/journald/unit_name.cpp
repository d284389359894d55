#include "core/journald/unit_name.h"

#include <cstring>

namespace mj {
namespace {

constexpr std::size_t kMaxUnitName = 255;

bool unit_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
         c == '.' || c == '-' || c == '\\';
}

}  // namespace

std::string service_name_from(const std::string& prefix, const std::string& text) {
  static const char hex[] = "0123456789abcdef";
  std::string name = prefix;
  const std::size_t limit = kMaxUnitName - std::strlen(".service");
  for (char c : text) {
    std::string piece = unit_char(c) && c != '\\' ? std::string(1, c)
                                                  : std::string("\\x") + hex[static_cast<unsigned char>(c) >> 4] +
                                                        hex[static_cast<unsigned char>(c) & 15];
    if (name.size() + piece.size() > limit) break;
    name += piece;
  }
  return name + ".service";
}

Result<std::string> normalize_service_name(const std::string& name) {
  std::string n = name;
  if (n.size() < 8 || n.compare(n.size() - 8, 8, ".service") != 0) n += ".service";
  if (n.size() > kMaxUnitName) return Error{"unit name " + name + " is longer than 255 bytes"};
  const std::string stem = n.substr(0, n.size() - 8);
  if (stem.empty()) return Error{"empty unit name"};
  for (char c : stem)
    if (!unit_char(c))
      return Error{"unit name " + name + " may only contain ASCII letters, digits, ':', '_', '.', '-' and '\\'"};
  return n;
}

}  // namespace mj
