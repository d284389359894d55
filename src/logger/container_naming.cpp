#include "logger/container_naming.h"

#include <cctype>

#include "core/base/config_values.h"
#include "logger/field_derivation.h"

namespace mj {
namespace {

constexpr std::size_t kMaxIdentifierBytes = 255;

void put(TemplateValues& values, const char* name, const std::optional<std::string>& value) {
  if (value) values[name] = *value;
}

TemplateValues template_values(const ContainerMetadata& m) {
  TemplateValues v;
  put(v, "task_id", m.task_id);
  put(v, "task_name", m.task_name);
  put(v, "executor_id", m.executor_id);
  put(v, "executor_name", m.executor_name);
  put(v, "framework_id", m.framework_id);
  put(v, "agent_id", m.agent_id);
  v["container_id"] = join_container_id(m.container_id_chain);
  // A container whose resources come from several roles is named after the first.
  if (!m.roles.empty()) v["role"] = m.roles.front();
  return v;
}

std::string without_controls(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  return out;
}

std::string namespace_chars(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) c = '_';
  return out;
}

// Never cuts a multi-byte UTF-8 character in half.
std::string cut_utf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

}  // namespace

std::string resolve_identifier(const NameTemplate& identifier, const ContainerMetadata& metadata) {
  std::string id = cut_utf8(identifier.expand(template_values(metadata), without_controls), kMaxIdentifierBytes);
  if (id.empty()) id = kFallbackIdentifier;
  return id;
}

Result<std::string> resolve_namespace(const NameTemplate& ns, const ContainerMetadata& metadata) {
  if (ns.empty()) return std::string();
  std::string name = ns.expand(template_values(metadata), namespace_chars);
  if (Status s = check_namespace(name); !s)
    return Error{"namespace template '" + ns.text() + "' gives an invalid journal namespace for this container: " +
                 s.error().message};
  return name;
}

}  // namespace mj
