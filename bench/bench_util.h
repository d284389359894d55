// Small helpers shared by the bench programs: a monotonic clock in nanoseconds (the same
// clock Python's time.monotonic_ns() reads, so the driver can compare timestamps), the
// benchmark's line format, a whole write() to stdout, and "--flag value" argument lookup.
#pragma once

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace mjbench {

inline std::int64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Writes all n bytes to stdout, on through EINTR and short writes; false on an error.
inline bool write_all(const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(STDOUT_FILENO, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Line i of a run: a 10-digit sequence number, a space, then 'x' up to `size` bytes
// (without the '\n'). The readers recognise the last line by its sequence number; the
// filler has no trailing whitespace, which the stream protocol would strip.
constexpr std::size_t kSeqDigits = 10;
inline void format_line(std::string& out, std::uint64_t seq, std::size_t size) {
  char head[24];
  std::snprintf(head, sizeof head, "%010llu ", static_cast<unsigned long long>(seq));
  out.assign(head, size < kSeqDigits + 1 ? size : kSeqDigits + 1);
  if (out.size() < size) out.append(size - out.size(), 'x');
  out.push_back('\n');
}

// Parses the sequence number at the start of a benchmark line; -1 when there is none.
inline long long parse_seq(std::string_view message) {
  if (message.size() < kSeqDigits) return -1;
  long long v = 0;
  for (std::size_t i = 0; i < kSeqDigits; ++i) {
    char c = message[i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Minimal argv access: "--name value" pairs, repeated flags collected in order.
class Args {
 public:
  Args(int argc, char** argv) : argv_(argv + 1, argv + argc) {}
  std::string get(const char* name, const char* fallback = "") const {
    for (std::size_t i = 0; i + 1 < argv_.size(); ++i)
      if (argv_[i] == name) return argv_[i + 1];
    return fallback;
  }
  std::vector<std::string> all(const char* name) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 1 < argv_.size(); ++i)
      if (argv_[i] == name) out.push_back(argv_[++i]);
    return out;
  }
  bool has(const char* name) const {
    for (const std::string& a : argv_)
      if (a == name) return true;
    return false;
  }
  // The arguments after "--", for programs that exec a command.
  std::vector<std::string> rest() const {
    for (std::size_t i = 0; i < argv_.size(); ++i)
      if (argv_[i] == "--") return {argv_.begin() + static_cast<long>(i) + 1, argv_.end()};
    return {};
  }
  std::uint64_t num(const char* name, std::uint64_t fallback) const {
    std::string v = get(name);
    return v.empty() ? fallback : std::strtoull(v.c_str(), nullptr, 10);
  }

 private:
  std::vector<std::string> argv_;
};

}  // namespace mjbench
