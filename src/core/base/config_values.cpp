#include "core/base/config_values.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

namespace mj {
namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s.substr(0, 100)) + "'"; }

bool eq_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Splits "12.5ms" into the number and the rest; false when there is no number.
bool split_number(std::string_view text, double& number, std::string_view& unit, bool allow_fraction) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (allow_fraction && text[i] == '.'))) ++i;
  if (i == 0) return false;
  std::string digits(text.substr(0, i));
  char* end = nullptr;
  number = std::strtod(digits.c_str(), &end);
  if (end != digits.c_str() + digits.size()) return false;
  unit = text.substr(i);
  return true;
}

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number(text, number, unit, false))
    return Error{"invalid size " + quoted(text) + ": expected a number of bytes with an optional K, M, G or T suffix"};
  std::uint64_t factor = 1;
  if (!unit.empty()) {
    char u = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
    std::string_view tail = unit.substr(1);
    if (u == 'B' && tail.empty()) factor = 1;
    else if (u == 'K') factor = 1ull << 10;
    else if (u == 'M') factor = 1ull << 20;
    else if (u == 'G') factor = 1ull << 30;
    else if (u == 'T') factor = 1ull << 40;
    else return Error{"invalid size " + quoted(text) + ": unknown unit " + quoted(unit)};
    if (u != 'B' && !(tail.empty() || eq_nocase(tail, "B") || eq_nocase(tail, "iB")))
      return Error{"invalid size " + quoted(text) + ": unknown unit " + quoted(unit)};
  }
  errno = 0;
  std::uint64_t count = std::strtoull(std::string(text.substr(0, text.size() - unit.size())).c_str(), nullptr, 10);
  if (errno == ERANGE || count > std::numeric_limits<std::uint64_t>::max() / factor)
    return Error{"size " + quoted(text) + " is too large"};
  return count * factor;
}

Result<int> parse_priority(std::string_view text) {
  static constexpr struct {
    const char* name;
    int level;
  } kNames[] = {{"emerg", 0}, {"panic", 0}, {"alert", 1},  {"crit", 2},   {"err", 3},   {"error", 3},
                {"warning", 4}, {"warn", 4}, {"notice", 5}, {"info", 6}, {"debug", 7}};
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '7') return text[0] - '0';
  for (const auto& n : kNames)
    if (eq_nocase(text, n.name)) return n.level;
  return Error{"invalid priority " + quoted(text) +
               ": expected 0..7 or emerg, alert, crit, err, warning, notice, info, debug"};
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number(text, number, unit, true))
    return Error{"invalid duration " + quoted(text) + ": expected e.g. 0, 250ms, 1s, 2m"};
  double ms;
  if (unit.empty() || unit == "s" || unit == "sec") ms = number * 1000;
  else if (unit == "ms" || unit == "msec") ms = number;
  else if (unit == "m" || unit == "min") ms = number * 60000;
  else return Error{"invalid duration " + quoted(text) + ": unknown unit " + quoted(unit) + " (use ms, s or m)"};
  if (ms > 24.0 * 3600 * 1000) return Error{"duration " + quoted(text) + " is longer than a day"};
  // ms >= 0 (split_number takes digits and '.'): + 0.5 rounds half up, and keeps the
  // companion from needing libm (one shared object less to load at every start).
  return std::chrono::milliseconds(static_cast<long long>(ms + 0.5));
}

Result<std::chrono::milliseconds> parse_rate_limit_interval(std::string_view text) {
  auto d = parse_duration(text);
  if (!d) return d.error();
  if (d->count() == 0) return Error{"must be more than 0 (systemd takes 0 in a unit for \"not set\")"};
  return *d;
}

Result<std::uint32_t> parse_rate_limit_burst(std::string_view text) {
  const bool digits = !text.empty() && text.size() <= 10 && text.find_first_not_of("0123456789") == std::string_view::npos;
  const std::uint64_t n = digits ? std::stoull(std::string(text)) : 0;
  if (n == 0 || n > UINT32_MAX)
    return Error{"expected a number from 1 to 4294967295 (systemd takes 0 in a unit for \"not set\"), got " +
                 quoted(text)};
  return static_cast<std::uint32_t>(n);
}

Status check_namespace(std::string_view name) {
  if (name.empty()) return Error{"empty journal namespace name"};
  if (name.size() > 64) return Error{"journal namespace " + quoted(name) + " is longer than 64 characters"};
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      return Error{"journal namespace " + quoted(name) + " may contain only A-Z, a-z, 0-9, '_' and '-'"};
  return Status::success();
}

std::string namespace_socket_path(std::string_view name) {
  if (name.empty()) return "/run/systemd/journal/socket";
  return "/run/systemd/journal." + std::string(name) + "/socket";
}

Status check_identifier(std::string_view identifier) {
  if (identifier.empty()) return Error{"empty identifier"};
  if (identifier.size() > 255) return Error{"identifier " + quoted(identifier) + "... is longer than 255 bytes"};
  for (char c : identifier)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return Error{"identifier " + quoted(identifier) + " contains a control character"};
  return Status::success();
}

}  // namespace mj
