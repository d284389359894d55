#include "logger/reserved_fields.h"

#include <algorithm>

#include "core/entry/field_name.h"

namespace mj {

const std::vector<std::string_view>& container_id_fields() {
  static const std::vector<std::string_view> kFields = {"FRAMEWORK_ID", "EXECUTOR_ID", "AGENT_ID",
                                                        "CONTAINER_ID", "TASK_ID",     "TASK_NAME"};
  return kFields;
}

bool is_module_reserved_field(std::string_view name) {
  if (is_reserved_field_name(name)) return true;
  const auto& ids = container_id_fields();
  if (std::find(ids.begin(), ids.end(), name) != ids.end()) return true;
  return name.substr(0, 7) == "OBJECT_" || name.substr(0, 7) == "SYSLOG_";
}

}  // namespace mj
