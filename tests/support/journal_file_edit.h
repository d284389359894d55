// Changes a journal file as a journald SIGKILLed inside journal_file_link_entry() leaves
// it: the newest entry linked into the file's list of entries but not yet into the index
// of one of its field values (docs/reliability.md). For tests that force that window,
// which otherwise a kill hits about once in a million entries.
#pragma once

#include <string>

namespace mj::test {

// Takes the newest entry out of the index of the data object `value` (e.g. "_PID=42")
// in the journal file `path`: that object's n_entries one less, as when journald died
// before it had linked that item. The file must not be open for writing (journald
// stopped). Returns "" or what went wrong.
std::string unindex_newest_entry(const std::string& path, const std::string& value);

// The same in every *.journal and *.journal~ file of `directory` that holds `value`;
// "" when at least one was changed.
std::string unindex_newest_entry_in(const std::string& directory, const std::string& value);

}  // namespace mj::test
