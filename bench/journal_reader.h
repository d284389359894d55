// Reads a journal namespace for the benchmark: the sequence number of the newest line
// of an identifier, and how many entries an identifier has. RAII over sd_journal.
#pragma once

#include <systemd/sd-journal.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

#include "bench_util.h"

namespace mjbench {

class JournalReader {
 public:
  explicit JournalReader(const std::string& ns) {
    int r = ns.empty() ? sd_journal_open(&j_, SD_JOURNAL_LOCAL_ONLY) : sd_journal_open_namespace(&j_, ns.c_str(), 0);
    if (r < 0) throw std::runtime_error("sd_journal_open_namespace " + ns + ": " + std::strerror(-r));
    sd_journal_set_data_threshold(j_, 64);  // only the sequence number is needed
    // Without an inotify fd, sd_journal_process() does nothing, and a file journald
    // creates after the open (a rotation) would never be seen.
    (void)sd_journal_get_fd(j_);
  }
  ~JournalReader() { sd_journal_close(j_); }
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Picks up files journald created or rotated since the last call.
  void refresh() { sd_journal_process(j_); }

  // Sequence number of the newest entry with SYSLOG_IDENTIFIER=id; -1 when none yet.
  long long newest_seq(const std::string& id) {
    match(id);
    if (sd_journal_seek_tail(j_) < 0 || sd_journal_previous(j_) <= 0) return -1;
    const void* data;
    size_t len;
    if (sd_journal_get_data(j_, "MESSAGE", &data, &len) < 0) return -1;
    std::string_view kv(static_cast<const char*>(data), len);
    return parse_seq(kv.substr(std::strlen("MESSAGE=")));
  }

  // journald's CLOCK_MONOTONIC time, in ns, of the first entry with SYSLOG_IDENTIFIER=id:
  // the moment it stored the entry, after which any reader can see it. 0 when there is
  // none yet or it comes from another boot.
  std::int64_t first_stored_ns(const std::string& id) {
    match(id);
    if (sd_journal_seek_head(j_) < 0 || sd_journal_next(j_) <= 0) return 0;
    std::uint64_t usec;
    sd_id128_t entry_boot, boot;
    if (sd_journal_get_monotonic_usec(j_, &usec, &entry_boot) < 0 || sd_id128_get_boot(&boot) < 0 ||
        !sd_id128_equal(entry_boot, boot))
      return 0;
    return static_cast<std::int64_t>(usec) * 1000;
  }

  // Adds the MESSAGE bytes of the entries after the last one this handle read to their
  // identifier's total in `bytes` (identifiers not in it are skipped). For a sender that
  // may split a line into several entries: the bytes add up all the same.
  void add_message_bytes(std::map<std::string, std::uint64_t>& bytes) {
    const void* data;
    size_t len;
    while (sd_journal_next(j_) > 0) {
      if (sd_journal_get_data(j_, "SYSLOG_IDENTIFIER", &data, &len) < 0) continue;
      std::string id(static_cast<const char*>(data) + std::strlen("SYSLOG_IDENTIFIER="),
                     len - std::strlen("SYSLOG_IDENTIFIER="));
      auto it = bytes.find(id);
      if (it != bytes.end() && sd_journal_get_data(j_, "MESSAGE", &data, &len) >= 0)
        it->second += len - std::strlen("MESSAGE=");
    }
  }

  // Whole fields from sd_journal_get_data() (the default: only the sequence number).
  void read_whole_fields() { sd_journal_set_data_threshold(j_, 0); }

  std::uint64_t count(const std::string& id) {
    match(id);
    std::uint64_t n = 0;
    sd_journal_seek_head(j_);
    while (sd_journal_next(j_) > 0) ++n;
    return n;
  }

 private:
  void match(const std::string& id) {
    sd_journal_flush_matches(j_);
    std::string m = "SYSLOG_IDENTIFIER=" + id;
    sd_journal_add_match(j_, m.data(), m.size());
  }

  sd_journal* j_ = nullptr;
};

}  // namespace mjbench
