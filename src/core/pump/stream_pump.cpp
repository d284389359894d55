#include "core/pump/stream_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mj {
namespace {

constexpr std::size_t kRawReadSize = 128 * 1024;
constexpr int kReadsPerWakeup = 8;
constexpr std::size_t kExclusivePipeSize = 1024 * 1024;
// Files only: after a read that found less than kGatherBelow in a pipe of at least
// kGatherPipeMin, wait kGatherNs before reading again. A task writing a line per
// write() is slower than a copy to the page cache, so every read found a few lines:
// 600,000 lines of 100 B took 137,000 reads and as many writes. Waiting 250 µs took the
// companion's CPU for them from 420-570 ms to 70-100 ms (task and companion together,
// median of 5: 844 -> 474 ms, `cat` 901; at 1 KiB 699 -> 579 ms, `cat` 771), with the
// clock time as `cat`'s within the noise. A 1 ms wait made the task slower by the clock
// (probably because the pages of a fuller pipe are no longer reused as they are read).
// The pipe holds what comes meanwhile (250 µs fill 1 MiB only above 4 GB/s, and a read
// of 64 KiB or more means no wait); nothing reads the sandbox file fast enough to notice.
constexpr std::size_t kGatherBelow = 64 * 1024;
constexpr std::size_t kGatherPipeMin = 512 * 1024;
constexpr long kGatherNs = 250000;

}  // namespace

struct StreamPump::Stream {
  Stream(UniqueFd in, StreamKind k, std::optional<RotatingFile> f, const PumpOptions& options)
      : fd(std::move(in)), kind(k), framer(options.max_line_bytes, options.read_size), file(std::move(f)) {}

  UniqueFd fd;
  StreamKind kind;
  LineFramer framer;
  std::unique_ptr<JournalStreamWriter> writer;  // native transport; null otherwise
  std::unique_ptr<JournalStreamConnection> out;  // stream transport
  std::unique_ptr<char[]> raw;                  // read buffer when nothing is framed here
  std::size_t read_size = 0;
  std::optional<RotatingFile> file;
  bool nonblocking = false;
  bool last_read_full = false;  // the pipe may hold more
  std::size_t last_read_bytes = 0;
  bool gather = false;  // files only, on a large exclusive pipe: let input gather (kGatherNs)
  std::size_t pipe_size = 0;     // capacity of an exclusive input pipe; 0 otherwise
  std::uint64_t bytes_read = 0;
  Clock::time_point last_input{};
};

bool PumpReport::lost_anything() const {
  if (unread_bytes > 0 || drops.dropped_entries > 0 || drops.lost_at_exit > 0) return true;
  for (const StreamReport& s : streams)
    if (s.journal.lost_entries > 0 || s.file.bytes_lost > 0 || s.journal_stream.lost_bytes > 0 ||
        s.journal_stream.at_risk_bytes > 0)
      return true;
  return false;
}

StreamPump::StreamPump(PumpOptions options, JournalSocket* journal, Diagnostics& diag, int signal_fd,
                       SignalPolicy* policy)
    : options_(options), journal_(journal), diag_(diag), signal_fd_(signal_fd), policy_(policy) {
  if (!journal_) return;
  if (options_.drop_buffer_bytes > 0)
    delivery_ = std::make_unique<DroppingDelivery>(*journal_, options_.drop_buffer_bytes, diag_);
  else
    delivery_ = std::make_unique<BlockingDelivery>(*journal_, static_cast<WaitControl&>(*this));
}

StreamPump::~StreamPump() = default;

void StreamPump::add_stream(UniqueFd input, const EntryTemplate& tmpl, std::optional<RotatingFile> file,
                            bool exclusive) {
  auto s = std::make_unique<Stream>(std::move(input), tmpl.stream, std::move(file), options_);
  if (delivery_) s->writer = std::make_unique<JournalStreamWriter>(tmpl, *delivery_, partial_ids_);
  add(std::move(s), exclusive);
}

void StreamPump::add_stream(UniqueFd input, StreamKind kind, std::unique_ptr<JournalStreamConnection> out,
                            std::optional<RotatingFile> file, bool exclusive) {
  auto s = std::make_unique<Stream>(std::move(input), kind, std::move(file), options_);
  s->out = std::move(out);
  add(std::move(s), exclusive);
}

