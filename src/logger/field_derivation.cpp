#include "logger/field_derivation.h"

#include <set>
#include <utility>

#include "core/entry/field_name.h"
#include "logger/metadata_limits.h"
#include "logger/reserved_fields.h"

namespace mj {
namespace {

// Enough detail to act on without flooding the agent log when a task has thousands of
// bad labels.
constexpr std::size_t kMaxDetailedWarnings = 20;

std::string shown(const std::string& s) {
  std::string out = s.size() > 80 ? s.substr(0, 80) + "..." : s;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return "'" + out + "'";
}

class FieldSet {
 public:
  explicit FieldSet(std::vector<std::string>& warnings) : warnings_(warnings) {}

  // Ids and extra fields: validated by construction or by the config parser.
  void add_trusted(const std::string& name, const std::string& value) {
    bytes_ += metadata_cost(name.size(), value.size());
    used_.insert(name);
    fields_.push_back(Field{name, value});
  }

  void add_label(const char* kind, const std::string& key, const std::string& value) {
    // The same label again: command tasks carry the task's labels on the executor too.
    if (!seen_.insert({key, value}).second) return;
    std::string name = sanitize_field_name(key);
    if (name.empty()) return drop(kind, key, "its key has no character usable in a journal field name");
    if (taken(name)) {
      std::string renamed = std::string("LABEL_" + name).substr(0, kMaxFieldNameBytes);
      if (taken(renamed) || !is_valid_field_name(renamed))
        return drop(kind, key, "field " + name + " is reserved or taken, and so is " + renamed);
      warn(std::string(kind) + " label " + shown(key) + " is written as field " + renamed + " because " + name +
           (is_module_reserved_field(name) ? " is reserved" : " is already used"));
      name = renamed;
    }
    std::size_t cost = metadata_cost(name.size(), value.size());
    if (fields_.size() + 1 > kMaxMetadataFields)
      return drop(kind, key, "the container already has " + std::to_string(kMaxMetadataFields) + " fields");
    if (bytes_ + cost > kMaxMetadataBytes)
      return drop(kind, key, "it would take the container's fields over " + std::to_string(kMaxMetadataBytes) + " bytes");
    bytes_ += cost;
    used_.insert(name);
    fields_.push_back(Field{name, value});
  }

  std::vector<Field> take() { return std::move(fields_); }

  void finish() {
    if (suppressed_ > 0)
      warnings_.push_back("and " + std::to_string(suppressed_) + " more label warnings for this container");
  }

 private:
  bool taken(const std::string& name) const { return is_module_reserved_field(name) || used_.count(name) > 0; }

  void drop(const char* kind, const std::string& key, const std::string& why) {
    warn(std::string(kind) + " label " + shown(key) + " is not written to the journal: " + why);
  }

  void warn(std::string message) {
    if (detailed_ < kMaxDetailedWarnings) {
      ++detailed_;
      warnings_.push_back(std::move(message));
    } else {
      ++suppressed_;
    }
  }

  std::vector<std::string>& warnings_;
  std::vector<Field> fields_;
  std::set<std::string> used_;
  std::set<std::pair<std::string, std::string>> seen_;
  std::size_t bytes_ = 0;
  std::size_t detailed_ = 0;
  std::size_t suppressed_ = 0;
};

}  // namespace

std::string join_container_id(const std::vector<std::string>& chain) {
  std::string out;
  for (const std::string& id : chain) {
    if (!out.empty()) out += '.';
    out += id;
  }
  return out;
}

DerivedFields derive_fields(const ContainerMetadata& m, const LoggerConfig& config) {
  DerivedFields result;
  FieldSet set(result.warnings);
  auto add_id = [&](const char* name, const std::optional<std::string>& value) {
    if (value && !value->empty()) set.add_trusted(name, *value);
  };
  add_id("FRAMEWORK_ID", m.framework_id);
  add_id("EXECUTOR_ID", m.executor_id);
  add_id("AGENT_ID", m.agent_id);
  if (!m.container_id_chain.empty()) set.add_trusted("CONTAINER_ID", join_container_id(m.container_id_chain));
  add_id("TASK_ID", m.task_id);
  add_id("TASK_NAME", m.task_name);
  for (const Field& f : config.extra_fields) set.add_trusted(f.name, f.value);
  for (const auto& [key, value] : m.task_labels)
    if (config.labels.allows(key)) set.add_label("task", key, value);
  for (const auto& [key, value] : m.executor_labels)
    if (config.labels.allows(key)) set.add_label("executor", key, value);
  set.finish();
  result.fields = set.take();
  return result;
}

}  // namespace mj
