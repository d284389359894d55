// What the module derives from a container's metadata, which tasks control: journal
// fields (mj::derive_fields: ids, extra_fields, labels), SYSLOG_IDENTIFIER
// (mj::resolve_identifier), the journal namespace (mj::resolve_namespace) and the ids
// recovered from the sandbox path (mj::parse_sandbox_path).
//
// Input (see fuzz_lines.h): operator parameters "key=value" (identifier, namespace,
// labels, extra_fields, ...), "--", then metadata lines: task_id=, task_name=,
// executor_id=, executor_name=, framework_id=, agent_id=, container=<id> (repeatable:
// the chain), role=, sandbox=, label=KEY=VALUE, executor_label=KEY=VALUE.
//
// Invariants: no crash; the id fields hold exactly the metadata's ids (CONTAINER_ID the
// chain joined by '.', empty ids left out); every field name is valid for journald and unique in the
// entry; no label takes a name the module reserves (MESSAGE, PRIORITY, SYSLOG_*,
// OBJECT_*, the container ids, CONTAINER_PARTIAL_*, ...); label values are written
// unchanged; labels respect the metadata caps; the identifier is always one journald
// accepts; a namespace is always valid (or the default journal); sandbox ids are never
// empty, "." or "..", nor contain '/'.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "core/base/config_values.h"
#include "core/entry/field_name.h"
#include "fuzz_check.h"
#include "fuzz_lines.h"
#include "logger/container_naming.h"
#include "logger/field_derivation.h"
#include "logger/logger_config.h"
#include "logger/metadata_limits.h"
#include "logger/reserved_fields.h"
#include "logger/sandbox_ids.h"

