// The journal files sd-journal reads for one namespace, each name with the file it refers
// to: two listings are equal only if no journal file was created, removed, renamed or
// replaced between them (settled_read.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace mj {

struct JournalFileName {
  std::string path;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;  // 0: the name was gone again by the time it was looked at
};

bool operator==(const JournalFileName& a, const JournalFileName& b);

using JournalFileListing = std::vector<JournalFileName>;  // sorted by path

// The directories sd_journal_open_namespace(SD_JOURNAL_LOCAL_ONLY) reads: the runtime
// and the persistent journal of this machine, "<machine id>" for the default namespace
// (journal_namespace "") and "<machine id>.<namespace>" for another.
std::vector<std::string> journal_directories(const std::string& machine_id, const std::string& journal_namespace);

// The *.journal and *.journal~ files (the names sd-journal opens) in `directories`; a
// directory that does not exist holds none.
Result<JournalFileListing> list_journal_files(const std::vector<std::string>& directories);

}  // namespace mj
