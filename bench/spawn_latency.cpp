// Time from spawning a sender to its first line being readable in the journal.
//
//   spawn_latency --namespace NS [--runs 50] -- COMMAND [ARG...]
//   spawn_latency --probe [--runs 50] -- COMMAND ... {socket} ...
//
// Each run replaces "{id}" in the arguments with a fresh identifier, spawns COMMAND with
// a pipe as its stdin, writes one line into the pipe right after the spawn (a container
// that logs at once), polls the journal every 100 µs for that identifier, then closes
// the pipe and reaps COMMAND. Prints every latency in µs and the median as JSON.
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
  std::vector<double> us;
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
    while (t1 == 0 && !probe) {
      reader->refresh();
      if (reader->any(id)) t1 = mjbench::monotonic_ns();
      else if (mjbench::monotonic_ns() - t0 > 10'000'000'000) break;
      else std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    ::close(fds[1]);
    int status;
    ::waitpid(pid, &status, 0);
    if (t1 == 0) {
      std::fprintf(stderr, "spawn_latency: %s never appeared\n", id.c_str());
      return 1;
    }
    us.push_back(static_cast<double>(t1 - t0) / 1000.0);
  }
  std::vector<double> sorted = us;
  std::sort(sorted.begin(), sorted.end());
  std::printf("{\"median_us\": %.1f, \"p90_us\": %.1f, \"min_us\": %.1f, \"samples_us\": [", sorted[sorted.size() / 2],
              sorted[sorted.size() * 9 / 10], sorted.front());
  for (std::size_t i = 0; i < us.size(); ++i) std::printf("%s%.1f", i ? ", " : "", us[i]);
  std::printf("]}\n");
  return 0;
}
