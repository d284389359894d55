// Bounds on the metadata the module attaches to every journal entry of a container.
//
// Every field is repeated in every entry, so labels cost journald work on every line;
// and journald drops a whole entry that carries more than 1024 fields (its
// ENTRY_FIELD_COUNT_MAX), a limit shared with the companion's own fields
// (MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, STREAM, CONTAINER_PARTIAL_*).
#pragma once

#include <cstddef>

namespace mj {

// All derived fields together (ids, extra_fields, labels), counted as the native
// protocol's "NAME=value\n".
inline constexpr std::size_t kMaxMetadataBytes = 64 * 1024;
inline constexpr std::size_t kMaxMetadataFields = 256;

// The operator's extra_fields may use at most half of each, so that the ids and some
// labels always fit.
inline constexpr std::size_t kMaxExtraFieldsBytes = kMaxMetadataBytes / 2;
inline constexpr std::size_t kMaxExtraFields = kMaxMetadataFields / 2;

inline std::size_t metadata_cost(std::size_t name_bytes, std::size_t value_bytes) {
  return name_bytes + value_bytes + 2;
}

}  // namespace mj
