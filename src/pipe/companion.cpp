#include "pipe/companion.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/base/diagnostics.h"
#include "core/journald/journal_socket.h"
#include "core/pump/stream_pump.h"
#include "pipe/child_process.h"
#include "pipe/child_signals.h"
#include "pipe/companion_setup.h"
#include "pipe/loss_report.h"
#include "pipe/stream_front.h"
#include "pipe/stream_service.h"

namespace mj {
namespace {

constexpr int kExitLost = 1;
constexpr int kExitSetup = 2;

int spawn_failure(const Error& e, Diagnostics& diag) {
  diag.report(e.message);
  return e.code == ENOENT ? 127 : 126;
}

// --transport stream: hands the streams to a transient service. Empty when that could
// not be done (said why); the caller then carries on with the native transport.
std::optional<int> try_stream_transport(const PipeOptions& o, std::optional<ChildPipes>& pipes, int signal_fd,
                                        Diagnostics& diag) {
  int out = -1, err = -1;
  switch (o.mode) {
    case InputMode::kCommand:
      out = pipes->stdout_read.get();
      err = pipes->stderr_read.get();
      break;
    case InputMode::kStdin:
      (o.stdin_stream == StreamKind::kStdout ? out : err) = STDIN_FILENO;
      break;
    case InputMode::kFds:
      out = o.stdout_fd;
      err = o.stderr_fd;
      break;
  }
  auto service = start_stream_service(o, out, err);
  if (!service) {
    diag.report("--transport stream unavailable (" + service.error().message + "); using the native transport");
    return std::nullopt;
  }
  // Only the service reads the streams from now on.
  switch (o.mode) {
    case InputMode::kCommand:
      pipes->stdout_read.reset();
      pipes->stderr_read.reset();
      break;
    case InputMode::kStdin:
      stdin_to_dev_null();
      break;
    case InputMode::kFds:
      if (o.stdout_fd >= 0) ::close(o.stdout_fd);
      if (o.stderr_fd >= 0) ::close(o.stderr_fd);
      break;
  }
  std::optional<ChildSignals> child;
  if (o.mode == InputMode::kCommand) {
    if (Status s = become_user(o); !s) {
      diag.report(s.error().message);
      return kExitSetup;  // the service sees end of stream and finishes
    }
    auto pid = spawn_child(o.command, *pipes);
    if (!pid) return spawn_failure(pid.error(), diag);
    child.emplace(*pid);
  }
  if (o.detach) return 0;
  return supervise_stream_service(*service, child ? &*child : nullptr, signal_fd, diag);
}

// A pod task's container: its entries carry TASK_ID (and TASK_NAME) once the default
// executor has linked the task to it; until then its output waits in the pipe.
void add_pod_task_fields(PipeOptions& o, int signal_fd, Diagnostics& diag) {
  auto task = await_pod_task(*o.pod_task, signal_fd);
  if (!task) {
    diag.report(task.error().message + "; its entries carry no TASK_ID");
    return;
  }
  std::vector<Field> ids = {Field{"TASK_ID", task->id}};
  if (!task->name.empty()) ids.push_back(Field{"TASK_NAME", task->name});
  // Where a command task has them: after CONTAINER_ID.
  auto at = std::find_if(o.fields.begin(), o.fields.end(), [](const Field& f) { return f.name == "CONTAINER_ID"; });
  o.fields.insert(at == o.fields.end() ? at : at + 1, ids.begin(), ids.end());
}

}  // namespace

int run_companion(const PipeOptions& given) {
  PipeOptions o = given;
  FdDiagnostics diag(STDERR_FILENO, "mesos-journald-pipe");
  // A write to a closed pipe or socket must be an error value, not a death.
  ::signal(SIGPIPE, SIG_IGN);

  const bool command_mode = o.mode == InputMode::kCommand;
  auto signal_fd = block_signals_to_fd(command_mode);
  if (!signal_fd) {
    diag.report(signal_fd.error().message);
    return kExitSetup;
  }
  if (o.receive_streams) return run_stream_service(o, signal_fd->get(), diag);
  if (o.pod_task) add_pod_task_fields(o, signal_fd->get(), diag);

  std::optional<ChildPipes> pipes;
  if (command_mode) {
    if (Status s = make_child_pipes(pipes.emplace()); !s) {
      diag.report(s.error().message);
      return kExitSetup;
    }
  }
  if (o.transport == Transport::kStream) {
    if (auto code = try_stream_transport(o, pipes, signal_fd->get(), diag)) return *code;
  }

  if (Status s = become_user(o); !s) {
    diag.report(s.error().message);
    return kExitSetup;
  }
  auto sandbox_dir = open_sandbox(o);
  if (!sandbox_dir) {
    diag.report(sandbox_dir.error().message);
    return kExitSetup;
  }

  struct Input {
    UniqueFd fd;
    StreamKind kind;
  };
  std::vector<Input> inputs;
  std::optional<ChildSignals> child_signals;
  DrainOnSignal drain_policy;
  switch (o.mode) {
    case InputMode::kCommand: {
      auto pid = spawn_child(o.command, *pipes);
      if (!pid) return spawn_failure(pid.error(), diag);
      child_signals.emplace(*pid);
      inputs.push_back({std::move(pipes->stdout_read), StreamKind::kStdout});
      inputs.push_back({std::move(pipes->stderr_read), StreamKind::kStderr});
      break;
    }
    case InputMode::kStdin:
      inputs.push_back({UniqueFd(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)), o.stdin_stream});
      stdin_to_dev_null();
      break;
    case InputMode::kFds:
      if (o.stdout_fd >= 0) inputs.push_back({UniqueFd(o.stdout_fd), StreamKind::kStdout});
      if (o.stderr_fd >= 0) inputs.push_back({UniqueFd(o.stderr_fd), StreamKind::kStderr});
      break;
  }

