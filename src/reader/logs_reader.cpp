#include "reader/logs_reader.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "reader/duplicate_filter.h"
#include "reader/fd_output.h"
#include "reader/journal_source.h"
#include "reader/line_printer.h"
#include "reader/line_rejoiner.h"

namespace mj {
namespace {

constexpr std::size_t kFlushAbove = 256 * 1024;
// sd_journal_wait() wakes at once on a change (inotify); the timeout only bounds how
// long a reader that went away (closed pipe) goes unnoticed while nothing is logged.
constexpr std::uint64_t kFollowWaitUsec = 100 * 1000;
// raw --follow: how long complete lines wait for a line printed piece by piece.
constexpr std::uint64_t kStalledLineUsec = 1000 * 1000;

std::uint64_t monotonic_usec() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "mesos-journald-logs: %s\n", message.c_str());
  return 1;
}

// A piece that continues a line whose start is before --since (or before the last -n
// lines): the line belongs to where its first piece is, so it is not in the range.
bool starts_before_range(const JournalRecord& r, const LineRejoiner& rejoiner) {
  return !r.partial_id.empty() && r.ordinal > 1 && !rejoiner.continues_open_line(r);
}

}  // namespace

int run_reader(const ReaderOptions& o) {
  auto source = JournalSource::open(o);
  if (!source) return fail(source.error().message);
  Status seeked = o.lines ? source->seek_last_lines(*o.lines, o.since_usec)
                 : o.since_usec ? source->seek_realtime(*o.since_usec)
                                : source->seek_head();
  if (!seeked) return fail(seeked.error().message);

  FdOutput out(STDOUT_FILENO), err(STDERR_FILENO);
  LinePrinter printer(o.format, out, err);
  LineRejoiner rejoiner;
  // A collector's journal can hold an entry twice (an interrupted upload was resent);
  // a native-protocol entry of the companion is then printed once. Other entries are
  // never merged: equal lines of one stream-protocol read look just like copies.
  DuplicateFilter duplicates;
  if (o.lines) printer.hold_last(*o.lines);
  printer.stream_pieces(o.follow && o.format == OutputFormat::kRaw);

  // Reads what the journal holds now. Past --until only the pieces of lines that began
  // before it are taken, so that those lines are complete.
  auto read_available = [&]() -> Status {
    JournalRecord r;
    for (;;) {
      auto more = source->next(r);
      if (!more) return more.error();
      if (!*more) return Status::success();
      if (duplicates.seen_before(r)) continue;
      if (o.until_usec && r.time_usec > *o.until_usec) {
        if (!rejoiner.has_open_lines()) return Status::success();
        if (!rejoiner.continues_open_line(r)) continue;
      } else if ((o.since_usec || o.lines) && starts_before_range(r, rejoiner)) {
        continue;
      }
      rejoiner.add(std::move(r), printer);
      if (Status s = out.flush(kFlushAbove); !s) return s;
      if (out.closed()) return Status::success();
      if (Status s = err.flush(); !s) return s;
    }
  };

  if (Status s = read_available(); !s) return fail(s.error().message);
  if (!o.follow) rejoiner.flush_open(printer);
  printer.release_held();
  if (Status s = out.flush(); !s) return fail(s.error().message);
  if (Status s = err.flush(); !s) return fail(s.error().message);
  if (out.closed()) return 0;
  if (!o.follow) {
    if (printer.records() == 0) return fail("no entries match in " + source->description());
    return 0;
  }
  for (;;) {
    printer.release_stalled(monotonic_usec(), kStalledLineUsec);
    if (Status s = source->wait(kFollowWaitUsec); !s) return fail(s.error().message);
    if (out.peer_gone()) return 0;
    if (Status s = read_available(); !s) return fail(s.error().message);
    printer.release_stalled(monotonic_usec(), kStalledLineUsec);
    if (Status s = out.flush(); !s) return fail(s.error().message);
    if (Status s = err.flush(); !s) return fail(s.error().message);
    if (out.closed()) return 0;
  }
}

}  // namespace mj
