// The latency group's probe: a writer that stamps each line with CLOCK_MONOTONIC at its
// write(), and a reader that follows a journal and takes, for each such entry, the time
// from that stamp until it could read the entry.
//
//   latency_probe write --count N [--interval-ms 10] [--partial-gap-ms 0]
//       writes "LAT <seq> <monotonic ns>\n" to stdout every --interval-ms, one write()
//       each, the stamp read just before the write(). With --partial-gap-ms G the line
//       goes out without its newline, and the newline follows G ms later: the entry
//       readable in between is the companion's partial flush (--flush-partial-after).
//
//   latency_probe read (--namespace NS | --directory DIR) --identifier ID --count N
//                      [--timeout-s 120]
//       prints "ready" on stderr once the journal is open (start the writer after it),
//       then follows the journal with sd_journal_wait() (inotify: woken when journald,
//       or journal-remote, posts a change; no polling) until it has read N stamped
//       entries of SYSLOG_IDENTIFIER=ID or the timeout passes. Prints JSON: per entry,
//       "seen" = monotonic now when read - stamp, and "stored" = the entry's monotonic
//       timestamp (when the agent's journald received it) - stamp, in µs.
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"

namespace {

int run_writer(const mjbench::Args& args) {
  const std::uint64_t count = args.num("--count", 1000);
  const auto interval = std::chrono::milliseconds(args.num("--interval-ms", 10));
  const std::uint64_t gap_ms = args.num("--partial-gap-ms", 0);
  auto next = std::chrono::steady_clock::now();
  char buf[64];
  for (std::uint64_t i = 0; i < count; ++i) {
    std::this_thread::sleep_until(next);
    next += interval;
    const long long stamp = mjbench::monotonic_ns();
    int n = std::snprintf(buf, sizeof buf, "LAT %llu %lld%s", static_cast<unsigned long long>(i), stamp,
                          gap_ms ? "" : "\n");
    if (!mjbench::write_all(buf, static_cast<std::size_t>(n))) return 1;
    if (gap_ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
      if (!mjbench::write_all("\n", 1)) return 1;
      next = std::chrono::steady_clock::now() + interval;
    }
  }
  return 0;
}

int run_reader(const mjbench::Args& args) {
  sd_journal* j = nullptr;
  int r;
  if (args.has("--directory"))
    r = sd_journal_open_directory(&j, args.get("--directory").c_str(), 0);
  else
    r = sd_journal_open_namespace(&j, args.get("--namespace").c_str(), 0);
  if (r < 0) {
    std::fprintf(stderr, "latency_probe: cannot open the journal: %s\n", std::strerror(-r));
    return 1;
  }
  sd_journal_set_data_threshold(j, 0);
  const std::string match = "SYSLOG_IDENTIFIER=" + args.get("--identifier");
  sd_journal_add_match(j, match.data(), match.size());
  (void)sd_journal_get_fd(j);  // inotify from now on: files created later are seen
  sd_id128_t boot;
  sd_id128_get_boot(&boot);
  const std::uint64_t want = args.num("--count", 1000);
  const std::int64_t deadline = mjbench::monotonic_ns() + static_cast<std::int64_t>(args.num("--timeout-s", 120)) * 1000000000;
  std::vector<long long> seen, stored;
  std::fprintf(stderr, "ready\n");
  std::fflush(stderr);
  while (seen.size() < want) {
    while (sd_journal_next(j) > 0) {
      const std::int64_t now = mjbench::monotonic_ns();
      const void* data;
      size_t len;
      if (sd_journal_get_data(j, "MESSAGE", &data, &len) < 0) continue;
      std::string msg(static_cast<const char*>(data) + 8, len - 8);  // without "MESSAGE="
      unsigned long long seq;
      long long stamp;
      if (std::sscanf(msg.c_str(), "LAT %llu %lld", &seq, &stamp) != 2) continue;  // e.g. a lone "\n" piece
      seen.push_back((now - stamp) / 1000);
      std::uint64_t usec;
      sd_id128_t entry_boot;
      if (sd_journal_get_monotonic_usec(j, &usec, &entry_boot) >= 0 && sd_id128_equal(entry_boot, boot))
        stored.push_back(static_cast<long long>(usec) - stamp / 1000);
    }
    const std::int64_t now = mjbench::monotonic_ns();
    if (seen.size() >= want || now >= deadline) break;
    const std::int64_t left_us = (deadline - now) / 1000;
    r = sd_journal_wait(j, static_cast<std::uint64_t>(left_us < 1000000 ? left_us : 1000000));
    if (r < 0) {
      std::fprintf(stderr, "latency_probe: sd_journal_wait: %s\n", std::strerror(-r));
      break;
    }
  }
  sd_journal_close(j);
  auto list = [](const std::vector<long long>& v) {
    std::string s;
    for (long long x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
    return s;
  };
  std::printf("{\"wanted\": %llu, \"seen_us\": [%s], \"stored_us\": [%s]}\n", static_cast<unsigned long long>(want),
              list(seen).c_str(), list(stored).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: latency_probe write|read ...\n");
    return 2;
  }
  mjbench::Args args(argc - 1, argv + 1);
  std::string mode = argv[1];
  if (mode == "write") return run_writer(args);
  if (mode == "read") return run_reader(args);
  std::fprintf(stderr, "latency_probe: unknown mode %s\n", mode.c_str());
  return 2;
}
