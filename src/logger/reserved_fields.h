// Journal field names that neither a label nor an operator's extra field may use.
#pragma once

#include <string_view>
#include <vector>

namespace mj {

// The ids the module derives itself, in the order they are written.
const std::vector<std::string_view>& container_id_fields();  // FRAMEWORK_ID ... TASK_NAME

// Reserved for the module: the companion's own fields (mj::is_reserved_field_name), the
// container ids above, OBJECT_* (journald trusts OBJECT_PID from a root sender and
// would attach another process's metadata) and SYSLOG_* (SYSLOG_PID and friends would
// let a task impersonate another program's identity).
bool is_module_reserved_field(std::string_view name);

}  // namespace mj
