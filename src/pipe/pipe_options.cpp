#include "pipe/pipe_options.h"

#include <fcntl.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>

#include "core/base/build_info.h"
#include "core/base/config_values.h"
#include "core/entry/field_name.h"
#include "core/entry/fields_file.h"
#include "core/journald/unit_name.h"

namespace mj {
namespace {

constexpr std::uint64_t kMaxLineBytesLimit = 64ull << 20;  // bounds the companion's memory

const char* kDescription =
    "Sends each line a process writes to systemd-journald, with structured fields,\n"
    "and optionally copies the raw output to size-rotated files.\n\n"
    "  mesos-journald-pipe [OPTIONS] [--] COMMAND [ARG...]   run COMMAND, capture its stdout and stderr\n"
    "  mesos-journald-pipe [OPTIONS] [--stream stdout|stderr] read standard input as one stream\n"
    "  mesos-journald-pipe [OPTIONS] --stdout-fd N --stderr-fd M   read inherited fds\n"
    "\n"
    "--transport stream (as root, on a systemd host): the lines go through journald's\n"
    "stream protocol from a transient service carrying the fields as LogExtraFields=;\n"
    "0.7-1.0x journald's CPU per line of the native transport, with the contract changes in docs/systemd.md.\n";

const char* kFooter =
    "Every entry carries MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, STREAM=STDOUT|STDERR and the\n"
    "--field/--fields-file fields. Lines longer than --max-line-bytes are split into entries\n"
    "marked CONTAINER_PARTIAL_* (Docker's convention); a last line that ends at end of stream\n"
    "without a newline is marked MESOS_JOURNALD_NO_NEWLINE=true. Exit status: COMMAND's in command mode,\n"
    "else 0 when everything was delivered, 1 when something was lost (reported on stderr),\n"
    "2 for a usage error. With --transport stream the entries differ (no STREAM field,\n"
    "journald's framing): docs/systemd.md. See docs/ for the design, every flag and every field.";

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::from_errno("cannot read fields file " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

Status check_fd(int fd, const char* flag) {
  if (fd < 0) return Error{std::string(flag) + " must be a non-negative file descriptor"};
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return Error{std::string(flag) + " " + std::to_string(fd) + " is not an open file descriptor"};
  if ((flags & O_ACCMODE) == O_WRONLY)
    return Error{std::string(flag) + " " + std::to_string(fd) + " is not open for reading"};
  return Status::success();
}

ParsedCommandLine usage_error(const std::string& message) {
  ParsedCommandLine r;
  r.exit_code = 2;
  r.output = "mesos-journald-pipe: " + message + "\nRun with --help for usage.\n";
  return r;
}

}  // namespace

ParsedCommandLine parse_command_line(int argc, const char* const* argv) {
  CLI::App app{kDescription, "mesos-journald-pipe"};
  app.footer(kFooter);
  app.prefix_command();  // the first positional starts COMMAND; the rest is its arguments
  app.set_version_flag("--version", version_line("mesos-journald-pipe"));

  std::string user, identifier, namespace_name, socket_path, fields_file, sandbox, stream = "stdout";
  std::string max_file_size = "10M", max_line_bytes = "48K", partial_flush = "1s", drain_timeout = "10s";
  std::string stdout_priority, stderr_priority, priority, max_stdout_size, max_stderr_size;
  std::string overflow = "block", buffer_size = "8M";
  std::vector<std::string> field_args;
  unsigned max_files = 5;
  int stdout_fd = -1, stderr_fd = -1;
  bool no_journal = false, level_prefix = false;
  std::string transport = "native", unit, rate_interval, rate_burst;
  bool detach = false, receive_streams = false;
  std::string pod_links, pod_container, pod_meta, pod_wait = "10s";

  auto* identifier_opt = app.add_option("-t,--identifier", identifier,
                 "SYSLOG_IDENTIFIER of every entry (default: COMMAND's base name, else mesos-journald-pipe)");
  app.add_option("--field", field_args, "extra journal field KEY=VALUE; repeatable")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)  // one value per --field; what follows may be COMMAND
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--fields-file", fields_file, "JSON object of extra fields (see docs/fields.md); /dev/fd/N works")
      ->type_name("PATH");
  auto* ns_opt = app.add_option("--namespace", namespace_name,
                                "journal namespace (socket /run/systemd/journal.NS/socket)")->type_name("NS");
  app.add_option("--journal-socket", socket_path, "journald's native socket path (overrides --namespace)")
      ->type_name("PATH")->excludes(ns_opt);
  app.add_flag("--no-journal", no_journal, "do not send to journald; files only (needs --sandbox)");
  app.add_option("--sandbox", sandbox, "also write DIR/stdout and DIR/stderr (stdin mode: the --stream's file)")
      ->type_name("DIR");
  app.add_option("--user", user,
                 "as root: switch to USER (name or uid) before opening the sandbox or connecting to journald")
      ->type_name("USER");
  app.add_option("--max-file-size", max_file_size, "rotate a file before it would exceed SIZE")
      ->type_name("SIZE")->capture_default_str();
  app.add_option("--max-stdout-size", max_stdout_size, "--max-file-size for stdout only")->type_name("SIZE");
  app.add_option("--max-stderr-size", max_stderr_size, "--max-file-size for stderr only")->type_name("SIZE");
  app.add_option("--max-files", max_files, "rotated files kept: NAME.1 (newest) .. NAME.N")->capture_default_str();
  app.add_option("--max-line-bytes", max_line_bytes, "split longer lines into partial entries")
      ->type_name("SIZE")->capture_default_str();
  app.add_option("-p,--priority", priority, "priority of both streams (as systemd-cat)")->type_name("LEVEL");
  app.add_option("--stdout-priority", stdout_priority, "priority of stdout lines (default info)")->type_name("LEVEL");
  app.add_option("--stderr-priority", stderr_priority, "priority of stderr lines (default err)")->type_name("LEVEL");
  app.add_flag("--level-prefix", level_prefix, "a leading <N> (0..7) sets the line's priority and is removed");
  auto* stream_opt = app.add_option("--stream", stream, "stdin mode: which stream standard input is")
                         ->check(CLI::IsMember({"stdout", "stderr"}))->capture_default_str();
  auto* out_fd_opt = app.add_option("--stdout-fd", stdout_fd, "read the container's stdout from inherited fd N")
                         ->type_name("N");
  auto* err_fd_opt = app.add_option("--stderr-fd", stderr_fd, "read the container's stderr from inherited fd M")
                         ->type_name("M");
  stream_opt->excludes(out_fd_opt)->excludes(err_fd_opt);
  app.add_option("--overflow", overflow,
                 "when journald cannot keep up: block (the container waits; nothing lost) or drop "
                 "(the container never waits; beyond --buffer-size entries are dropped, counted and marked)")
      ->check(CLI::IsMember({"block", "drop"}))
      ->capture_default_str();
  auto* buffer_opt = app.add_option("--buffer-size", buffer_size, "--overflow drop: bytes of entries held for journald")
                         ->type_name("SIZE")
                         ->capture_default_str();
  app.add_option("--flush-partial-after", partial_flush,
                 "send an unterminated line as a partial entry after this long without input; 0: never")
      ->type_name("DURATION")->capture_default_str();
  app.add_option("--drain-timeout", drain_timeout,
                 "on SIGTERM, how long to keep delivering what was read before giving up; at the end of the stream, how "
                 "long to wait for journald to store the last entries")
      ->type_name("DURATION")->capture_default_str();

