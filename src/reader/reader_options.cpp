#include "reader/reader_options.h"

#include <CLI/CLI.hpp>

#include "core/base/build_info.h"
#include "reader/time_spec.h"

namespace mj {
namespace {

const char* kDescription =
    "Reads the lines of Mesos tasks that mesos-journald-pipe wrote to the journal and rejoins\n"
    "the pieces of split and idle-flushed lines (CONTAINER_PARTIAL_*).\n\n"
    "  mesos-journald-logs [OPTIONS] TASK_ID\n"
    "  mesos-journald-logs [OPTIONS] --container ID | --framework ID | --match FIELD=VALUE ...\n\n"
    "Selectors are AND-combined; at least one is needed.\n";

const char* kFooter =
    "Output (-o): raw (default) is exactly the bytes the task wrote: each line and its\n"
    "newline, except a last line that ended without one (MESOS_JOURNALD_NO_NEWLINE);\n"
    "with --stream stdout it equals the sandbox stdout file. short is one line per task\n"
    "line: ISO time, stream, the line with non-printable bytes escaped. json is one object\n"
    "per line: time_usec, stream, the Mesos ids, and message (message_base64 when the line\n"
    "is not valid UTF-8). cri is the Kubernetes CRI log format, one record per piece\n"
    "(P, and F on a line's last piece).\n"
    "Entries the companion dropped under --overflow drop are never skipped silently: a\n"
    "record of their own in short and json, a line on stderr in raw and cri.\n"
    "Exit status: 0; 1 when nothing matched (without --follow) or a journal could not be\n"
    "read; 2 for a usage error. See docs/reading.md.";

ParsedReaderCommandLine usage_error(const std::string& message) {
  ParsedReaderCommandLine r;
  r.exit_code = 2;
  r.output = "mesos-journald-logs: " + message + "\nRun with --help for usage.\n";
  return r;
}

bool is_match_field_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

ParsedReaderCommandLine parse_reader_command_line(int argc, const char* const* argv, std::uint64_t now_usec) {
  CLI::App app{kDescription, "mesos-journald-logs"};
  app.footer(kFooter);
  app.set_version_flag("--version", version_line("mesos-journald-logs"));

  std::string task, positional_task, framework, executor, container, agent, identifier;
  std::vector<std::string> match_args, files;
  std::string stream = "both", namespace_name, directory, since, until, output = "raw";
  std::uint64_t lines = 0;
  bool follow = false;

  app.add_option("--task", task, "TASK_ID=ID")->type_name("ID");
  app.add_option("--framework", framework, "FRAMEWORK_ID=ID")->type_name("ID");
  app.add_option("--executor", executor, "EXECUTOR_ID=ID")->type_name("ID");
  app.add_option("--container", container, "CONTAINER_ID=ID, and its nested containers (CONTAINER_ID=ID.*)")
      ->type_name("ID");
  app.add_option("--agent", agent, "AGENT_ID=ID")->type_name("ID");
  app.add_option("-t,--identifier", identifier, "SYSLOG_IDENTIFIER=NAME")->type_name("NAME");
  app.add_option("--match", match_args, "any journal field, FIELD=VALUE exactly; repeatable")
      ->type_name("FIELD=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("task_id", positional_task, "a task id, as --task");
  app.add_option("--stream", stream, "which stream")->check(CLI::IsMember({"stdout", "stderr", "both"}))
      ->capture_default_str();
  auto* ns_opt = app.add_option("--namespace", namespace_name, "read journal namespace NS (default: the local journal); '*' merges all namespaces")
                     ->type_name("NS");
  auto* dir_opt = app.add_option("-D,--directory", directory, "read the journal files in DIR")->type_name("DIR");
  auto* file_opt = app.add_option("--file", files, "read this journal file; repeatable")
                       ->type_name("FILE")
                       ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  ns_opt->excludes(dir_opt)->excludes(file_opt);
  dir_opt->excludes(file_opt);
  auto* lines_opt = app.add_option("-n,--lines", lines, "only the last N lines")->type_name("N");
  app.add_option("--since", since, "lines from this time: 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD' (local), -10m, -2h, -30s, -1d, @EPOCH")
      ->type_name("TIME");
  app.add_option("--until", until, "lines up to this time (same forms)")->type_name("TIME");
  app.add_option("-o,--output", output, "raw, short, json or cri")
      ->check(CLI::IsMember({"raw", "short", "json", "cri"}))
      ->capture_default_str();
  app.add_flag("-f,--follow", follow, "keep reading: print lines as they are stored (raw: pieces as they come)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    ParsedReaderCommandLine r;
    r.output = e.get_name() == "CallForVersion" ? version_line("mesos-journald-logs") + "\n"
                                                : app.help();
    return r;
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  ReaderOptions o;
  if (!task.empty() && !positional_task.empty() && task != positional_task)
    return usage_error("two different task ids: --task " + task + " and " + positional_task);
  if (task.empty()) task = positional_task;
  const std::pair<const char*, const std::string*> id_selectors[] = {
      {"TASK_ID", &task}, {"FRAMEWORK_ID", &framework}, {"EXECUTOR_ID", &executor},
      {"AGENT_ID", &agent}, {"SYSLOG_IDENTIFIER", &identifier}};
  for (const auto& [field, value] : id_selectors)
    if (!value->empty()) o.matches.emplace_back(field, *value);
  for (const std::string& m : match_args) {
    auto eq = m.find('=');
    if (eq == std::string::npos) return usage_error("--match: '" + m + "' is not FIELD=VALUE");
    std::string name = m.substr(0, eq);
    if (!is_match_field_name(name))
      return usage_error("--match: field name '" + name + "' may contain only A-Z, 0-9 and '_'");
    o.matches.emplace_back(name, m.substr(eq + 1));
  }
  if (!container.empty()) o.container = container;
  if (o.matches.empty() && !o.container)
    return usage_error("say whose lines to read: a task id, --task, --framework, --executor, --container, "
                       "--agent, --identifier or --match");

  o.stream = stream == "stdout" ? StreamFilter::kStdout : stream == "stderr" ? StreamFilter::kStderr
                                                                          : StreamFilter::kBoth;
  if (ns_opt->count()) {
    if (namespace_name.empty()) return usage_error("--namespace: empty namespace");
    o.journal_namespace = namespace_name;
  }
  if (dir_opt->count()) o.directory = directory;
  o.files = files;
  if (lines_opt->count()) o.lines = lines;
  if (!since.empty()) {
    auto t = parse_time_spec(since, now_usec);
    if (!t) return usage_error("--since: " + t.error().message);
    o.since_usec = *t;
  }
  if (!until.empty()) {
    auto t = parse_time_spec(until, now_usec);
    if (!t) return usage_error("--until: " + t.error().message);
    o.until_usec = *t;
  }
  if (o.since_usec && o.until_usec && *o.since_usec > *o.until_usec) return usage_error("--since is after --until");
  o.format = output == "short" ? OutputFormat::kShort
             : output == "json" ? OutputFormat::kJson
             : output == "cri"  ? OutputFormat::kCri
                                : OutputFormat::kRaw;
  o.follow = follow;
  if (o.follow && o.until_usec) return usage_error("--follow cannot be combined with --until");
  return ParsedReaderCommandLine{std::move(o), 0, {}};
}

}  // namespace mj