void StreamPump::add(std::unique_ptr<Stream> s, bool exclusive) {
  s->read_size = options_.read_size;
  if (!s->writer) {
    // No line framing here (files only, or journald frames): reads as large as cat's
    // cost nothing extra.
    s->read_size = std::max<std::size_t>(options_.read_size, kRawReadSize);
    s->raw.reset(new char[s->read_size]);
  }
  struct stat st{};
  if (exclusive && ::fstat(s->fd.get(), &st) == 0 && S_ISFIFO(st.st_mode)) {
    int flags = ::fcntl(s->fd.get(), F_GETFL);
    s->nonblocking = flags >= 0 && ::fcntl(s->fd.get(), F_SETFL, flags | O_NONBLOCK) == 0;
    // A larger pipe absorbs a burst without blocking the task and lets each wake-up
    // read more: with --no-journal at 16 KiB lines, 1 MiB took the companion from 0.77
    // to 0.9x the speed of cat. The kernel allocates the pages only as data arrives.
    // Best effort: beyond fs.pipe-max-size or the user's pipe quota the pipe keeps its size.
    int size = ::fcntl(s->fd.get(), F_GETPIPE_SZ);
    if (size > 0 && static_cast<std::size_t>(size) < kExclusivePipeSize) {
      int grown = ::fcntl(s->fd.get(), F_SETPIPE_SZ, static_cast<int>(kExclusivePipeSize));
      if (grown > 0) size = grown;
    }
    s->pipe_size = size > 0 ? static_cast<std::size_t>(size) : 0;
  }
  s->gather = !s->writer && !s->out && s->nonblocking && s->pipe_size >= kGatherPipeMin;
  streams_.push_back(std::move(s));
}

void StreamPump::on_interrupt() {
  struct signalfd_siginfo info;
  while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    SignalAction action = policy_ ? policy_->on_signal(static_cast<int>(info.ssi_signo), info.ssi_code)
                                  : SignalAction::kDrain;
    if (action == SignalAction::kDrain) start_drain();
  }
}

void StreamPump::start_drain() {
  if (draining_) return;
  draining_ = true;
  deadline_ = Clock::now() + options_.drain_timeout;
}

void StreamPump::close_stream(Stream& s) {
  if (s.writer) s.framer.finish(*s.writer);
  s.fd.reset();
}

bool StreamPump::read_once(Stream& s) {
  char* buf = s.writer ? s.framer.write_ptr() : s.raw.get();
  const std::size_t want = s.read_size;
  s.last_read_full = false;
  s.last_read_bytes = 0;
  ssize_t n = ::read(s.fd.get(), buf, want);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return true;
    diag_.report(std::string("cannot read ") + stream_file_name(s.kind) + ": " + std::strerror(errno) +
                 "; treating it as end of stream");
    close_stream(s);
    return false;
  }
  if (n == 0) {
    close_stream(s);
    return false;
  }
  auto len = static_cast<std::size_t>(n);
  // A read that emptied a full pipe means the task is probably blocked writing more.
  // Sandbox files only: a pipe too small to let input gather is read on while data
  // comes, as `cat` does, and polled only once empty; a large one waits after a small
  // read instead (let_input_gather()).
  s.last_read_full = len == want || (s.pipe_size != 0 && len >= s.pipe_size) ||
                     (!s.writer && !s.out && (!s.gather || len >= kGatherBelow));
  s.last_read_bytes = len;
  s.bytes_read += len;
  s.last_input = Clock::now();
  // The file first: it must not wait for journald.
  if (s.file) s.file->append(std::string_view(buf, len));
  if (s.writer) s.framer.commit(len, *s.writer);
  if (s.out) (void)s.out->write(std::string_view(buf, len), *this);  // losses are in its stats
  return true;
}

void StreamPump::arm_timer() {
  if (options_.partial_flush.count() == 0 || !journal_) return;
  std::optional<Clock::time_point> due;
  for (auto& s : streams_)
    if (s->fd && s->framer.pending_bytes() > 0) {
      auto t = s->last_input + options_.partial_flush;
      if (!due || t < *due) due = t;
    }
  if (!due) {
    // The line completed: disarm, so that an idle companion is not woken once more.
    if (timer_armed_) {
      struct itimerspec off{};
      ::timerfd_settime(timer_fd_.get(), 0, &off, nullptr);
      timer_armed_ = false;
    }
    return;
  }
  if (timer_armed_) return;  // fires early at worst; on_timer() checks and re-arms
  if (!timer_fd_) {
    timer_fd_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer_fd_) {
      diag_.report(std::string("cannot create timer, partial lines wait for their end: ") + std::strerror(errno));
      options_.partial_flush = std::chrono::milliseconds{0};
      return;
    }
  }
  // steady_clock is CLOCK_MONOTONIC on Linux.
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(due->time_since_epoch()).count();
  struct itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  if (::timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) == 0) timer_armed_ = true;
}

void StreamPump::on_timer() {
  std::uint64_t expirations;
  (void)!::read(timer_fd_.get(), &expirations, sizeof expirations);
  timer_armed_ = false;
  auto now = Clock::now();
  for (auto& s : streams_) {
    if (!s->fd || s->framer.pending_bytes() == 0 || now - s->last_input < options_.partial_flush) continue;
    // Idle means the writer stopped, not that we were busy (waiting on journald, say):
    // the rest of the line may be in the pipe already.
    int avail = 0;
    if (::ioctl(s->fd.get(), FIONREAD, &avail) == 0 && avail > 0) {
      s->last_input = now;
      continue;
    }
    s->framer.flush_partial(*s->writer);
  }
}

