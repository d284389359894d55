// Command line of mesos-journald-logs, parsed and validated into plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reader/record_format.h"

namespace mj {

enum class StreamFilter { kBoth, kStdout, kStderr };

struct ReaderOptions {
  // Exact FIELD=VALUE matches, AND-combined across fields (the journal ORs values of
  // one field, so two --match A=… select either).
  std::vector<std::pair<std::string, std::string>> matches;
  std::optional<std::string> container;  // CONTAINER_ID=ID or CONTAINER_ID=ID.*
  StreamFilter stream = StreamFilter::kBoth;

  // Where to read: the local journal unless one of these.
  std::optional<std::string> journal_namespace;  // "*": every namespace, merged
  std::optional<std::string> directory;
  std::vector<std::string> files;

  std::optional<std::uint64_t> lines;  // the last N lines
  std::optional<std::uint64_t> since_usec;
  std::optional<std::uint64_t> until_usec;
  OutputFormat format = OutputFormat::kRaw;
  bool follow = false;
};

struct ParsedReaderCommandLine {
  std::optional<ReaderOptions> options;
  int exit_code = 0;
  std::string output;  // for stdout on success (help/version), stderr on error
};

// now_usec is what relative times (--since -10m) count back from.
ParsedReaderCommandLine parse_reader_command_line(int argc, const char* const* argv, std::uint64_t now_usec);

}  // namespace mj
