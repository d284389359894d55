// Command line of mesos-journald-pipe, parsed and validated into plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/entry/entry_template.h"
#include "core/files/rotating_file.h"
#include "core/pump/stream_pump.h"
#include "pipe/pod_task.h"

namespace mj {

enum class InputMode {
  kCommand,  // run COMMAND with its stdout and stderr on pipes
  kStdin,    // standard input is one stream
  kFds,      // inherited fds (the Mesos module's way)
};

enum class Transport {
  kNative,  // an entry per line, every field on every entry, several to a datagram (the default)
  kStream,  // journald's stream protocol from a transient service (docs/systemd.md)
};

struct PipeOptions {
  InputMode mode = InputMode::kStdin;
  std::vector<std::string> command;
  StreamKind stdin_stream = StreamKind::kStdout;
  int stdout_fd = -1;
  int stderr_fd = -1;

  std::string identifier;
  std::vector<Field> fields;
  bool journal = true;
  std::string socket_path;
  // The journal behind socket_path ("" for the default one); unknown with --journal-socket.
  std::optional<std::string> journal_namespace;
  std::optional<std::string> sandbox;
  std::optional<std::string> user;  // drop to this user before touching the sandbox
  RotationPolicy stdout_rotation;
  RotationPolicy stderr_rotation;
  int stdout_priority = 6;
  int stderr_priority = 3;
  bool level_prefix = false;
  PumpOptions pump;

  Transport transport = Transport::kNative;
  std::string unit;     // stream: the transient service's name ("" = generated)
  bool detach = false;  // stream: exit once the service has taken the streams over
  std::optional<std::uint64_t> rate_limit_interval_usec;  // stream: the unit's LogRateLimit*
  std::optional<std::uint32_t> rate_limit_burst;
  // A pod task's container: TASK_ID (and TASK_NAME) from the default executor's link.
  std::optional<PodTaskSource> pod_task;
  // Internal: this process is that service; its standard input is the handover socket.
  bool receive_streams = false;
};

// The command line of the stream transport's service: everything it needs of `o`
// except the fields (they are the unit's LogExtraFields) and the inputs (handed over).
std::vector<std::string> service_command_line(const PipeOptions& o, const std::string& executable);

// Either options to run with, or an exit code with what to print (help, version, or a
// usage error).
struct ParsedCommandLine {
  std::optional<PipeOptions> options;
  int exit_code = 0;
  std::string output;  // for stdout on success (help/version), stderr on error
};

ParsedCommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace mj
