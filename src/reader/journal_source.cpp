#include "reader/journal_source.h"

#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace mj {
namespace {

Error sd_error(const std::string& what, int r) { return Error::from_errno(what, -r); }

std::uint64_t to_u64(std::string_view v) {
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// Puts one "NAME=value" field of an entry where it belongs.
void take_field(std::string_view name, std::string_view value, JournalRecord& r, GapInfo& gap, bool& is_gap) {
  switch (name[0]) {
    case 'M':
      if (name == "MESSAGE") r.message.assign(value);
      else if (name == "MESOS_JOURNALD_NO_NEWLINE") r.no_newline = value == "true";
      else if (name == "MESOS_JOURNALD_DROPPED_ENTRIES") is_gap = true, gap.entries = to_u64(value);
      else if (name == "MESOS_JOURNALD_DROPPED_BYTES") gap.bytes = to_u64(value);
      else if (name == "MESOS_JOURNALD_DROPPED_FIRST_USEC") gap.first_usec = to_u64(value);
      else if (name == "MESOS_JOURNALD_DROPPED_LAST_USEC") gap.last_usec = to_u64(value);
      else if (name == "MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC") r.resend_of_monotonic_usec = to_u64(value);
      break;
    case 'S':
      if (name == "STREAM")
        r.stream = value == "STDOUT" ? ReaderStream::kStdout : value == "STDERR" ? ReaderStream::kStderr
                                                                                : ReaderStream::kUnknown;
      break;
    case 'C':
      if (name == "CONTAINER_ID") r.ids.container_id.assign(value);
      else if (name == "CONTAINER_PARTIAL_ID") r.partial_id.assign(value);
      else if (name == "CONTAINER_PARTIAL_ORDINAL") r.ordinal = static_cast<unsigned>(to_u64(value));
      else if (name == "CONTAINER_PARTIAL_LAST") r.partial_last = value == "true";
      break;
    case 'T':
      if (name == "TASK_ID") r.ids.task_id.assign(value);
      break;
    case '_':
      if (name == "_PID") r.pid.assign(value);
      else if (name == "_TRANSPORT") r.native_protocol = value == "journal";
      break;
    case 'F':
      if (name == "FRAMEWORK_ID") r.ids.framework_id.assign(value);
      break;
    case 'E':
      if (name == "EXECUTOR_ID") r.ids.executor_id.assign(value);
      break;
    case 'A':
      if (name == "AGENT_ID") r.ids.agent_id.assign(value);
      break;
    default:
      break;
  }
}

}  // namespace

Result<JournalSource> JournalSource::open(const ReaderOptions& o) {
  sd_journal* j = nullptr;
  int r = 0;
  std::string description;
  if (!o.files.empty()) {
    std::vector<const char*> paths;
    for (const std::string& f : o.files) paths.push_back(f.c_str());
    paths.push_back(nullptr);
    r = sd_journal_open_files(&j, paths.data(), 0);
    description = o.files.size() == 1 ? "journal file " + o.files[0] : "the journal files given";
  } else if (o.directory) {
    r = sd_journal_open_directory(&j, o.directory->c_str(), 0);
    description = "journal directory " + *o.directory;
  } else if (o.journal_namespace && *o.journal_namespace == "*") {
    r = sd_journal_open_namespace(&j, nullptr, SD_JOURNAL_ALL_NAMESPACES);
    description = "every journal namespace";
  } else if (o.journal_namespace) {
    r = sd_journal_open_namespace(&j, o.journal_namespace->c_str(), 0);
    description = "journal namespace '" + *o.journal_namespace + "'";
  } else {
    r = sd_journal_open(&j, 0);
    description = "the local journal";
  }
  if (r < 0) return sd_error("cannot open " + description, r);
  JournalSource source(j, description);
  // Without this, sd-journal cuts field values at 64 KiB; a piece can be up to
  // --max-line-bytes (64 MiB).
  if ((r = sd_journal_set_data_threshold(j, 0)) < 0) return sd_error("sd_journal_set_data_threshold", r);
  std::uint64_t bytes = 0;
  if ((r = sd_journal_get_usage(j, &bytes)) < 0) return sd_error("cannot read " + description, r);
  // Also with --follow: sd-journal does not notice a namespace's directory that appears
  // later, so waiting would wait for good.
  if (bytes == 0) return Error{"no journal files in " + description + " (or none readable)"};
  if (Status s = source.add_selection(o); !s) return s.error();
  return Result<JournalSource>(std::move(source));
}

Status JournalSource::add_match(const std::string& field, const std::string& value) {
  std::string m = field + "=" + value;
  int r = sd_journal_add_match(j_.get(), m.data(), m.size());
  if (r < 0) return sd_error("cannot add match " + field + "=…", r);
  return Status::success();
}

Status JournalSource::add_selection(const ReaderOptions& o) {
  for (const auto& [field, value] : o.matches)
    if (Status s = add_match(field, value); !s) return s;
  if (o.container) {
    // The journal matches whole values only: nested containers (ID.child) are the
    // CONTAINER_ID values the journal holds now that start with "ID.". Values of one
    // field are ORed, and ANDed with the other fields.
    if (Status s = add_match("CONTAINER_ID", *o.container); !s) return s;
    const std::string prefix = *o.container + ".";
    const void* data = nullptr;
    std::size_t len = 0;
    int r = sd_journal_query_unique(j_.get(), "CONTAINER_ID");
    if (r < 0) return sd_error("cannot list the CONTAINER_ID values", r);
    std::vector<std::string> nested;
    SD_JOURNAL_FOREACH_UNIQUE(j_.get(), data, len) {
      std::string_view v(static_cast<const char*>(data), len);
      v.remove_prefix(std::strlen("CONTAINER_ID="));
      if (v.substr(0, prefix.size()) == prefix) nested.emplace_back(v);
    }
    for (const std::string& n : nested)
      if (Status s = add_match("CONTAINER_ID", n); !s) return s;
  }
  if (o.stream != StreamFilter::kBoth)
    if (Status s = add_match("STREAM", o.stream == StreamFilter::kStdout ? "STDOUT" : "STDERR"); !s) return s;
  return Status::success();
}

Status JournalSource::seek_head() {
  int r = sd_journal_seek_head(j_.get());
  if (r < 0) return sd_error("cannot read " + description_, r);
  return Status::success();
}

Status JournalSource::seek_realtime(std::uint64_t usec) {
  int r = sd_journal_seek_realtime_usec(j_.get(), usec);
  if (r < 0) return sd_error("cannot read " + description_, r);
  return Status::success();
}

Status JournalSource::seek_since(std::optional<std::uint64_t> since_usec) {
  return since_usec ? seek_realtime(*since_usec) : seek_head();
}

Status JournalSource::seek_last_lines(std::uint64_t n, std::optional<std::uint64_t> since_usec) {
  int r = sd_journal_seek_tail(j_.get());
  if (r < 0) return sd_error("cannot read " + description_, r);
  if (n == 0) return Status::success();  // next() finds only what comes later
  // Backwards from the end, to the n-th entry that begins a line (a line that fits, or
  // a first piece), then over the gap entries right before it. Reading the whole
  // selection forwards would take time in proportion to the task's log, not to n.
  std::uint64_t starts = 0;
  std::string cursor;
  JournalRecord rec;
  for (;;) {
    r = sd_journal_previous(j_.get());
    if (r < 0) return sd_error("cannot read " + description_, r);
    if (r == 0) return seek_since(since_usec);  // fewer than n lines: all of them
    if (Status s = read_current(rec); !s) return s;
    if (since_usec && rec.time_usec < *since_usec) return seek_since(since_usec);
    bool starts_line = !rec.gap && (rec.partial_id.empty() || rec.ordinal == 1);
    if (starts_line && ++starts > n) break;
    if (starts == n && !starts_line && !rec.gap) break;
    char* c = nullptr;
    if ((r = sd_journal_get_cursor(j_.get(), &c)) < 0) return sd_error("cannot read " + description_, r);
    cursor = c;
    std::free(c);
  }
  // The first entry to read is the last one taken; next() returns it.
  if ((r = sd_journal_seek_cursor(j_.get(), cursor.c_str())) < 0) return sd_error("cannot read " + description_, r);
  return Status::success();
}

Result<bool> JournalSource::next(JournalRecord& out) {
  int r = sd_journal_next(j_.get());
  if (r < 0) return sd_error("cannot read " + description_, r);
  if (r == 0) return false;
  if (Status s = read_current(out); !s) return s.error();
  return true;
}

Status JournalSource::read_current(JournalRecord& out) {
  int r = 0;
  out = JournalRecord{};
  if ((r = sd_journal_get_realtime_usec(j_.get(), &out.time_usec)) < 0)
    return sd_error("cannot read an entry's time in " + description_, r);
  sd_id128_t boot{};
  if ((r = sd_journal_get_monotonic_usec(j_.get(), &out.monotonic_usec, &boot)) < 0)
    return sd_error("cannot read an entry's time in " + description_, r);
  char boot_text[SD_ID128_STRING_MAX];
  out.boot_id = sd_id128_to_string(boot, boot_text);
  GapInfo gap;
  bool is_gap = false;
  const void* data = nullptr;
  std::size_t len = 0;
  sd_journal_restart_data(j_.get());
  while ((r = sd_journal_enumerate_data(j_.get(), &data, &len)) > 0) {
    std::string_view field(static_cast<const char*>(data), len);
    auto eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    take_field(field.substr(0, eq), field.substr(eq + 1), out, gap, is_gap);
  }
  if (r < 0) return sd_error("cannot read an entry of " + description_, r);
  if (is_gap) out.gap = gap;
  return Status::success();
}

Status JournalSource::wait(std::uint64_t timeout_usec) {
  int r = sd_journal_wait(j_.get(), timeout_usec);
  if (r < 0) return sd_error("cannot wait for " + description_, r);
  return Status::success();
}

}  // namespace mj
