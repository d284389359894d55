// Waits until the last line of every sender is readable in a journal namespace, and
// prints when (CLOCK_MONOTONIC ns) as JSON, so the driver can stop its clock there.
//
//   journal_wait --namespace NS [--timeout-s 300] [--count] ID=LAST_SEQ...
//   journal_wait --namespace NS [--timeout-s 300] [--count] --bytes ID=MESSAGE_BYTES...
//
// Started after the senders exit, so that its polling does not compete with them for
// the CPU; it polls every millisecond (sd_journal_wait() would add journald's
// notification delay). --count then counts each identifier's entries (untimed), to
// prove nothing was lost. --bytes waits instead until the MESSAGE fields of each
// identifier add up to that many bytes, for a sender that cuts lines into several
// entries (the DC/OS companion cuts at its 4 KiB reads): its last entry need not be a
// whole line.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "journal_reader.h"

int main(int argc, char** argv) {
  mjbench::Args args(argc, argv);
  std::map<std::string, long long> pending;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      if (a != "--count" && a != "--bytes") ++i;  // skip the flag's value
      continue;
    }
    auto eq = a.rfind('=');
    if (eq != std::string::npos) pending[a.substr(0, eq)] = std::atoll(a.c_str() + eq + 1);
  }
  const std::map<std::string, long long> all = pending;
  const std::string ns = args.get("--namespace");
  const bool by_bytes = args.has("--bytes");
  std::map<std::string, std::uint64_t> bytes;  // --bytes: MESSAGE bytes read so far
  auto open = [&] {
    auto r = std::make_unique<mjbench::JournalReader>(ns);
    if (by_bytes) {
      r->read_whole_fields();
      for (const auto& [id, want] : all) bytes[id] = 0;  // a new handle reads from the start
    }
    return r;
  };
  auto reader = open();
  // How far an identifier has come: the newest line's sequence number, or its bytes.
  auto reached = [&](const std::string& id) {
    return by_bytes ? static_cast<long long>(bytes[id]) : reader->newest_seq(id);
  };
  const std::int64_t start = mjbench::monotonic_ns();
  const std::int64_t deadline = start + static_cast<std::int64_t>(args.num("--timeout-s", 300)) * 1000000000;
  std::int64_t done = 0, progress = start;
  long long seen = -2;  // sum of how far each pending identifier has come
  int reopened = 0;
  while (!pending.empty()) {
    reader->refresh();
    if (by_bytes) reader->add_message_bytes(bytes);
    long long sum = 0;
    for (auto it = pending.begin(); it != pending.end();) {
      long long now_at = reached(it->first);
      sum += now_at;
      it = now_at >= it->second ? pending.erase(it) : std::next(it);
    }
    if (pending.empty()) break;
    const std::int64_t now = mjbench::monotonic_ns();
    if (now > deadline) break;
    if (sum != seen) {
      seen = sum;
      progress = now;
    } else if (now - progress > 1000000000) {
      // A second without anything new: read from a new handle rather than trust one
      // that has followed a file while journald was writing it. In one of ~500 loads
      // a last line stayed unseen for 300 s; "reopened" in the output says whether
      // this happened again (and whether a new handle saw the line).
      reader = open();
      ++reopened;
      progress = now;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  done = mjbench::monotonic_ns();
  std::printf("{\"done_ns\": %lld, \"ok\": %s, \"reopened\": %d, \"counts\": {", static_cast<long long>(done),
              pending.empty() ? "true" : "false", reopened);
  if (args.has("--count")) {
    const char* sep = "";
    for (const auto& [id, last] : all) {
      std::printf("%s\"%s\": %llu", sep, id.c_str(), static_cast<unsigned long long>(reader->count(id)));
      sep = ", ";
    }
  }
  std::printf("}}\n");
  return pending.empty() ? 0 : 1;
}
