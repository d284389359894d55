#include "core/stored_entry_counter.h"

#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstring>

#include "core/wait_control.h"

namespace mj {
namespace {


struct JournalCloser {
  void operator()(sd_journal* j) const { sd_journal_close(j); }
};

}  // namespace

StoredEntryCounter::StoredEntryCounter(std::string journal_namespace)
    : namespace_(std::move(journal_namespace)), since_usec_(realtime_usec()) {}

StoredEntryCounter::~StoredEntryCounter() = default;

Result<std::uint64_t> StoredEntryCounter::count() {
  sd_journal* raw = nullptr;
  int r = sd_journal_open_namespace(&raw, namespace_.empty() ? nullptr : namespace_.c_str(), SD_JOURNAL_LOCAL_ONLY);
  if (r < 0) return Error::from_errno("cannot open the journal to check what journald stored", -r);
  std::unique_ptr<sd_journal, JournalCloser> j(raw);

  std::string pid = "_PID=" + std::to_string(::getpid());
  sd_id128_t boot;
  char boot_text[SD_ID128_STRING_MAX];
  if ((r = sd_id128_get_boot(&boot)) < 0) return Error::from_errno("cannot read the boot id", -r);
  std::string boot_match = std::string("_BOOT_ID=") + sd_id128_to_string(boot, boot_text);
  if ((r = sd_journal_add_match(j.get(), pid.data(), pid.size())) < 0 ||
      (r = sd_journal_add_match(j.get(), boot_match.data(), boot_match.size())) < 0)
    return Error::from_errno("cannot filter the journal", -r);

  if (cursor_.empty()) {
    r = sd_journal_seek_realtime_usec(j.get(), since_usec_ > 10000000 ? since_usec_ - 10000000 : 0);
  } else {
    r = sd_journal_seek_cursor(j.get(), cursor_.c_str());
    if (r >= 0) {
      r = sd_journal_next(j.get());  // the entry the cursor names was counted already
      if (r > 0 && sd_journal_test_cursor(j.get(), cursor_.c_str()) <= 0) {
        // The cursor's entry is gone (rotated away): count again from the start.
        cursor_.clear();
        counted_ = 0;
        return count();
      }
    }
  }
  if (r < 0) return Error::from_errno("cannot seek in the journal", -r);

  std::uint64_t n = counted_;
  while ((r = sd_journal_next(j.get())) > 0) {
    std::uint64_t usec = 0;
    if (cursor_.empty() && sd_journal_get_realtime_usec(j.get(), &usec) >= 0 && usec + 10000000 < since_usec_)
      continue;  // a pid-reusing predecessor's entries, received before we started
    ++n;
  }
  if (r < 0) return Error::from_errno("cannot read the journal", -r);
  // The cursor of the last entry counted, to resume from. (sd_journal_previous() after
  // the end would step back past it: seek to the tail instead.)
  char* c = nullptr;
  if (n > counted_ && sd_journal_seek_tail(j.get()) >= 0 && sd_journal_previous(j.get()) > 0 &&
      sd_journal_get_cursor(j.get(), &c) >= 0 && c) {
    cursor_ = c;
    ::free(c);
    counted_ = n;
  }
  return n;
}

}  // namespace mj