  app.add_option("--transport", transport,
                 "native: an entry per line with every field, several to a datagram; stream: journald's stream protocol "
                 "from a transient systemd service (falls back to native where that cannot be done)")
      ->check(CLI::IsMember({"native", "stream"}))
      ->capture_default_str();
  auto* unit_opt = app.add_option("--unit", unit, "stream: name of the transient service (default: generated)")
                       ->type_name("NAME");
  auto* detach_opt = app.add_flag("--detach", detach,
                                  "stream, without COMMAND: exit once the service has taken over the streams");
  auto* interval_opt = app.add_option("--log-rate-limit-interval", rate_interval,
                                      "stream: the service's LogRateLimitIntervalSec= (journald.conf's when not given)")
                           ->type_name("DURATION");
  auto* burst_opt = app.add_option("--log-rate-limit-burst", rate_burst, "stream: the service's LogRateLimitBurst=")
                        ->type_name("N");
  const char* kPodGroup = "Mesos task groups (set by the module for a pod task's container)";
  auto* pod_links_opt =
      app.add_option("--pod-task-links", pod_links,
                     "the default executor's DIR/<task id> links: wait for the one that points to "
                     ".../containers/<--pod-container> and add TASK_ID (and TASK_NAME) to every entry")
          ->type_name("DIR")
          ->group(kPodGroup);
  auto* pod_container_opt = app.add_option("--pod-container", pod_container, "this container's own id")
                                ->type_name("ID")
                                ->group(kPodGroup);
  auto* pod_meta_opt =
      app.add_option("--pod-task-meta", pod_meta,
                     "the agent's checkpoint directory of the executor run: TASK_NAME from DIR/tasks/<id>/task.info")
          ->type_name("DIR")
          ->group(kPodGroup);
  auto* pod_wait_opt = app.add_option("--pod-task-wait", pod_wait,
                                      "how long output waits for the link before it goes out without TASK_ID")
                           ->type_name("DURATION")
                           ->capture_default_str()
                           ->group(kPodGroup);
  // The service half of --transport stream; not for users.
  app.add_flag("--receive-streams", receive_streams)->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    ParsedCommandLine r;
    r.output = e.get_name() == "CallForVersion" ? version_line("mesos-journald-pipe") + "\n"
                                                : app.help();
    return r;
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  PipeOptions o;
  o.receive_streams = receive_streams;
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().size() > 1 && rest.front()[0] == '-') {
    // prefix_command() hands unknown options on as the command; a command whose name
    // starts with '-' must follow "--".
    return usage_error("unknown option " + rest.front());
  }
  bool fd_mode = out_fd_opt->count() > 0 || err_fd_opt->count() > 0;
  if (!rest.empty() && fd_mode) return usage_error("COMMAND cannot be combined with --stdout-fd/--stderr-fd");
  if (!rest.empty() && stream_opt->count() > 0) return usage_error("COMMAND cannot be combined with --stream");
  if (!rest.empty()) {
    o.mode = InputMode::kCommand;
    o.command = rest;
  } else if (receive_streams) {
    o.mode = InputMode::kFds;  // the fds arrive over standard input
    if (fd_mode) return usage_error("--receive-streams takes no --stdout-fd/--stderr-fd");
  } else if (fd_mode) {
    o.mode = InputMode::kFds;
    if (out_fd_opt->count()) {
      if (Status s = check_fd(stdout_fd, "--stdout-fd"); !s) return usage_error(s.error().message);
      o.stdout_fd = stdout_fd;
    }
    if (err_fd_opt->count()) {
      if (Status s = check_fd(stderr_fd, "--stderr-fd"); !s) return usage_error(s.error().message);
      o.stderr_fd = stderr_fd;
    }
    if (o.stdout_fd >= 0 && o.stdout_fd == o.stderr_fd) return usage_error("--stdout-fd and --stderr-fd are the same fd");
  } else {
    o.mode = InputMode::kStdin;
    o.stdin_stream = stream == "stderr" ? StreamKind::kStderr : StreamKind::kStdout;
  }

