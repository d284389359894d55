// Journal field names: what journald accepts, what this project reserves for itself,
// and how arbitrary keys (Mesos labels) are turned into valid names.
#pragma once

#include <string>
#include <string_view>

#include "core/base/result.h"

namespace mj {

inline constexpr std::size_t kMaxFieldNameBytes = 64;

// journald's rule for fields a client may set: [A-Z0-9_], 1..64 bytes, not starting
// with '_' (trusted fields) nor with a digit.
bool is_valid_field_name(std::string_view name);

// Fields the companion writes itself; a user-supplied field may not use these names,
// because it would duplicate or contradict what the companion writes.
bool is_reserved_field_name(std::string_view name);

// Validation for user-supplied names (--field, --fields-file): valid and not reserved.
// The error says which rule failed.
Status check_user_field_name(std::string_view name);

// Docker's label-to-field mapping: lower case to upper case, anything else that is not
// [A-Z0-9] to '_'; then leading '_' and digits are dropped and the result is cut to 64
// bytes. Returns an empty string when nothing valid is left.
std::string sanitize_field_name(std::string_view key);

}  // namespace mj
