// What mesos-journald-logs printed, taken apart for tests that compare it with what was
// written (tests/integration/reader_test.cpp, tests/systemd/collector_test.cpp).
#pragma once

#include <string>
#include <vector>

namespace mj::test {

// The lines of a byte stream as a reader must give them back: split at '\n', and a
// last line without '\n' when there is one.
std::vector<std::string> split_lines(const std::string& s);

std::string base64_decode(const std::string& in);

// The line of each record the reader printed with `-o format` (short, json or cri), in
// order; cri records must be whole lines (tag F). short escapes non-printable bytes:
// compare such lines in raw or json.
std::vector<std::string> record_messages(const std::string& format, const std::string& out);

}  // namespace mj::test