void StreamPump::let_input_gather() {
  // Sleeps kGatherNs, woken early only by a signal (which may start the drain).
  struct pollfd p = {signal_fd_, POLLIN, 0};
  const struct timespec wait = {0, kGatherNs};
  if (::ppoll(&p, signal_fd_ >= 0 ? 1 : 0, &wait, nullptr) > 0 && (p.revents & POLLIN)) on_interrupt();
}

void StreamPump::drain_remaining() {
  // Read what the pipes hold at this moment (not what a busy writer adds later), as long
  // as the drain deadline allows, then close every stream.
  for (auto& s : streams_) {
    if (!s->fd) continue;
    int avail = 0;
    bool known = ::ioctl(s->fd.get(), FIONREAD, &avail) == 0;
    std::uint64_t budget = known ? static_cast<std::uint64_t>(avail) : UINT64_MAX;
    std::uint64_t start = s->bytes_read;
    while (s->fd && s->bytes_read - start < budget && Clock::now() < *deadline_) {
      struct pollfd p = {s->fd.get(), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) break;
      if (!read_once(*s)) break;
    }
  }
}

PumpReport StreamPump::run() {
  PumpReport report;
  for (;;) {
    std::vector<struct pollfd> fds;
    std::vector<Stream*> polled;
    for (auto& s : streams_)
      if (s->fd) {
        fds.push_back({s->fd.get(), POLLIN, 0});
        polled.push_back(s.get());
      }
    if (polled.empty()) break;
    if (draining_) {
      drain_remaining();
      report.drained = true;
      break;
    }
    const std::size_t signal_slot = fds.size();
    if (signal_fd_ >= 0) fds.push_back({signal_fd_, POLLIN, 0});
    const std::size_t timer_slot = fds.size();
    if (timer_armed_) fds.push_back({timer_fd_.get(), POLLIN, 0});
    // The drop policy's queue: journald writable again, or time to retry connecting.
    const std::size_t delivery_slot = fds.size();
    int writable = delivery_ ? delivery_->writable_fd() : -1;
    if (writable >= 0) fds.push_back({writable, POLLOUT, 0});
    std::optional<Clock::time_point> wakeup = delivery_ ? delivery_->wakeup_at() : std::nullopt;

    if (::poll(fds.data(), fds.size(), poll_timeout_ms(wakeup, -1)) < 0) {
      if (errno == EINTR) continue;
      diag_.report(std::string("poll failed: ") + std::strerror(errno));
      start_drain();
      continue;
    }
    if (signal_fd_ >= 0 && (fds[signal_slot].revents & POLLIN)) on_interrupt();
    if (timer_armed_ && timer_slot < fds.size() && (fds[timer_slot].revents & POLLIN)) on_timer();
    if ((writable >= 0 && fds[delivery_slot].revents) || (wakeup && Clock::now() >= *wakeup)) delivery_->on_ready();
    bool gather = false;
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      // A full read means more is probably waiting: read on without another poll(),
      // a few times, so that the other stream still gets its turn.
      Stream& s = *polled[i];
      for (int reads = 0; read_once(s) && s.nonblocking && s.last_read_full && ++reads < kReadsPerWakeup;) {
      }
      gather |= s.gather && s.fd && s.last_read_bytes > 0 && !s.last_read_full;
    }
    arm_timer();
    if (gather) let_input_gather();
  }
  // journald has to have read what the stream transport wrote before it is closed.
  bool stream_out = false;
  for (auto& s : streams_) stream_out |= static_cast<bool>(s->out);
  if (stream_out) {
    if (!deadline_) deadline_ = Clock::now() + options_.drain_timeout;
    for (auto& s : streams_)
      if (s->out) s->out->finish(*this);
  }
  // What the drop policy still holds goes out now, within the drain deadline.
  if (delivery_) {
    if (!deadline_) deadline_ = Clock::now() + options_.drain_timeout;
    for (auto& s : streams_)
      if (s->fd && s->writer) s->framer.finish(*s->writer);
    delivery_->finish(*this);
    report.drops = delivery_->drop_stats();
  }
  for (auto& s : streams_) {
    if (s->fd) {
      int avail = 0;
      if (::ioctl(s->fd.get(), FIONREAD, &avail) == 0 && avail > 0) report.unread_bytes += static_cast<std::uint64_t>(avail);
      close_stream(*s);
    }
    StreamReport r;
    r.kind = s->kind;
    r.bytes_read = s->bytes_read;
    if (s->writer) r.journal = s->writer->stats();
    if (s->out) r.journal_stream = s->out->stats();
    if (s->file) {
      r.file = s->file->stats();
      r.has_file = true;
    }
    report.streams.push_back(r);
  }
  return report;
}

}  // namespace mj
