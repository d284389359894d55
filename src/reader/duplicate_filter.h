// Entries a log collector holds twice, read once (docs/reading.md#entries-held-twice).
//
// systemd-journal-upload resends, after an upload was cut off, every entry since the
// last cursor the collector acknowledged; systemd-journal-remote has no way to know which
// of them it had already written, so those are stored again. The copies are identical in
// what the source journal gave them: _BOOT_ID, __MONOTONIC_TIMESTAMP, _PID, MESSAGE and
// the companion's fields. Two different lines never are: one journald stamps entries of
// one boot with increasing monotonic times, except that the entries of one datagram get
// one time, and the companion never puts two entries that are otherwise the same into
// one datagram (JournalStreamWriter); _PID and the fields tell apart sources stamped in
// the same microsecond.
//
// sd-journal returns the copy next to the original when they are in different files
// (ordered by boot and monotonic time), and at most one interrupted upload later in the
// same file, so only the last `window` entries are remembered: memory stays bounded
// while following for days.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_set>

#include "reader/journal_record.h"

namespace mj {

class DuplicateFilter {
 public:
  static constexpr std::size_t kDefaultWindow = 100000;  // about 5 MB

  explicit DuplicateFilter(std::size_t window = kDefaultWindow) : window_(window) {}

  // True when an entry identical in the fields above was among the last `window`
  // entries passed here (it is then not remembered again). An entry without a boot id
  // or monotonic time (not read from a journal) is never a duplicate.
  bool seen_before(const JournalRecord& r);

 private:
  // A 128-bit hash of the fields (two FNV-1a over the same bytes with different
  // starting states); equal keys of different entries are not a practical concern.
  struct Key {
    std::uint64_t a = 0, b = 0;
    bool operator==(const Key& o) const { return a == o.a && b == o.b; }
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return static_cast<std::size_t>(k.a ^ (k.b * 0x9e3779b97f4a7c15ULL)); }
  };
  static Key key_of(const JournalRecord& r);

  std::size_t window_;
  std::unordered_set<Key, KeyHash> keys_;
  std::deque<Key> order_;  // oldest first, to forget beyond the window
};

}  // namespace mj