namespace {

void check_sandbox_id(const std::optional<std::string>& id) {
  if (!id) return;
  FUZZ_CHECK(!id->empty() && *id != "." && *id != ".." && id->find('/') == std::string::npos,
             "sandbox id '%s'", id->c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto sections = mj::fuzz::parse_sections(std::string_view(reinterpret_cast<const char*>(data), size));
  // The operator's parameters; ones that do not parse are left out one by one.
  mj::LoggerConfig config = mj::default_logger_config();
  for (const auto& kv : sections[0]) {
    auto c = mj::parse_logger_config(std::vector<std::pair<std::string, std::string>>{kv});
    if (!c) continue;
    if (kv.first == "identifier") config.identifier_template = c->identifier_template;
    else if (kv.first == "namespace") config.namespace_template = c->namespace_template;
    else if (kv.first == "labels") config.labels = c->labels;
    else if (kv.first == "extra_fields") config.extra_fields = c->extra_fields;
  }

  mj::ContainerMetadata m;
  if (sections.size() > 1) {
    for (const auto& [key, value] : sections[1]) {
      if (key == "task_id") m.task_id = value;
      else if (key == "task_name") m.task_name = value;
      else if (key == "executor_id") m.executor_id = value;
      else if (key == "executor_name") m.executor_name = value;
      else if (key == "framework_id") m.framework_id = value;
      else if (key == "agent_id") m.agent_id = value;
      else if (key == "container") m.container_id_chain.push_back(value);
      else if (key == "role") m.roles.push_back(value);
      else if (key == "sandbox") m.sandbox_dir = value;
      else if (key == "label" || key == "executor_label") {
        std::size_t eq = value.find('=');
        std::string k = value.substr(0, eq);
        std::string v = eq == std::string::npos ? "" : value.substr(eq + 1);
        (key == "label" ? m.task_labels : m.executor_labels).emplace_back(k, v);
      }
    }
  }

  mj::SandboxIds ids = mj::parse_sandbox_path(m.sandbox_dir);
  check_sandbox_id(ids.agent_id);
  check_sandbox_id(ids.framework_id);
  check_sandbox_id(ids.executor_id);
  FUZZ_CHECK(ids.agent_id.has_value() == !ids.container_chain.empty(), "partial sandbox ids");
  for (const std::string& c : ids.container_chain)
    FUZZ_CHECK(!c.empty() && c.find('/') == std::string::npos, "container id '%s'", c.c_str());
  mj::complete_from_sandbox(m);

  mj::DerivedFields derived = mj::derive_fields(m, config);
  std::set<std::string> names;
  std::size_t trusted = 0, trusted_bytes = 0, bytes = 0;
  std::set<std::pair<std::string, std::string>> labels;
  for (const auto& kv : m.task_labels) labels.insert(kv);
  for (const auto& kv : m.executor_labels) labels.insert(kv);
  std::set<std::string> extra;
  for (const mj::Field& f : config.extra_fields) extra.insert(f.name);
  const auto& id_fields = mj::container_id_fields();
  std::map<std::string, std::string> expected_ids;
  auto expect_id = [&](const char* name, const std::optional<std::string>& v) {
    if (v && !v->empty()) expected_ids[name] = *v;
  };
  expect_id("FRAMEWORK_ID", m.framework_id);
  expect_id("EXECUTOR_ID", m.executor_id);
  expect_id("AGENT_ID", m.agent_id);
  if (!m.container_id_chain.empty()) expected_ids["CONTAINER_ID"] = mj::join_container_id(m.container_id_chain);
  expect_id("TASK_ID", m.task_id);
  expect_id("TASK_NAME", m.task_name);
  for (const mj::Field& f : derived.fields) {
    bool is_id = std::find(id_fields.begin(), id_fields.end(), f.name) != id_fields.end();
    if (!is_id) continue;
    auto it = expected_ids.find(f.name);
    FUZZ_CHECK(it != expected_ids.end(), "id field %s without such an id", f.name.c_str());
    FUZZ_CHECK(it->second == f.value, "%s='%s', the metadata has '%s'", f.name.c_str(), f.value.c_str(),
               it->second.c_str());
    expected_ids.erase(it);
  }
  FUZZ_CHECK(expected_ids.empty(), "id %s missing from the fields", expected_ids.empty() ? "" : expected_ids.begin()->first.c_str());
  for (const mj::Field& f : derived.fields) {
    FUZZ_CHECK(mj::is_valid_field_name(f.name), "invalid field name '%s'", f.name.c_str());
    FUZZ_CHECK(names.insert(f.name).second, "field %s written twice", f.name.c_str());
    bool is_id = std::find(id_fields.begin(), id_fields.end(), f.name) != id_fields.end();
    std::size_t cost = mj::metadata_cost(f.name.size(), f.value.size());
    bytes += cost;
    if (is_id || extra.count(f.name)) {
      ++trusted;
      trusted_bytes += cost;
      continue;
    }
    // A label: never a reserved name, and its value is one of the labels' values.
    FUZZ_CHECK(!mj::is_module_reserved_field(f.name), "label took reserved field %s", f.name.c_str());
    bool found = false;
    for (const auto& [k, v] : labels)
      if (v == f.value) {
        found = true;
        break;
      }
    FUZZ_CHECK(found, "field %s has a value no label has", f.name.c_str());
  }
  FUZZ_CHECK(derived.fields.size() <= std::max(trusted, mj::kMaxMetadataFields), "%zu fields",
             derived.fields.size());
  FUZZ_CHECK(bytes <= std::max(trusted_bytes, mj::kMaxMetadataBytes), "%zu bytes of fields", bytes);

  std::string identifier = mj::resolve_identifier(config.identifier_template, m);
  FUZZ_CHECK(mj::check_identifier(identifier).ok(), "identifier '%s' journald would not take", identifier.c_str());

  auto ns = mj::resolve_namespace(config.namespace_template, m);
  if (ns) FUZZ_CHECK(ns->empty() || mj::check_namespace(*ns).ok(), "invalid namespace '%s'", ns->c_str());
  else FUZZ_CHECK(!ns.error().message.empty(), "an error without a message");
  return 0;
}
