// Counts the entries of this process that journald has stored, by reading the journal
// back (sd-journal, loaded with dlopen() on first use): after journald died, the
// difference to what was sent is what its socket queue took with it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/base/result.h"

namespace mj {

struct SdJournalApi;

class StoredEntryCounter {
 public:
  // journal_namespace "" is the default journal. Entries are those with this process's
  // _PID and _BOOT_ID received since the counter was made (an earlier process with the
  // same pid had exited before this one started).
  explicit StoredEntryCounter(std::string journal_namespace);
  ~StoredEntryCounter();
  StoredEntryCounter(const StoredEntryCounter&) = delete;
  StoredEntryCounter& operator=(const StoredEntryCounter&) = delete;

  // Entries stored so far. Counting resumes where the last call stopped.
  Result<std::uint64_t> count();

 private:
  std::string namespace_;
  std::uint64_t since_usec_;
  std::string cursor_;
  std::uint64_t counted_ = 0;
  std::unique_ptr<SdJournalApi> api_;
};

}  // namespace mj
