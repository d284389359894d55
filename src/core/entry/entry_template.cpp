#include "core/entry/entry_template.h"

namespace mj {

const char* stream_field_value(StreamKind kind) { return kind == StreamKind::kStdout ? "STDOUT" : "STDERR"; }
const char* stream_file_name(StreamKind kind) { return kind == StreamKind::kStdout ? "stdout" : "stderr"; }

}  // namespace mj
