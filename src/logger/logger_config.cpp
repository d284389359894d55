#include "logger/logger_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/base/config_values.h"
#include "core/entry/field_name.h"
#include "logger/metadata_limits.h"
#include "logger/reserved_fields.h"
#include "logger/text_list.h"

#ifndef MJ_DEFAULT_COMPANION_PATH
#define MJ_DEFAULT_COMPANION_PATH "/usr/bin/mesos-journald-pipe"
#endif

namespace mj {
namespace {

bool contains(const std::vector<std::string_view>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

Result<NameTemplate> parse_namespace_template(std::string_view text) {
  if (text.empty()) return NameTemplate{};
  auto t = NameTemplate::parse(text, namespace_placeholders());
  if (!t) return t.error();
  // The literal part must already be valid namespace text; placeholders are checked
  // per container once they have values.
  if (t->has_placeholders()) {
    std::string literal = t->literal_text();
    if (!literal.empty())
      if (Status s = check_namespace(literal); !s) return Error{"template text: " + s.error().message};
  } else if (Status s = check_namespace(text); !s) {
    return s.error();
  }
  return t;
}

Result<std::vector<Field>> parse_extra_fields(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return Error{"expected a JSON object of field names to string values, e.g. {\"CLUSTER\":\"eu-1\"}"};
  std::vector<Field> fields;
  std::size_t bytes = 0;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& name = it.key();
    if (Status s = check_user_field_name(name); !s) return s.error();
    if (is_module_reserved_field(name))
      return Error{"field name '" + name + "' is reserved: the module sets it itself"};
    if (!it->is_string()) return Error{"value of " + name + " must be a string"};
    fields.push_back(Field{name, it->get<std::string>()});
    bytes += metadata_cost(name.size(), fields.back().value.size());
  }
  if (fields.size() > kMaxExtraFields)
    return Error{"at most " + std::to_string(kMaxExtraFields) + " fields are allowed"};
  if (bytes > kMaxExtraFieldsBytes)
    return Error{"the fields take more than " + std::to_string(kMaxExtraFieldsBytes) + " bytes"};
  return fields;
}

Result<std::set<std::string>> parse_overridable(std::string_view text) {
  std::set<std::string> names;
  if (trim(text) == "none") return names;
  for (std::string_view item : split_comma_list(text)) {
    if (item.empty()) continue;
    std::string name(item);
    if (!contains(known_parameters(), name)) return Error{"unknown parameter '" + name + "'"};
    if (!contains(task_overridable_parameters(), name))
      return Error{"'" + name + "' cannot be overridden by tasks; overridable parameters are: destination, "
                   "max_stdout_size, max_stderr_size, max_files, identifier, labels, max_line_bytes, overflow, "
                   "buffer_size"};
    names.insert(name);
  }
  return names;
}

Status check_prefix(std::string_view prefix) {
  if (prefix.empty()) return Error{"must not be empty: every task variable would be taken for a setting"};
  for (char c : prefix)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return Error{"'" + std::string(prefix) + "' may contain only A-Z, a-z, 0-9 and '_'"};
  return Status::success();
}


template <typename T, typename Parse>
Status assign(T& out, const std::string& value, Parse parse) {
  auto r = parse(value);
  if (!r) return r.error();
  out = std::move(*r);
  return Status::success();
}

Status set_parameter(LoggerConfig& c, std::string_view key, const std::string& v) {
  if (key == param::kDestination) return assign(c.destination, v, parse_destination);
  if (key == param::kCompanionPath) {
    if (v.empty() || v.front() != '/') return Error{"must be an absolute path, got '" + v + "'"};
    c.companion_path = v;
    return Status::success();
  }
  if (key == param::kMaxStdoutSize) return assign(c.max_stdout_size, v, parse_file_size);
  if (key == param::kMaxStderrSize) return assign(c.max_stderr_size, v, parse_file_size);
  if (key == param::kMaxFiles) return assign(c.max_files, v, parse_max_files);
  if (key == param::kNamespace) return assign(c.namespace_template, v, parse_namespace_template);
  if (key == param::kIdentifier) return assign(c.identifier_template, v, parse_identifier_template);
  if (key == param::kExtraFields) return assign(c.extra_fields, v, parse_extra_fields);
  if (key == param::kLabels) return assign(c.labels, v, LabelPolicy::parse);
  if (key == param::kMaxLineBytes) return assign(c.max_line_bytes, v, parse_max_line_bytes);
  if (key == param::kEnvironmentVariablePrefix) {
    if (Status s = check_prefix(v); !s) return s;
    c.environment_variable_prefix = v;
    return Status::success();
  }
  if (key == param::kOverridable) return assign(c.overridable, v, parse_overridable);
  if (key == param::kCgroupPlacement) {
    if (v == "auto") c.cgroup_placement = CgroupPlacementMode::kAuto;
    else if (v == "none") c.cgroup_placement = CgroupPlacementMode::kNone;
    else return Error{"expected auto or none, got '" + v + "'"};
    return Status::success();
  }
  if (key == param::kCompanionUser) {
    if (v == "container") c.companion_user = CompanionUser::kContainer;
    else if (v == "agent") c.companion_user = CompanionUser::kAgent;
    else return Error{"expected container or agent, got '" + v + "'"};
    return Status::success();
  }
  if (key == param::kOverflow) return assign(c.overflow, v, parse_overflow);
  if (key == param::kBufferSize) return assign(c.buffer_size, v, parse_buffer_size);
  if (key == param::kTransport) {
    if (v == "native") c.transport = JournalTransport::kNative;
    else if (v == "stream") c.transport = JournalTransport::kStream;
    else return Error{"expected native or stream, got '" + v + "'"};
    return Status::success();
  }
  if (key == param::kLogRateLimitInterval) {
    auto d = parse_rate_limit_interval(v);
    if (!d) return d.error();
    c.log_rate_limit_interval = *d;
    return Status::success();
  }
  if (key == param::kLogRateLimitBurst) {
    auto n = parse_rate_limit_burst(v);
    if (!n) return n.error();
    c.log_rate_limit_burst = *n;
    return Status::success();
  }
  if (key == param::kCgroupRoot) {
    if (v.empty() || v.front() != '/') return Error{"must be an absolute path, got '" + v + "'"};
    c.cgroup_root = v;
    return Status::success();
  }
  return Error{"unknown parameter"};
}

}  // namespace

const std::vector<std::string_view>& known_parameters() {
  static const std::vector<std::string_view> kKnown = {
      param::kDestination,   param::kCompanionPath, param::kMaxStdoutSize,
      param::kMaxStderrSize, param::kMaxFiles,      param::kNamespace,
      param::kIdentifier,    param::kExtraFields,   param::kLabels,
      param::kMaxLineBytes,  param::kEnvironmentVariablePrefix,
      param::kOverridable,   param::kCgroupPlacement, param::kCgroupRoot,
      param::kCompanionUser, param::kOverflow,      param::kBufferSize,
      param::kTransport,     param::kLogRateLimitInterval, param::kLogRateLimitBurst};
  return kKnown;
}

const std::vector<std::string_view>& task_overridable_parameters() {
  static const std::vector<std::string_view> kOverridable = {
      param::kDestination, param::kMaxStdoutSize, param::kMaxStderrSize, param::kMaxFiles,
      param::kIdentifier,  param::kLabels,        param::kMaxLineBytes,
      param::kOverflow,    param::kBufferSize};
  return kOverridable;
}

const std::vector<std::string_view>& identifier_placeholders() {
  static const std::vector<std::string_view> kNames = {"task_id",       "task_name",    "executor_id",
                                                       "executor_name", "framework_id", "container_id",
                                                       "agent_id"};
  return kNames;
}

const std::vector<std::string_view>& namespace_placeholders() {
  static const std::vector<std::string_view> kNames = {"framework_id", "role"};
  return kNames;
}

Result<Destination> parse_destination(std::string_view text) {
  if (text == "journald+sandbox") return Destination::kJournaldAndSandbox;
  if (text == "journald") return Destination::kJournald;
  if (text == "sandbox") return Destination::kSandbox;
  return Error{"expected journald+sandbox, journald or sandbox, got '" + std::string(text) + "'"};
}

Result<std::uint64_t> parse_file_size(std::string_view text) {
  auto size = parse_size(text);
  if (!size) return size.error();
  if (*size == 0) return Error{"must be at least 1 byte"};
  return *size;
}

Result<unsigned> parse_max_files(std::string_view text) {
  if (text.empty() || text.size() > 6 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Error{"expected a number of files from 0 to " + std::to_string(kMaxMaxFiles) + ", got '" +
                 std::string(text.substr(0, 40)) + "'"};
  unsigned n = static_cast<unsigned>(std::stoul(std::string(text)));
  if (n > kMaxMaxFiles) return Error{"must be at most " + std::to_string(kMaxMaxFiles)};
  return n;
}

Result<std::uint64_t> parse_max_line_bytes(std::string_view text) {
  auto size = parse_size(text);
  if (!size) return size.error();
  if (*size == 0 || *size > kMaxMaxLineBytes) return Error{"must be between 1 byte and 64M"};
  return *size;
}

Result<NameTemplate> parse_identifier_template(std::string_view text) {
  auto t = NameTemplate::parse(text, identifier_placeholders());
  if (!t) return t.error();
  if (text.empty()) return Error{"must not be empty"};
  std::string literal = t->literal_text();
  for (char c : literal)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error{"contains a control character"};
  if (literal.size() > 255) return Error{"is longer than 255 bytes"};
  return t;
}

Result<Overflow> parse_overflow(std::string_view text) {
  if (text == "block") return Overflow::kBlock;
  if (text == "drop") return Overflow::kDrop;
  return Error{"expected block or drop, got '" + std::string(text) + "'"};
}

Result<std::uint64_t> parse_buffer_size(std::string_view text) {
  auto size = parse_size(text);
  if (!size) return size.error();
  if (*size < kMinBufferSize || *size > kMaxBufferSize) return Error{"must be between 64K and 1G"};
  return *size;
}

const char* destination_name(Destination d) {
  switch (d) {
    case Destination::kJournaldAndSandbox: return "journald+sandbox";
    case Destination::kJournald: return "journald";
    case Destination::kSandbox: return "sandbox";
  }
  return "?";
}

bool writes_journal(Destination d) { return d != Destination::kSandbox; }
bool writes_sandbox(Destination d) { return d != Destination::kJournald; }

bool uses_stream_transport(const LoggerConfig& c) {
  return writes_journal(c.destination) && c.transport == JournalTransport::kStream && c.overflow != Overflow::kDrop;
}

LoggerConfig default_logger_config() {
  LoggerConfig c;
  c.companion_path = MJ_DEFAULT_COMPANION_PATH;
  c.identifier_template = *parse_identifier_template(kDefaultIdentifier);
  c.overridable = {std::string(param::kMaxStdoutSize), std::string(param::kMaxStderrSize),
                   std::string(param::kMaxFiles)};
  return c;
}

Result<LoggerConfig> parse_logger_config(const std::map<std::string, std::string>& parameters) {
  LoggerConfig c = default_logger_config();
  for (const auto& [key, value] : parameters) {
    if (!contains(known_parameters(), key)) {
      std::string known;
      for (std::string_view k : known_parameters()) known += (known.empty() ? "" : ", ") + std::string(k);
      return Error{"unknown parameter '" + key + "'; known parameters: " + known};
    }
    if (Status s = set_parameter(c, key, value); !s) return Error{"parameter " + key + ": " + s.error().message};
  }
  // Combinations.
  if (c.transport == JournalTransport::kStream && c.overflow == Overflow::kDrop)
    return Error{"parameter transport: stream cannot be combined with overflow=drop (a stream connection "
                 "cannot mark gaps); use transport=native for overflow=drop"};
  if (c.transport != JournalTransport::kStream && (c.log_rate_limit_interval || c.log_rate_limit_burst))
    return Error{"parameters log_rate_limit_interval and log_rate_limit_burst apply only with transport=stream "
                 "(with transport=native the companions' scopes share the host's journald.conf limits)"};
  return c;
}

Result<LoggerConfig> parse_logger_config(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::map<std::string, std::string> map;
  for (const auto& [key, value] : parameters)
    if (!map.emplace(key, value).second) return Error{"parameter " + key + " is given more than once"};
  return parse_logger_config(map);
}

Status check_companion_path(const std::string& path) {
  if (path.empty() || path.front() != '/')
    return Error{"companion_path '" + path + "' is not an absolute path"};
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Error::from_errno("companion_path " + path + " (mesos-journald-pipe) cannot be found");
  if (!S_ISREG(st.st_mode)) return Error{"companion_path " + path + " is not a regular file"};
  if (::access(path.c_str(), X_OK) != 0) return Error::from_errno("companion_path " + path + " is not executable");
  return Status::success();
}

}  // namespace mj