  if (identifier_opt->count() > 0 && identifier.empty()) return usage_error("--identifier: empty identifier");
  if (identifier.empty()) {
    if (o.mode == InputMode::kCommand) {
      const std::string& cmd = o.command.front();
      identifier = cmd.substr(cmd.find_last_of('/') == std::string::npos ? 0 : cmd.find_last_of('/') + 1);
    }
    if (identifier.empty()) identifier = "mesos-journald-pipe";
  }
  if (Status s = check_identifier(identifier); !s) return usage_error("--identifier: " + s.error().message);
  o.identifier = identifier;

  if (!fields_file.empty()) {
    auto text = read_file(fields_file);
    if (!text) return usage_error(text.error().message);
    auto parsed = parse_fields_json(*text);
    if (!parsed) return usage_error(fields_file + ": " + parsed.error().message);
    o.fields = std::move(*parsed);
  }
  for (const std::string& arg : field_args) {
    auto eq = arg.find('=');
    if (eq == std::string::npos) return usage_error("--field " + arg + ": expected KEY=VALUE");
    std::string name = arg.substr(0, eq);
    if (Status s = check_user_field_name(name); !s) return usage_error("--field: " + s.error().message);
    o.fields.push_back(Field{name, arg.substr(eq + 1)});
  }

  o.journal = !no_journal;
  if (no_journal && sandbox.empty()) return usage_error("--no-journal needs --sandbox: there would be nowhere to write");
  if (!namespace_name.empty()) {
    if (Status s = check_namespace(namespace_name); !s) return usage_error("--namespace: " + s.error().message);
  }
  o.socket_path = socket_path.empty() ? namespace_socket_path(namespace_name) : socket_path;
  if (socket_path.empty()) o.journal_namespace = namespace_name;
  if (!sandbox.empty()) o.sandbox = sandbox;
  if (!user.empty()) o.user = user;

