// The stream transport against the native one, under a real systemd 252 as PID 1 (the
// Debian 12 rootfs of the systemd tests, booted with systemd-nspawn, pure cgroup2): the
// same container lines (bench/line_gen, one write() per line) with the same Mesos
// fields, in the same journald, in alternating order per repetition.
//
//   transport_bench --companion PATH --line-gen PATH [--lines N] [--size B] [--runs R]
//                   [--field KEY=VALUE ...]   (run_bench.py passes the Mesos id fields)
//
// Prints one JSON object per measurement on stdout (run_bench.py collects them):
//   {"transport": "native"|"stream"|"systemd-cat", "rep": R, "lines": N, "size": B,
//    "seconds": S, "lines_per_s": L, "journald_us_per_line": J, "sender_us_per_line": U,
//    "stored": N}
// seconds: from starting the unit until the last line is readable (journalctl polled
// every 20 ms); journald's CPU from /proc/PID/stat over the same window; the sender's is
// system.slice's cgroup CPU minus journald's: the writer, the companion and (stream) the
// transient service (systemd 252 in nspawn logs no per-unit "Consumed" figures).
// Exit 77 when nspawn cannot run here.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench_util.h"
#include "nspawn_machine.h"

namespace {

using mj::test::NspawnMachine;
using namespace std::chrono_literals;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

double journald_cpu_seconds(const NspawnMachine& m) {
  std::string pid = trim(m.run({"/bin/systemctl", "show", "-P", "MainPID", "systemd-journald"}).out);
  std::string stat = m.run({"/bin/cat", "/proc/" + pid + "/stat"}).out;
  auto close = stat.rfind(')');
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU of every service but journald: system.slice's cgroup2 cpu.stat (present without the
// cpu controller). Idle services add next to nothing; the writer, the companion and the
// stream transport's service are the rest.
double system_slice_cpu_seconds(const NspawnMachine& m) {
  std::istringstream stat(m.run({"/bin/cat", "/sys/fs/cgroup/system.slice/cpu.stat"}).out);
  std::string key;
  unsigned long long usec = 0;
  while (stat >> key >> usec)
    if (key == "usage_usec") return static_cast<double>(usec) / 1e6;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  mjbench::Args args(argc, argv);
  const std::string companion = std::filesystem::absolute(args.get("--companion", "")).string();
  const std::string line_gen = std::filesystem::absolute(args.get("--line-gen", "")).string();
  const long lines = static_cast<long>(args.num("--lines", 100000));
  const long size = static_cast<long>(args.num("--size", 100));
  const long runs = static_cast<long>(args.num("--runs", 3));
  const std::vector<std::string> fields = args.all("--field");
  if (companion.empty() || line_gen.empty()) {
    std::fprintf(stderr, "usage: transport_bench --companion PATH --line-gen PATH [--lines N] [--size B] [--runs R]\n");
    return 2;
  }
  if (std::string why = mj::test::nspawn_unavailable_reason(); !why.empty()) {
    std::fprintf(stderr, "transport_bench: no systemd container: %s\n", why.c_str());
    return 77;
  }
  const std::string pipe_dir = std::filesystem::path(companion).parent_path();
  const std::string gen_dir = std::filesystem::path(line_gen).parent_path();
  NspawnMachine m("bench", mj::test::CgroupLayout::kUnified,
                  {{pipe_dir, "/mj", true}, {gen_dir, "/mjb", true}});
  if (!m.boot_error().empty()) {
    std::fprintf(stderr, "transport_bench: %s\n", m.boot_error().c_str());
    return 1;
  }
  // As the namespace benchmarks: no rate limit, so that every line is stored.
  m.run({"/bin/mkdir", "-p", "/run/systemd/journald.conf.d"});
  m.write_file("/run/systemd/journald.conf.d/bench.conf", "[Journal]\nRateLimitIntervalSec=0\n");
  m.run({"/bin/systemctl", "restart", "systemd-journald"});
  std::fprintf(stderr, "transport_bench: container journald up; net.unix.max_dgram_qlen=%s\n",
               trim(m.run({"/sbin/sysctl", "-n", "net.unix.max_dgram_qlen"}).out).c_str());

  const std::string pipe = "/mj/" + std::filesystem::path(companion).filename().string();
  const std::string gen = "/mjb/" + std::filesystem::path(line_gen).filename().string() + " --count " +
                          std::to_string(lines) + " --size " + std::to_string(size) + " --mode steady";
  std::string last_line;
  mjbench::format_line(last_line, static_cast<std::uint64_t>(lines - 1), static_cast<std::size_t>(size));
  last_line.pop_back();

  for (long rep = 0; rep < runs; ++rep) {
    std::vector<std::string> order = {"native", "stream", "systemd-cat"};
    if (rep % 2) std::swap(order[0], order[1]);
    for (const std::string& transport : order) {
      const std::string tag = "bench-" + transport + "-" + std::to_string(rep);
      const std::string service = tag + "-stream.service";
      std::vector<std::string> cmd = {"/usr/bin/systemd-run", "--quiet", "--unit=" + tag, "--service-type=exec"};
      if (transport == "systemd-cat") {
        // The stream protocol with no fields at all: systemd-cat's ceiling.
        cmd.insert(cmd.end(), {"/bin/sh", "-c", gen + " | /usr/bin/systemd-cat -t " + tag});
      } else {
        cmd.insert(cmd.end(), {pipe, "--transport", transport, "-t", tag});
        for (const std::string& f : fields) cmd.insert(cmd.end(), {"--field", f});
        if (transport == "stream") cmd.insert(cmd.end(), {"--unit", service});
        cmd.insert(cmd.end(), {"--", "/bin/sh", "-c", "exec " + gen});
      }
      double j0 = journald_cpu_seconds(m), s0 = system_slice_cpu_seconds(m);
      auto t0 = std::chrono::steady_clock::now();
      auto started = m.run(cmd);
      if (started.exit_code != 0) {
        std::fprintf(stderr, "transport_bench: %s: %s\n", tag.c_str(), started.err.c_str());
        return 1;
      }
      auto until = t0 + 300s;
      while (std::chrono::steady_clock::now() < until &&
             trim(m.run({"/bin/journalctl", "-q", "--no-pager", "-o", "cat", "-n", "1", "SYSLOG_IDENTIFIER=" + tag}).out) !=
                 last_line)
        std::this_thread::sleep_for(20ms);
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double j1 = journald_cpu_seconds(m), s1 = system_slice_cpu_seconds(m);
      double others = (s1 - s0) - (j1 - j0);
      long stored = std::stol(trim(m.run({"/bin/sh", "-c", "journalctl -q --no-pager -o cat SYSLOG_IDENTIFIER=" + tag +
                                                              " | wc -l"}).out));
      std::printf("{\"transport\": \"%s\", \"rep\": %ld, \"lines\": %ld, \"size\": %ld, \"seconds\": %.3f, "
                  "\"lines_per_s\": %.0f, \"journald_us_per_line\": %.3f, \"sender_us_per_line\": %.3f, "
                  "\"stored\": %ld}\n",
                  transport.c_str(), rep, lines, size, seconds, lines / seconds, (j1 - j0) * 1e6 / lines,
                  others * 1e6 / lines, stored);
      std::fflush(stdout);
    }
  }
  return 0;
}
