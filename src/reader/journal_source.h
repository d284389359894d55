// The journal the reader reads, through libsystemd's sd-journal: opened as the options
// say, with the selection as matches, entries returned as JournalRecords.
#pragma once

#include <systemd/sd-journal.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "reader/journal_record.h"
#include "reader/reader_options.h"

namespace mj {

class JournalSource {
 public:
  // Opens the journal and adds the selection. An error when it cannot be opened, or
  // when it holds no journal file at all: "nothing matched" would hide a wrong
  // --namespace or --directory.
  static Result<JournalSource> open(const ReaderOptions& options);

  Status seek_head();
  Status seek_realtime(std::uint64_t usec);
  // -n: positions the source at the first entry of the last n lines, counting a line
  // where its first entry is and taking the gap entries just before it along; not
  // before since_usec when given.
  Status seek_last_lines(std::uint64_t n, std::optional<std::uint64_t> since_usec);
  // The next entry of the selection into `out`; false at the end.
  Result<bool> next(JournalRecord& out);
  // Waits up to timeout_usec for the journal to change (sd_journal_wait).
  Status wait(std::uint64_t timeout_usec);
  // What the source is, for messages ("namespace 'x'", "directory /d", ...).
  const std::string& description() const { return description_; }

 private:
  struct Close {
    void operator()(sd_journal* j) const { sd_journal_close(j); }
  };
  JournalSource(sd_journal* j, std::string description) : j_(j), description_(std::move(description)) {}
  Status add_selection(const ReaderOptions& options);
  Status add_match(const std::string& field, const std::string& value);
  Status read_current(JournalRecord& out);
  Status seek_since(std::optional<std::uint64_t> since_usec);

  std::unique_ptr<sd_journal, Close> j_;
  std::string description_;
};

}  // namespace mj
