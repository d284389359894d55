// mj::parse_fields_json (the companion's --fields-file) on arbitrary bytes.
//
// Invariants: no crash and no exception (errors are values); every accepted field name
// is valid for journald (mj::is_valid_field_name) and not one the companion writes
// itself (!mj::is_reserved_field_name); format_fields_json() of the result parses back to
// the same fields, in the same order.
#include <string>
#include <string_view>
#include <vector>

#include "core/entry/field_name.h"
#include "core/entry/fields_file.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = mj::parse_fields_json(text);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty(), "an error without a message");
    return 0;
  }
  for (const mj::Field& f : *parsed) {
    FUZZ_CHECK(mj::is_valid_field_name(f.name), "accepted invalid field name '%s'", f.name.c_str());
    FUZZ_CHECK(!mj::is_reserved_field_name(f.name), "accepted reserved field name '%s'", f.name.c_str());
  }
  std::string again = mj::format_fields_json(*parsed);
  auto reparsed = mj::parse_fields_json(again);
  FUZZ_CHECK(reparsed.ok(), "format_fields_json output does not parse: %s", reparsed.error().message.c_str());
  FUZZ_CHECK(reparsed->size() == parsed->size(), "%zu fields, %zu after a round trip", parsed->size(),
             reparsed->size());
  for (std::size_t i = 0; i < parsed->size(); ++i)
    FUZZ_CHECK((*parsed)[i].name == (*reparsed)[i].name && (*parsed)[i].value == (*reparsed)[i].value,
               "field %zu (%s) differs after a round trip", i, (*parsed)[i].name.c_str());
  return 0;
}
