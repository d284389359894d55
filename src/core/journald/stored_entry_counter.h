// Counts the entries of this process that journald has stored, by reading the journal
// back (sd-journal, loaded with dlopen() on first use): after journald died, the
// difference to what was sent is what its socket queue took with it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"

struct sd_journal;

namespace mj {

struct SdJournalApi;

// An entry of this process that a dying journald had put into its file's list of entries
// but not yet into the index of each of its values: journal_file_link_entry() links an
// entry into the list first and into the index of each field value after, one value at a
// time, so a journald SIGKILLed in between leaves an entry that some matches find (those
// on the values already linked) and others do not. Either our match on _PID misses it
// (find_partly_indexed()) or, when _PID's value was linked first, one on another of its
// values does (look_up_by_every_value()). It is not counted as stored, so it is sent
// again; the copy names it (resend_marker.h) so that a reader that found both prints it
// once, and one whose match did not find it prints the copy.
struct PartlyIndexedEntry {
  std::uint64_t monotonic_usec = 0;  // its __MONOTONIC_TIMESTAMP
  std::string boot_id;               // its _BOOT_ID (ours), 32 hex digits
  std::string message;               // its MESSAGE, to tell which entry sent it was
};

struct StoredEntries {
  // Entries of ours a match on _PID and _BOOT_ID finds, each once. journald stores an
  // entry twice when its file fills up as it links the entry (the index of one of the
  // entry's values needs a new entry array that no longer fits): the append fails with
  // E2BIG with the entry already in the file's list of entries, and journald rotates and
  // appends it again to the next file, with the same times and contents
  // (server_write_to_journal(); journal-remote's writer_write() does the same). With
  // 800 KiB files and 31 fields of ours, 37 rotations in 38 ended that way here.
  // A partly indexed entry is not counted.
  std::uint64_t count = 0;
  // The partly indexed entries of ours, oldest first: the newest one the match found, if
  // a match on one of its other values does not find it, and those after it that the
  // match does not find. At most one per journald death (journald links one entry at a
  // time).
  std::vector<PartlyIndexedEntry> partly_indexed;
};

class StoredEntryCounter {
 public:
  // journal_namespace "" is the default journal. Entries are those with this process's
  // _PID and _BOOT_ID received since the counter was made (an earlier process with the
  // same pid had exited before this one started).
  explicit StoredEntryCounter(std::string journal_namespace);
  ~StoredEntryCounter();
  StoredEntryCounter(const StoredEntryCounter&) = delete;
  StoredEntryCounter& operator=(const StoredEntryCounter&) = delete;

  // Entries stored so far, and the partly indexed ones after them. Counting resumes
  // where the last call stopped; a partly indexed entry is reported again by every call
  // as long as no entry the match finds comes after it.
  Result<StoredEntries> count();

  // After a count that could not be trusted: only entries journald receives from now on
  // are counted, to be compared with what is sent from now on. journald stamps
  // an entry with the time it receives it, and nothing of ours reaches the new journald
  // before the caller sends again, so no entry is on both sides of the line.
  void start_over();

 private:
  struct JournalCloser {
    const SdJournalApi* api;
    void operator()(::sd_journal* j) const;
  };
  using JournalPtr = std::unique_ptr<::sd_journal, JournalCloser>;
  Result<JournalPtr> open_journal() const;
  // One read of the journal, resuming from cursor_; count() takes it only if no journal
  // file was renamed or replaced meanwhile (settled_read.h).
  Result<StoredEntries> count_once();
  // Whether the current entry was received at or after monotonic_usec (start_over()).
  bool received_since(::sd_journal* j, std::uint64_t monotonic_usec) const;
  Status find_partly_indexed(::sd_journal* j, const std::string& pid_match, const std::string& boot_id,
                             std::vector<PartlyIndexedEntry>& out);
  // The entry at `cursor`, if a match on one of its own values does not find it.
  Result<std::optional<PartlyIndexedEntry>> look_up_by_every_value(const std::string& cursor);

  std::string namespace_;
  std::uint64_t since_usec_;
  std::uint64_t seek_usec_;                 // realtime a count from the start seeks to
  std::uint64_t from_monotonic_usec_ = 0;   // entries received before it are not counted
  std::string cursor_;         // the last entry the match on _PID and _BOOT_ID found
  std::uint64_t counted_ = 0;  // entries counted up to cursor_ (the match's, each once, whole)
  std::string last_identity_;  // the times and contents hash of the last one counted
  std::string unverified_;     // the newest entry counted by the last read, to look up
  std::vector<std::string> directories_;  // where the namespace's journal files are
  std::unique_ptr<SdJournalApi> api_;
};

}  // namespace mj