  auto file_size = [](const std::string& text, const char* flag, std::uint64_t fallback) -> Result<std::uint64_t> {
    if (text.empty()) return fallback;
    auto size = parse_size(text);
    if (!size) return Error{std::string(flag) + ": " + size.error().message};
    if (*size == 0) return Error{std::string(flag) + " must be at least 1 byte"};
    return *size;
  };
  auto common_size = file_size(max_file_size, "--max-file-size", 0);
  if (!common_size) return usage_error(common_size.error().message);
  auto stdout_size = file_size(max_stdout_size, "--max-stdout-size", *common_size);
  if (!stdout_size) return usage_error(stdout_size.error().message);
  auto stderr_size = file_size(max_stderr_size, "--max-stderr-size", *common_size);
  if (!stderr_size) return usage_error(stderr_size.error().message);
  if (max_files > 1000) return usage_error("--max-files must be at most 1000");
  o.stdout_rotation = RotationPolicy{*stdout_size, max_files};
  o.stderr_rotation = RotationPolicy{*stderr_size, max_files};

  auto line_bytes = parse_size(max_line_bytes);
  if (!line_bytes) return usage_error("--max-line-bytes: " + line_bytes.error().message);
  if (*line_bytes == 0 || *line_bytes > kMaxLineBytesLimit)
    return usage_error("--max-line-bytes must be between 1 byte and 64M");
  o.pump.max_line_bytes = static_cast<std::size_t>(*line_bytes);

  auto set_priority = [](const std::string& text, const char* flag, int& out) -> Status {
    if (text.empty()) return Status::success();
    auto p = parse_priority(text);
    if (!p) return Error{std::string(flag) + ": " + p.error().message};
    out = *p;
    return Status::success();
  };
  if (Status s = set_priority(priority, "--priority", o.stdout_priority); !s) return usage_error(s.error().message);
  if (Status s = set_priority(priority, "--priority", o.stderr_priority); !s) return usage_error(s.error().message);
  if (Status s = set_priority(stdout_priority, "--stdout-priority", o.stdout_priority); !s)
    return usage_error(s.error().message);
  if (Status s = set_priority(stderr_priority, "--stderr-priority", o.stderr_priority); !s)
    return usage_error(s.error().message);
  o.level_prefix = level_prefix;

  auto flush = parse_duration(partial_flush);
  if (!flush) return usage_error("--flush-partial-after: " + flush.error().message);
  o.pump.partial_flush = *flush;
  auto drain = parse_duration(drain_timeout);
  if (!drain) return usage_error("--drain-timeout: " + drain.error().message);
  o.pump.drain_timeout = *drain;

