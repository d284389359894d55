// Waits until the last line of every sender is readable in a journal namespace, and
// prints when (CLOCK_MONOTONIC ns) as JSON, so the driver can stop its clock there.
//
//   journal_wait --namespace NS [--timeout-s 300] [--count] ID=LAST_SEQ...
//
// Started after the senders exit, so that its polling does not compete with them for
// the CPU; it polls every millisecond (sd_journal_wait() would add journald's
// notification delay). --count then counts each identifier's entries (untimed), to
// prove nothing was lost.
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "journal_reader.h"

int main(int argc, char** argv) {
  mjbench::Args args(argc, argv);
  std::map<std::string, long long> pending;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      if (a != "--count") ++i;  // skip the flag's value
      continue;
    }
    auto eq = a.rfind('=');
    if (eq != std::string::npos) pending[a.substr(0, eq)] = std::atoll(a.c_str() + eq + 1);
  }
  const std::map<std::string, long long> all = pending;
  mjbench::JournalReader reader(args.get("--namespace"));
  const std::int64_t deadline = mjbench::monotonic_ns() + static_cast<std::int64_t>(args.num("--timeout-s", 300)) * 1000000000;
  std::int64_t done = 0;
  while (!pending.empty()) {
    reader.refresh();
    for (auto it = pending.begin(); it != pending.end();)
      it = reader.newest_seq(it->first) >= it->second ? pending.erase(it) : std::next(it);
    if (pending.empty()) break;
    if (mjbench::monotonic_ns() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  done = mjbench::monotonic_ns();
  std::printf("{\"done_ns\": %lld, \"ok\": %s, \"counts\": {", static_cast<long long>(done),
              pending.empty() ? "true" : "false");
  if (args.has("--count")) {
    const char* sep = "";
    for (const auto& [id, last] : all) {
      std::printf("%s\"%s\": %llu", sep, id.c_str(), static_cast<unsigned long long>(reader.count(id)));
      sep = ", ";
    }
  }
  std::printf("}}\n");
  return pending.empty() ? 0 : 1;
}
