// The module's parameter parser (mj::parse_logger_config) and the per-task environment
// overrides (mj::apply_overrides) on hostile input.
//
// Input: parameter lines "key=value", a line "--", then environment lines
// "VARIABLE=value" (see fuzz_lines.h).
//
// Invariants: no crash, no exception: errors are values. An accepted configuration
// respects every documented bound. Overrides: a variable with the prefix that names a
// parameter the operator did not make overridable (or no parameter) fails the launch;
// an accepted override never raises a size, max_files or max_line_bytes above the
// operator's, never widens the label policy, never changes a parameter that is not
// overridable; applying the same environment again changes nothing.
#include <algorithm>
#include <cctype>
#include <string>

#include "core/base/config_values.h"
#include "core/entry/field_name.h"
#include "fuzz_check.h"
#include "fuzz_lines.h"
#include "logger/logger_config.h"
#include "logger/metadata_limits.h"
#include "logger/overrides.h"
#include "logger/reserved_fields.h"

namespace {

bool contains(const std::vector<std::string_view>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool same_labels(const mj::LabelPolicy& a, const mj::LabelPolicy& b) {
  return a.mode() == b.mode() && a.keys() == b.keys();
}

bool same_fields(const std::vector<mj::Field>& a, const std::vector<mj::Field>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const mj::Field& x, const mj::Field& y) {
           return x.name == y.name && x.value == y.value;
         });
}

bool same_config(const mj::LoggerConfig& a, const mj::LoggerConfig& b) {
  return a.destination == b.destination && a.companion_path == b.companion_path &&
         a.max_stdout_size == b.max_stdout_size && a.max_stderr_size == b.max_stderr_size &&
         a.max_files == b.max_files && a.namespace_template.text() == b.namespace_template.text() &&
         a.identifier_template.text() == b.identifier_template.text() && same_fields(a.extra_fields, b.extra_fields) &&
         same_labels(a.labels, b.labels) && a.max_line_bytes == b.max_line_bytes &&
         a.environment_variable_prefix == b.environment_variable_prefix && a.overridable == b.overridable &&
         a.cgroup_placement == b.cgroup_placement && a.cgroup_root == b.cgroup_root;
}

