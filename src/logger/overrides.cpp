#include "logger/overrides.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace mj {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string bytes_text(std::uint64_t n) { return std::to_string(n) + " bytes"; }

Status shrink_size(std::uint64_t& value, std::string_view text) {
  auto size = parse_file_size(text);
  if (!size) return size.error();
  if (*size > value)
    return Error{"'" + std::string(text) + "' exceeds the operator's limit of " + bytes_text(value) +
                 " (tasks may only lower it)"};
  value = *size;
  return Status::success();
}

Status apply_one(LoggerConfig& c, const std::string& name, const std::string& value) {
  if (name == param::kDestination) {
    auto d = parse_destination(value);
    if (!d) return d.error();
    c.destination = *d;
    return Status::success();
  }
  if (name == param::kMaxStdoutSize) return shrink_size(c.max_stdout_size, value);
  if (name == param::kMaxStderrSize) return shrink_size(c.max_stderr_size, value);
  if (name == param::kMaxLineBytes) {
    auto n = parse_max_line_bytes(value);
    if (!n) return n.error();
    if (*n > c.max_line_bytes)
      return Error{"'" + value + "' exceeds the operator's limit of " + bytes_text(c.max_line_bytes) +
                   " (tasks may only lower it)"};
    c.max_line_bytes = *n;
    return Status::success();
  }
  if (name == param::kMaxFiles) {
    auto n = parse_max_files(value);
    if (!n) return n.error();
    if (*n > c.max_files)
      return Error{"'" + value + "' exceeds the operator's limit of " + std::to_string(c.max_files) +
                   " files (tasks may only lower it)"};
    c.max_files = *n;
    return Status::success();
  }
  if (name == param::kOverflow) {
    auto o = parse_overflow(value);
    if (!o) return o.error();
    c.overflow = *o;
    return Status::success();
  }
  if (name == param::kBufferSize) {
    auto n = parse_buffer_size(value);
    if (!n) return n.error();
    if (*n > c.buffer_size)
      return Error{"'" + value + "' exceeds the operator's limit of " + bytes_text(c.buffer_size) +
                   " (tasks may only lower it)"};
    c.buffer_size = *n;
    return Status::success();
  }
  if (name == param::kIdentifier) {
    auto t = parse_identifier_template(value);
    if (!t) return t.error();
    c.identifier_template = std::move(*t);
    return Status::success();
  }
  if (name == param::kLabels) {
    auto p = LabelPolicy::parse(value);
    if (!p) return p.error();
    if (!p->within(c.labels))
      return Error{"'" + value + "' would let through labels the operator's setting excludes (tasks may only narrow it)"};
    c.labels = std::move(*p);
    return Status::success();
  }
  return Error{"not overridable"};
}

}  // namespace

Result<LoggerConfig> apply_overrides(const LoggerConfig& operator_config, const KeyValues& environment) {
  const std::string& prefix = operator_config.environment_variable_prefix;
  // The last occurrence of a variable wins, as when the environment is built; each
  // setting is then applied once, so its limit is always the operator's value.
  std::map<std::string, std::pair<std::string, std::string>> settings;  // name -> (variable, value)
  for (const auto& [variable, value] : environment) {
    if (variable.size() < prefix.size() || variable.compare(0, prefix.size(), prefix) != 0) continue;
    std::string name = lower(std::string_view(variable).substr(prefix.size()));
    const auto& known = known_parameters();
    if (std::find(known.begin(), known.end(), name) == known.end())
      return Error{variable + ": unknown container logger setting (variables starting with " + prefix +
                   " are reserved for the container logger)"};
    if (operator_config.overridable.count(name) == 0)
      return Error{variable + ": the operator does not allow tasks to override " + name};
    settings[name] = {variable, value};
  }
  LoggerConfig c = operator_config;
  for (const auto& [name, setting] : settings)
    if (Status s = apply_one(c, name, setting.second); !s) return Error{setting.first + ": " + s.error().message};
  return c;
}

}  // namespace mj
