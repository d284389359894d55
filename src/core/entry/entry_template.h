// What every journal entry of one stream carries besides its message.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mj {

enum class StreamKind { kStdout, kStderr };

const char* stream_field_value(StreamKind kind);  // "STDOUT" / "STDERR"
const char* stream_file_name(StreamKind kind);    // "stdout" / "stderr"

struct Field {
  std::string name;
  std::string value;
};

struct EntryTemplate {
  std::string identifier;     // SYSLOG_IDENTIFIER
  StreamKind stream = StreamKind::kStdout;
  int priority = 6;           // 0..7
  bool level_prefix = false;  // a leading "<N>" on a line sets its priority
  std::vector<Field> fields;  // validated user fields, in order
};

}  // namespace mj
