// Entries a log collector holds twice, read once; two writes never read as one
// (docs/reading.md#entries-held-twice).
//
// systemd-journal-upload resends, after an upload was cut off, every entry since the
// last cursor the collector acknowledged; systemd-journal-remote has no way to know which
// of them it had already written, so those are stored again. A copy keeps what the source
// journal gave the entry (_BOOT_ID, __MONOTONIC_TIMESTAMP, _PID, the fields) but not the
// source's identity of it: 252's export stream carries no __SEQNUM, journal-remote drops
// __CURSOR and numbers what it stores itself. So a copy can be told only by its fields
// and times, and only where no two writes share those:
//
// * The companion's native-protocol entries (_TRANSPORT=journal with a STREAM field):
//   journald takes one datagram per event and stamps its entries with the event's time,
//   and the companion never puts two entries that are otherwise the same into one
//   datagram (JournalStreamWriter). _PID and the fields tell apart sources stamped in
//   the same microsecond. Such entries equal in all of them are one. (A native entry
//   without STREAM is not the companion's: nothing says its sender kept equal entries
//   out of one datagram.)
// * Every other entry, above all the stream protocol's (_TRANSPORT=stdout: --transport
//   stream, a service's stdout): all lines one read of the connection brought carry the
//   read's time, so 300 equal lines are 300 entries equal in every field and time, as 300
//   copies of one would be. Those are never merged: a copy of one is printed twice
//   rather than a line lost.
//
// A machine's own journal holds no copies (sd-journal itself skips an entry it finds in
// two files, by seqnum id and seqnum) but one kind, which the companion marks: a
// standalone journald SIGKILLed while it stored an entry can leave it linked into the
// file's list of entries and into the index of some of its field values but not of
// others. No read-back can tell whether every reader finds it, so the companion sends it
// again (core/journald/stored_entry_counter.h), and the copy carries
// MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC, the original's monotonic time: it is keyed
// with that time instead of its own, so it equals the original in every field of the
// key. A reader whose match found the original prints it and drops the copy; one whose
// match did not (the original's value for that field was not indexed yet) prints the
// copy, once. The copy comes after the original, in the file the restarted journald
// started (same boot, later monotonic time), a few entries later.
//
// sd-journal returns the copy next to the original when they are in different files
// (ordered by boot and monotonic time), and at most one interrupted upload later in the
// same file, so only the last `window` such entries are remembered: memory stays bounded
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

  // True when `r` is a native-protocol entry of the companion and one identical to it
  // in the fields above was among the last `window` such entries passed here (it is
  // then not remembered again). Any other entry, and one without a boot id or monotonic
  // time (not read from a journal), is never a duplicate.
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
