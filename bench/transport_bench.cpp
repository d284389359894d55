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
//    "companion_us_per_line": C, "stored": N}
// The writer (line_gen) and the companion run as units of their own joined by a FIFO
// (the companion reads it as --stdout-fd 3, as from the module). seconds: from starting
// the writer until the last line is readable (journalctl polled every 20 ms); journald's
// CPU from /proc/PID/stat over the same window; companion: the cgroup CPU (cpu.stat) of
// the companion's unit plus, for the stream transport, its transient service's (systemd
// 252 in nspawn logs no per-unit "Consumed" figures); sender: system.slice's CPU minus
// journald's, i.e. writer and companion. systemd-cat runs as `line_gen | systemd-cat`
// in one unit (companion -1). Exit 77 when nspawn cannot run here.
#include <unistd.h>

#include <algorithm>
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
      const std::string fifo = "/run/" + tag + ".fifo";
      double j0 = journald_cpu_seconds(m), s0 = system_slice_cpu_seconds(m);
      std::vector<std::string> units;  // the companion's, whose cgroup CPU is sampled
      auto t0 = std::chrono::steady_clock::now();
      if (transport == "systemd-cat") {
        // The stream protocol with no fields at all: systemd-cat's ceiling.
        auto r = m.run({"/usr/bin/systemd-run", "--quiet", "--unit=" + tag, "/bin/sh", "-c",
                        gen + " | /usr/bin/systemd-cat -t " + tag});
        if (r.exit_code != 0) return std::fprintf(stderr, "transport_bench: %s: %s\n", tag.c_str(), r.err.c_str()), 1;
      } else {
        // The companion and the writer in units of their own, joined by a FIFO that the
        // companion reads as an inherited fd (as from the module): the companion's units
        // keep their cgroups (RemainAfterExit) so that their CPU can be read at the end.
        m.run({"/usr/bin/mkfifo", fifo});
        std::string pipe_cmd = "exec 3<" + fifo + "; exec " + pipe + " --stdout-fd 3 --transport " + transport +
                               " -t " + tag;
        for (const std::string& f : fields) pipe_cmd += " --field '" + f + "'";
        if (transport == "stream") pipe_cmd += " --unit " + service;
        auto r = m.run({"/usr/bin/systemd-run", "--quiet", "--unit=" + tag, "-p", "RemainAfterExit=yes", "/bin/sh",
                        "-c", pipe_cmd});
        if (r.exit_code != 0) return std::fprintf(stderr, "transport_bench: %s: %s\n", tag.c_str(), r.err.c_str()), 1;
        t0 = std::chrono::steady_clock::now();
        r = m.run({"/usr/bin/systemd-run", "--quiet", "--unit=gen-" + tag, "/bin/sh", "-c", "exec " + gen + " >" + fifo});
        if (r.exit_code != 0) return std::fprintf(stderr, "transport_bench: gen-%s: %s\n", tag.c_str(), r.err.c_str()), 1;
        units.push_back(tag + ".service");
        if (transport == "stream") units.push_back(service);
      }
      // One command per look: the last line in the journal, then each unit's CPU (the
      // stream transport's service disappears when it ends, so the last sample counts).
      std::string probe = "journalctl -q --no-pager -o cat -n 1 SYSLOG_IDENTIFIER=" + tag;
      for (const std::string& u : units)
        probe += "; grep -s usage_usec /sys/fs/cgroup/system.slice/" + u + "/cpu.stat || echo usage_usec -1";
      std::vector<double> unit_cpu(units.size(), 0);
      // The last journal line; each unit's CPU, kept at its highest sample.
      auto sample = [&] {
        std::istringstream out(m.run({"/bin/sh", "-c", probe}).out);
        std::string line;
        std::getline(out, line);
        for (double& cpu : unit_cpu) {
          std::string key;
          double usec = -1;
          if (out >> key >> usec && usec >= 0) cpu = std::max(cpu, usec / 1e6);
        }
        return line;
      };
      auto until = t0 + 300s;
      while (sample() != last_line && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // The companion's units end by themselves once everything is written; look once more.
      std::this_thread::sleep_for(200ms);
      sample();
      double j1 = journald_cpu_seconds(m), s1 = system_slice_cpu_seconds(m);
      double others = (s1 - s0) - (j1 - j0);
      double companion_cpu = -1;
      if (!units.empty()) {
        companion_cpu = 0;
        for (double c : unit_cpu) companion_cpu += c;
      }
      long stored = std::stol(trim(m.run({"/bin/sh", "-c", "journalctl -q --no-pager -o cat SYSLOG_IDENTIFIER=" + tag +
                                                              " | wc -l"}).out));
      m.run({"/bin/systemctl", "stop", tag + ".service"});
      m.run({"/bin/rm", "-f", fifo});
      std::printf("{\"transport\": \"%s\", \"rep\": %ld, \"lines\": %ld, \"size\": %ld, \"seconds\": %.3f, "
                  "\"lines_per_s\": %.0f, \"journald_us_per_line\": %.3f, \"sender_us_per_line\": %.3f, "
                  "\"companion_us_per_line\": %.3f, \"stored\": %ld}\n",
                  transport.c_str(), rep, lines, size, seconds, lines / seconds, (j1 - j0) * 1e6 / lines,
                  others * 1e6 / lines, companion_cpu < 0 ? -1.0 : companion_cpu * 1e6 / lines, stored);
      std::fflush(stdout);
    }
  }
  return 0;
}
