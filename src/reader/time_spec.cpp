#include "reader/time_spec.h"

#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace mj {
namespace {

constexpr std::uint64_t kUsecPerSec = 1000000;

Result<std::uint64_t> relative(std::string_view text, std::uint64_t now_usec) {
  std::string number(text.substr(1, text.size() - 2));
  char unit = text.back();
  std::uint64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
  if (scale == 0 || number.empty() || number.find_first_not_of("0123456789") != std::string::npos || number.size() > 9)
    return Error{"relative time must be -N followed by s, m, h or d: '" + std::string(text) + "'"};
  std::uint64_t back = std::stoull(number) * scale * kUsecPerSec;
  return back > now_usec ? 0 : now_usec - back;
}

Result<std::uint64_t> epoch(std::string_view text) {
  std::string s(text.substr(1));
  char* end = nullptr;
  errno = 0;
  double seconds = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno != 0 || seconds < 0 || seconds > 1e11 ||
      s.find_first_not_of("0123456789.") != std::string::npos)
    return Error{"'@' must be followed by seconds since the epoch: '" + std::string(text) + "'"};
  return static_cast<std::uint64_t>(seconds * kUsecPerSec + 0.5);
}

Result<std::uint64_t> calendar(std::string_view text) {
  std::string s(text);
  struct tm tm {};
  int consumed = 0;
  int n = std::sscanf(s.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                      &tm.tm_min, &tm.tm_sec, &consumed);
  if (n != 6 || static_cast<std::size_t>(consumed) != s.size()) {
    tm = {};
    consumed = 0;
    n = std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed);
    if (n != 3 || static_cast<std::size_t>(consumed) != s.size())
      return Error{"time must be 'YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DD', -N[smhd] or @EPOCH: '" + s + "'"};
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return Error{"no such time: '" + s + "'"};
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;  // whatever the local zone says for that day
  time_t t = ::mktime(&tm);
  if (t < 0) return Error{"time before 1970: '" + s + "'"};
  return static_cast<std::uint64_t>(t) * kUsecPerSec;
}

}  // namespace

Result<std::uint64_t> parse_time_spec(std::string_view text, std::uint64_t now_usec) {
  if (text.size() >= 3 && text.front() == '-') return relative(text, now_usec);
  if (!text.empty() && text.front() == '@') return epoch(text);
  return calendar(text);
}

std::string format_iso_usec(std::uint64_t usec) {
  time_t t = static_cast<time_t>(usec / kUsecPerSec);
  struct tm tm {};
  ::localtime_r(&t, &tm);
  char date[32], zone[8];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  std::strftime(zone, sizeof zone, "%z", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06u%s", date, static_cast<unsigned>(usec % kUsecPerSec), zone);
  return out;
}

std::string format_rfc3339nano(std::uint64_t usec) {
  time_t t = static_cast<time_t>(usec / kUsecPerSec);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(date);
  unsigned frac = static_cast<unsigned>(usec % kUsecPerSec);
  if (frac != 0) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%06u", frac);
    std::string f(digits);
    f.erase(f.find_last_not_of('0') + 1);
    out += "." + f;
  }
  return out + "Z";
}

std::uint64_t now_realtime_usec() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * kUsecPerSec + static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

}  // namespace mj