void check_bounds(const mj::LoggerConfig& c) {
  FUZZ_CHECK(c.max_stdout_size >= 1 && c.max_stderr_size >= 1, "a file size of 0");
  FUZZ_CHECK(c.max_files <= mj::kMaxMaxFiles, "max_files %u", c.max_files);
  FUZZ_CHECK(c.max_line_bytes >= 1 && c.max_line_bytes <= mj::kMaxMaxLineBytes, "max_line_bytes %llu",
             static_cast<unsigned long long>(c.max_line_bytes));
  FUZZ_CHECK(!c.companion_path.empty() && c.companion_path.front() == '/', "companion_path not absolute");
  FUZZ_CHECK(!c.cgroup_root.empty() && c.cgroup_root.front() == '/', "cgroup_root not absolute");
  FUZZ_CHECK(!c.environment_variable_prefix.empty(), "empty environment_variable_prefix");
  for (char ch : c.environment_variable_prefix)
    FUZZ_CHECK(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_', "bad character in prefix");
  for (const std::string& name : c.overridable)
    FUZZ_CHECK(contains(mj::task_overridable_parameters(), name), "'%s' made overridable", name.c_str());
  FUZZ_CHECK(c.extra_fields.size() <= mj::kMaxExtraFields, "%zu extra fields", c.extra_fields.size());
  std::size_t bytes = 0;
  for (const mj::Field& f : c.extra_fields) {
    FUZZ_CHECK(mj::is_valid_field_name(f.name) && !mj::is_module_reserved_field(f.name),
               "extra field name '%s' accepted", f.name.c_str());
    bytes += mj::metadata_cost(f.name.size(), f.value.size());
  }
  FUZZ_CHECK(bytes <= mj::kMaxExtraFieldsBytes, "extra fields take %zu bytes", bytes);
  FUZZ_CHECK(!c.identifier_template.empty(), "empty identifier template");
  std::string literal = c.identifier_template.literal_text();
  FUZZ_CHECK(literal.size() <= 255, "identifier literal of %zu bytes", literal.size());
  for (char ch : literal)
    FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f, "control character in identifier");
  if (!c.namespace_template.empty() && !c.namespace_template.has_placeholders())
    FUZZ_CHECK(mj::check_namespace(c.namespace_template.text()).ok(), "invalid namespace '%s' accepted",
               c.namespace_template.text().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto sections = mj::fuzz::parse_sections(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<std::pair<std::string, std::string>> params = sections[0];
  mj::KeyValues env = sections.size() > 1 ? sections[1] : mj::KeyValues{};

  auto parsed = mj::parse_logger_config(params);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty(), "an error without a message");
    return 0;
  }
  const mj::LoggerConfig& op = *parsed;
  check_bounds(op);

  // What the environment asks for, as the override rules read it.
  const std::string& prefix = op.environment_variable_prefix;
  bool forbidden = false;
  bool any = false;
  for (const auto& [variable, value] : env) {
    if (variable.compare(0, prefix.size(), prefix) != 0 || variable.size() < prefix.size()) continue;
    any = true;
    std::string name = variable.substr(prefix.size());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (op.overridable.count(name) == 0) forbidden = true;
  }

  auto task = mj::apply_overrides(op, env);
  if (!task) {
    FUZZ_CHECK(!task.error().message.empty(), "an error without a message");
    return 0;
  }
  FUZZ_CHECK(!forbidden, "a variable naming a parameter that is not overridable was accepted");
  const mj::LoggerConfig& c = *task;
  if (!any) FUZZ_CHECK(same_config(c, op), "no override variable, yet the configuration changed");
  check_bounds(c);
  FUZZ_CHECK(c.max_stdout_size <= op.max_stdout_size, "max_stdout_size raised");
  FUZZ_CHECK(c.max_stderr_size <= op.max_stderr_size, "max_stderr_size raised");
  FUZZ_CHECK(c.max_files <= op.max_files, "max_files raised");
  FUZZ_CHECK(c.max_line_bytes <= op.max_line_bytes, "max_line_bytes raised");
  FUZZ_CHECK(c.labels.within(op.labels), "label policy widened");
  auto fixed = [&](std::string_view p) { return op.overridable.count(std::string(p)) == 0; };
  if (fixed(mj::param::kDestination)) FUZZ_CHECK(c.destination == op.destination, "destination changed");
  if (fixed(mj::param::kIdentifier))
    FUZZ_CHECK(c.identifier_template.text() == op.identifier_template.text(), "identifier changed");
  if (fixed(mj::param::kLabels)) FUZZ_CHECK(same_labels(c.labels, op.labels), "labels changed");
  if (fixed(mj::param::kMaxStdoutSize)) FUZZ_CHECK(c.max_stdout_size == op.max_stdout_size, "stdout size changed");
  if (fixed(mj::param::kMaxStderrSize)) FUZZ_CHECK(c.max_stderr_size == op.max_stderr_size, "stderr size changed");
  if (fixed(mj::param::kMaxFiles)) FUZZ_CHECK(c.max_files == op.max_files, "max_files changed");
  if (fixed(mj::param::kMaxLineBytes)) FUZZ_CHECK(c.max_line_bytes == op.max_line_bytes, "max_line_bytes changed");
  FUZZ_CHECK(c.companion_path == op.companion_path && c.namespace_template.text() == op.namespace_template.text() &&
                 same_fields(c.extra_fields, op.extra_fields) &&
                 c.environment_variable_prefix == op.environment_variable_prefix &&
                 c.overridable == op.overridable && c.cgroup_placement == op.cgroup_placement &&
                 c.cgroup_root == op.cgroup_root,
             "a parameter tasks can never override changed");

  auto again = mj::apply_overrides(c, env);
  FUZZ_CHECK(again.ok(), "the same overrides fail on their own result: %s", again.error().message.c_str());
  FUZZ_CHECK(same_config(*again, c), "applying the same overrides twice changes the result");
  return 0;
}
