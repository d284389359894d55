// The reader's output formats (-o raw|short|json|cri), as pure functions of a rejoined
// line or a gap entry, appending to a buffer. docs/reading.md describes each.
#pragma once

#include <string>
#include <string_view>

#include "reader/journal_record.h"
#include "reader/line_rejoiner.h"

namespace mj {

enum class OutputFormat { kRaw, kShort, kJson, kCri };

// raw: exactly the bytes the task wrote: the line and '\n', unless the stream ended
// after it without one (or it is a line still being written).
void format_raw(const RejoinedLine& line, std::string& out);
// short: "TIME STREAM LINE\n", TIME as format_iso_usec, the line escaped.
void format_short(const RejoinedLine& line, std::string& out);
// json: one object per line (see docs/reading.md for the keys).
void format_json(const RejoinedLine& line, std::string& out);
// cri: "<RFC3339Nano> <stdout|stderr> <P|F> <piece>\n" per piece; F on the last.
void format_cri(const RejoinedLine& line, std::string& out);

// A gap entry as a record of its own (short, json), or as a sentence for stderr (raw,
// cri: their output has no place for it).
void format_short_gap(const JournalRecord& gap, std::string& out);
void format_json_gap(const JournalRecord& gap, std::string& out);
std::string describe_gap(const JournalRecord& gap);

// Printable ASCII and valid UTF-8 as they are; '\\' as "\\\\"; \t \r \e and every other
// control byte, and each byte of an invalid UTF-8 sequence, as "\xNN" (or "\t", "\r").
std::string escape_line(std::string_view s);
bool is_valid_utf8(std::string_view s);
std::string base64_encode(std::string_view s);

}  // namespace mj
