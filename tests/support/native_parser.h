// A reference parser for journald's native protocol, written from journald's
// server_process_native_message() rules, used to check what the encoder produces.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mj::test {

using ParsedFields = std::vector<std::pair<std::string, std::string>>;

// One datagram's fields in order; nullopt when journald would find it malformed
// (truncated binary field, missing terminator). An empty line would end the entry: such
// a datagram is reported as malformed too, since the encoder must never produce it.
std::optional<ParsedFields> parse_native(std::string_view datagram);

// A datagram's entries, each with its bytes as parse_native() takes them: journald ends
// an entry at an empty line where a field name would start and parses on. nullopt when
// a field is malformed or an entry is empty.
std::optional<std::vector<std::string>> split_native(std::string_view datagram);

}  // namespace mj::test
