// The companion's event loop: reads a container's streams, frames lines, sends them to
// journald and copies the raw bytes to the sandbox files.
//
// One thread, one poll() over the input fds, a signalfd and a timerfd. The timer is armed
// only while an unterminated line waits, so an idle companion sleeps in poll() without
// wake-ups. While journald cannot take an entry the loop waits in the journal socket,
// so the container's pipe fills and its writes block: lossless backpressure.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/diagnostics.h"
#include "core/base/unique_fd.h"
#include "core/base/wait_control.h"
#include "core/entry/entry_template.h"
#include "core/entry/journal_stream_writer.h"
#include "core/files/rotating_file.h"
#include "core/framing/line_framer.h"
#include "core/framing/partial_id.h"
#include "core/journald/journal_delivery.h"
#include "core/journald/journal_socket.h"
#include "core/journald/journal_stream_connection.h"

namespace mj {

struct PumpOptions {
  std::size_t max_line_bytes = 48 * 1024;
  // An unterminated line is sent as a partial entry after this long without new input;
  // zero never does.
  std::chrono::milliseconds partial_flush{1000};
  // After a drain request, how long to keep trying to deliver to journald.
  std::chrono::milliseconds drain_timeout{10000};
  std::size_t read_size = LineFramer::kDefaultReadSize;
  // 0: block (lossless backpressure); otherwise drop beyond this many queued bytes.
  std::size_t drop_buffer_bytes = 0;
};

// What the loop does on a signal from its signalfd.
enum class SignalAction {
  kContinue,  // handled (e.g. forwarded to a child); keep going until end of stream
  kDrain,     // read what the pipes hold now, deliver it, then stop
};

class SignalPolicy {
 public:
  virtual ~SignalPolicy() = default;
  virtual SignalAction on_signal(int signo, int code) = 0;
};

struct StreamReport {
  StreamKind kind;
  std::uint64_t bytes_read = 0;
  StreamJournalStats journal;
  JournalStreamStats journal_stream;  // stream transport
  RotatingFileStats file;
  bool has_file = false;
};

struct PumpReport {
  std::vector<StreamReport> streams;
  bool drained = false;  // stopped on a signal rather than at end of stream
  std::uint64_t unread_bytes = 0;  // left in the pipes when draining gave up
  DropStats drops;                 // --overflow drop
  bool lost_anything() const;
};

class StreamPump final : private WaitControl {
 public:
  // journal may be null (files only). signal_fd may be -1.
  StreamPump(PumpOptions options, JournalSocket* journal, Diagnostics& diag, int signal_fd, SignalPolicy* policy);
  ~StreamPump() override;

  // exclusive: nobody else reads `input`; if it is a pipe it is made non-blocking,
  // grown to 1 MiB (best effort) and read several times per wake-up.
  void add_stream(UniqueFd input, const EntryTemplate& tmpl, std::optional<RotatingFile> file,
                  bool exclusive = false);

  // The stream transport: the raw output goes to `out`, one journald stream connection
  // per stream; journald frames the lines.
  void add_stream(UniqueFd input, StreamKind kind, std::unique_ptr<JournalStreamConnection> out,
                  std::optional<RotatingFile> file, bool exclusive = false);

  PumpReport run();

 private:
  struct Stream;

  // WaitControl, for the journal socket's waits.
  int interrupt_fd() const override { return signal_fd_; }
  void on_interrupt() override;
  std::optional<Clock::time_point> deadline() const override { return deadline_; }

  void add(std::unique_ptr<Stream> s, bool exclusive);
  void start_drain();
  bool read_once(Stream& s);
  void close_stream(Stream& s);
  void arm_timer();
  void on_timer();
  void drain_remaining();
  void let_input_gather();

  PumpOptions options_;
  JournalSocket* journal_;
  Diagnostics& diag_;
  int signal_fd_;
  SignalPolicy* policy_;
  UniqueFd timer_fd_;
  bool timer_armed_ = false;
  PartialIdSource partial_ids_;
  std::unique_ptr<JournalDelivery> delivery_;
  std::vector<std::unique_ptr<Stream>> streams_;
  bool draining_ = false;
  std::optional<Clock::time_point> deadline_;
};

}  // namespace mj