  std::optional<JournalSocket> journal;
  if (o.journal) {
    journal.emplace(o.socket_path, diag);
    // With a namespace (or the default journal) known, what a dying journald lost can be
    // found by reading the journal back, and sent again.
    if (o.journal_namespace) journal->set_stored_counter(std::make_unique<StoredEntryCounter>(*o.journal_namespace));
  }
  SignalPolicy* policy = child_signals ? static_cast<SignalPolicy*>(&*child_signals) : &drain_policy;
  StreamPump pump(o.pump, journal ? &*journal : nullptr, diag, signal_fd->get(), policy);

  for (Input& in : inputs) {
    if (!in.fd) {
      diag.report(std::string("cannot use input for ") + stream_file_name(in.kind) + ": " + std::strerror(errno));
      return kExitSetup;
    }
    EntryTemplate tmpl;
    tmpl.identifier = o.identifier;
    tmpl.stream = in.kind;
    tmpl.priority = in.kind == StreamKind::kStdout ? o.stdout_priority : o.stderr_priority;
    tmpl.level_prefix = o.level_prefix;
    tmpl.fields = o.fields;
    auto file = open_stream_file(sandbox_dir->get(), in.kind, o, diag);
    if (!file) {
      diag.report(file.error().message);
      return kExitSetup;
    }
    // Pipes from the Mesos module or made for COMMAND are ours alone; standard input may
    // be shared (a terminal), and must stay blocking for whoever else uses it.
    pump.add_stream(std::move(in.fd), tmpl, std::move(*file), o.mode != InputMode::kStdin);
  }

  PumpReport report = pump.run();
  bool lost = report_losses(report, journal ? &*journal : nullptr, diag);
  if (child_signals) {
    wait_for_child(*child_signals, signal_fd->get());
    return exit_status_code(child_signals->status());
  }
  return lost ? kExitLost : 0;
}

}  // namespace mj
