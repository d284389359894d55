// A read of files that their writer renames and replaces while they are read, taken only
// when the files did not change under it.
//
// journald renames a journal file it finds dirty at start (SIGKILLed: still ONLINE) to
// "NAME@….journal~" and creates a new NAME.journal in its place; when a file is full it
// renames it to "NAME@….journal" and does the same. sd-journal lists the directory first
// and opens each name after: a reader that listed before such a rename and opened the
// name after it holds the new, empty file and not the old one, and finds none of the old
// one's entries. A restarting journald does this after it has bound its socket, just
// when a companion that reconnected reads the journal back, and the read-back missed a
// whole file of stored entries (4,856 in the soak, the entries of the last 5 s).
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "core/base/result.h"

namespace mj {

struct SettlePolicy {
  int attempts = 6;                                 // reads in all, at most
  std::chrono::milliseconds first_pause{5};         // before the second read; doubled after each
};

// list() names the files and what each name refers to (a Result<Listing>, Listing
// comparable with ==); read() reads them (a Result<T>) and must start afresh each time;
// pause(d) waits d. Returns what the first read with the same listing before and after
// it gave, value or error (a read that found no file at all is as unreliable as one that
// missed one when the files changed under it), an error of list(), or an error once
// `attempts` reads all saw the files change. With the default policy the pauses add up
// to 155 ms.
template <typename T, typename List, typename Read, typename Pause>
Result<T> read_settled(List&& list, Read&& read, Pause&& pause, SettlePolicy policy = {}) {
  std::chrono::milliseconds wait = policy.first_pause;
  for (int attempt = 1;; ++attempt) {
    auto before = list();
    if (!before) return before.error();
    Result<T> got = read();
    auto after = list();
    if (!after) return after.error();
    if (*before == *after) return got;
    if (attempt >= policy.attempts)
      return Error{"the journal's files were renamed or replaced during each of " + std::to_string(attempt) +
                   " reads"};
    pause(wait);
    wait *= 2;
  }
}

}  // namespace mj
