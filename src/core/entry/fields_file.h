// The --fields-file format: one JSON object whose members are journal fields.
//
//   {"FRAMEWORK_ID": "f1", "LABEL_TEAM": "payments", "TAGS": ["a", "b"]}
//
// A value is a string, or an array of strings for a field that occurs several times
// (journald keeps every occurrence). Strings are JSON strings, so any byte sequence that
// is valid UTF-8 can be carried, newlines included. Names are checked like --field.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/entry/entry_template.h"

namespace mj {

inline constexpr std::size_t kMaxFieldsFileBytes = 4 * 1024 * 1024;

Result<std::vector<Field>> parse_fields_json(std::string_view text);

// Serialises fields in the same format (for the module, which writes what the companion
// reads). Invalid UTF-8 in a value is replaced by U+FFFD.
std::string format_fields_json(const std::vector<Field>& fields);

}  // namespace mj
