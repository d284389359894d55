#include "pipe/stream_service.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/journald/journal_stream_connection.h"
#include "core/pump/stream_pump.h"
#include "pipe/child_signals.h"
#include "pipe/companion_setup.h"
#include "pipe/loss_report.h"
#include "pipe/stream_handover.h"

namespace mj {
namespace {

constexpr int kExitLost = 1;
constexpr int kExitSetup = 2;

}  // namespace

int run_stream_service(const PipeOptions& o, int signal_fd, Diagnostics& diag) {
  // The handover socket moves off fd 0, which gets /dev/null like any daemon's.
  UniqueFd handover(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
  if (!handover) {
    diag.report("--receive-streams: standard input is not the handover socket");
    return kExitSetup;
  }
  stdin_to_dev_null();
  if (Status s = send_hello(handover.get()); !s) {
    diag.report(s.error().message);
    return kExitSetup;
  }
  auto streams = receive_streams(handover.get());
  if (!streams) {
    diag.report(streams.error().message);
    return kExitSetup;
  }
  // From here on the streams are ours alone: errors are reported to the front as well.
  auto finish = [&](int code) {
    send_done(handover.get(), code);
    return code;
  };
  if (Status s = become_user(o); !s) {
    diag.report(s.error().message);
    return finish(kExitSetup);
  }
  auto sandbox = open_sandbox(o);
  if (!sandbox) {
    diag.report(sandbox.error().message);
    return finish(kExitSetup);
  }

  DrainOnSignal drain;
  StreamPump pump(o.pump, nullptr, diag, signal_fd, &drain);
  const std::string socket = stream_socket_path(o.socket_path);
  struct Input {
    UniqueFd& fd;
    StreamKind kind;
  };
  for (Input in : {Input{streams->stdout_fd, StreamKind::kStdout}, Input{streams->stderr_fd, StreamKind::kStderr}}) {
    if (!in.fd) continue;
    auto file = open_stream_file(sandbox->get(), in.kind, o, diag);
    if (!file) {
      diag.report(file.error().message);
      return finish(kExitSetup);
    }
    StreamHeader header{o.identifier, in.kind == StreamKind::kStdout ? o.stdout_priority : o.stderr_priority,
                        o.level_prefix};
    pump.add_stream(std::move(in.fd), in.kind, std::make_unique<JournalStreamConnection>(socket, header, diag),
                    std::move(*file), true);
  }
  PumpReport report = pump.run();
  return finish(report_losses(report, nullptr, diag) ? kExitLost : 0);
}

}  // namespace mj
