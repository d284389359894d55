// Time from spawning a sender to its first line being readable in the journal.
//
//   spawn_latency --namespace NS [--runs 50] -- COMMAND [ARG...]
//   spawn_latency --probe [--runs 50] -- COMMAND ... {socket} ...
//
// Each run replaces "{id}" in the arguments with a fresh identifier, spawns COMMAND with
// a pipe as its stdin, writes one line into the pipe right after the spawn (a container
// that logs at once), and waits for that identifier in the journal. The clock stops at
// the entry's monotonic timestamp, the moment journald stored it (from then on every
// reader sees it), not at the moment this process happens to look: on 2 vCPUs a reader
// polling every 100 µs slowed the start-up it was timing from 3.6 to 5.4 ms. It polls
// every millisecond, and the JSON also has the polled times (detected_*).
// With --probe there is no journald: "{socket}" becomes a datagram socket of our own,
// and the clock stops when the first datagram arrives. That splits the latency into the
// sender's start-up and journald's part.
#include <fcntl.h>
#include <spawn.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "journal_reader.h"

extern char** environ;

namespace {

void print_stats(const char* prefix, const std::vector<double>& us) {
  std::vector<double> sorted = us;
  std::sort(sorted.begin(), sorted.end());
  std::printf("\"%smedian_us\": %.1f, \"%sp90_us\": %.1f, \"%smin_us\": %.1f, \"%ssamples_us\": [", prefix,
              sorted[sorted.size() / 2], prefix, sorted[sorted.size() * 9 / 10], prefix, sorted.front(), prefix);
  for (std::size_t i = 0; i < us.size(); ++i) std::printf("%s%.1f", i ? ", " : "", us[i]);
  std::printf("]");
}

}  // namespace

int main(int argc, char** argv) {
  mjbench::Args args(argc, argv);
  const std::vector<std::string> command = args.rest();
  const std::uint64_t runs = args.num("--runs", 50);
  if (command.empty()) {
    std::fprintf(stderr, "usage: spawn_latency --namespace NS [--runs N] -- COMMAND [ARG...]\n");
    return 2;
  }
  const bool probe = args.has("--probe");
  std::unique_ptr<mjbench::JournalReader> reader;
  if (!probe) reader = std::make_unique<mjbench::JournalReader>(args.get("--namespace"));
  const std::string probe_path = "/run/mj-bench-probe-" + std::to_string(::getpid()) + ".sock";
  std::vector<double> us, detected_us;
  for (std::uint64_t run = 0; run < runs; ++run) {
    const std::string id = "spawn-" + std::to_string(::getpid()) + "-" + std::to_string(run);
    std::vector<std::string> argv_s = command;
    for (std::string& a : argv_s) {
      for (auto p = a.find("{id}"); p != std::string::npos; p = a.find("{id}")) a.replace(p, 4, id);
      for (auto p = a.find("{socket}"); p != std::string::npos; p = a.find("{socket}")) a.replace(p, 8, probe_path);
    }
    int probe_fd = -1;
    if (probe) {  // a fresh socket per run: no datagram of the previous run can be in it
      probe_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", probe_path.c_str());
      ::unlink(probe_path.c_str());
      if (::bind(probe_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return 2;
    }
    std::vector<char*> cargv;
    for (std::string& a : argv_s) cargv.push_back(a.data());
    cargv.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return 2;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    pid_t pid;
    const std::int64_t t0 = mjbench::monotonic_ns();
    int rc = ::posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return 2;
    ::close(fds[0]);
    std::string line;
    mjbench::format_line(line, 0, 100);
    if (::write(fds[1], line.data(), line.size()) < 0) return 2;
    std::int64_t t1 = 0;
    while (t1 == 0 && probe) {
      struct pollfd p = {probe_fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) > 0) t1 = mjbench::monotonic_ns();
      else break;
    }
    if (probe) {
      ::close(probe_fd);
      ::unlink(probe_path.c_str());
    }
    std::int64_t detected = 0;
    while (detected == 0 && !probe) {
      reader->refresh();
      if ((t1 = reader->first_stored_ns(id)) != 0) detected = mjbench::monotonic_ns();
      else if (mjbench::monotonic_ns() - t0 > 10'000'000'000) break;
      else std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ::close(fds[1]);
    int status;
    ::waitpid(pid, &status, 0);
    if (t1 == 0) {
      std::fprintf(stderr, "spawn_latency: %s never appeared\n", id.c_str());
      return 1;
    }
    us.push_back(static_cast<double>(t1 - t0) / 1000.0);
    if (detected != 0) detected_us.push_back(static_cast<double>(detected - t0) / 1000.0);
  }
  std::printf("{");
  print_stats("", us);
  if (!detected_us.empty()) {
    std::printf(", ");
    print_stats("detected_", detected_us);
  }
  std::printf("}\n");
  return 0;
}