  if (overflow == "drop") {
    auto bytes = parse_size(buffer_size);
    if (!bytes) return usage_error("--buffer-size: " + bytes.error().message);
    if (*bytes < 64 * 1024 || *bytes > (1ull << 30)) return usage_error("--buffer-size must be between 64K and 1G");
    o.pump.drop_buffer_bytes = static_cast<std::size_t>(*bytes);
  } else if (buffer_opt->count() > 0) {
    return usage_error("--buffer-size applies only with --overflow drop");
  }
  if (overflow == "drop" && no_journal) return usage_error("--overflow drop applies only when sending to journald");

  o.transport = transport == "stream" ? Transport::kStream : Transport::kNative;
  const bool stream_only_given = unit_opt->count() > 0 || detach_opt->count() > 0 || interval_opt->count() > 0 ||
                                 burst_opt->count() > 0;
  if (o.transport != Transport::kStream) {
    if (stream_only_given)
      return usage_error("--unit, --detach and --log-rate-limit-* apply only with --transport stream");
    if (receive_streams) return usage_error("--receive-streams is the service half of --transport stream");
  } else {
    if (no_journal) return usage_error("--transport stream sends to journald; it cannot be combined with --no-journal");
    if (overflow == "drop")
      return usage_error("--overflow drop is not available with --transport stream: journald's stream "
                         "connection cannot mark gaps");
    if (detach && o.mode == InputMode::kCommand)
      return usage_error("--detach cannot be combined with COMMAND: the companion stays COMMAND's parent");
    if (!unit.empty()) {
      auto name = normalize_service_name(unit);
      if (!name) return usage_error("--unit: " + name.error().message);
      o.unit = *name;
    }
    o.detach = detach;
    if (!rate_interval.empty()) {
      auto d = parse_rate_limit_interval(rate_interval);
      if (!d) return usage_error("--log-rate-limit-interval: " + d.error().message);
      o.rate_limit_interval_usec = static_cast<std::uint64_t>(d->count()) * 1000;
    }
    if (!rate_burst.empty()) {
      auto n = parse_rate_limit_burst(rate_burst);
      if (!n) return usage_error("--log-rate-limit-burst: " + n.error().message);
      o.rate_limit_burst = *n;
    }
  }

  if (pod_links_opt->count() > 0 || pod_container_opt->count() > 0) {
    if (pod_links.empty() || pod_container.empty())
      return usage_error("--pod-task-links and --pod-container go together");
    if (pod_container.find('/') != std::string::npos) return usage_error("--pod-container: an id has no '/'");
    auto wait = parse_duration(pod_wait);
    if (!wait) return usage_error("--pod-task-wait: " + wait.error().message);
    o.pod_task = PodTaskSource{pod_links, pod_container, pod_meta, *wait};
  } else if (pod_meta_opt->count() > 0 || pod_wait_opt->count() > 0) {
    return usage_error("--pod-task-meta and --pod-task-wait apply only with --pod-task-links");
  }

  ParsedCommandLine r;
  r.options = std::move(o);
  return r;
}

std::vector<std::string> service_command_line(const PipeOptions& o, const std::string& executable) {
  // "--name=value" throughout: a value such as an identifier taken from a task that
  // starts with '-' must not be read as an option.
  std::vector<std::string> a = {executable,
                                "--receive-streams",
                                "--transport=stream",
                                "--identifier=" + o.identifier,
                                "--journal-socket=" + o.socket_path,
                                "--stdout-priority=" + std::to_string(o.stdout_priority),
                                "--stderr-priority=" + std::to_string(o.stderr_priority),
                                "--drain-timeout=" + std::to_string(o.pump.drain_timeout.count()) + "ms"};
  if (o.level_prefix) a.push_back("--level-prefix");
  if (o.sandbox) {
    a.push_back("--sandbox=" + *o.sandbox);
    a.push_back("--max-stdout-size=" + std::to_string(o.stdout_rotation.max_file_size));
    a.push_back("--max-stderr-size=" + std::to_string(o.stderr_rotation.max_file_size));
    a.push_back("--max-files=" + std::to_string(o.stdout_rotation.max_files));
  }
  if (o.user) a.push_back("--user=" + *o.user);
  return a;
}

}  // namespace mj
