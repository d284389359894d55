// The journal fields that identify a container's entries, derived from its metadata.
//
// Order: FRAMEWORK_ID, EXECUTOR_ID, AGENT_ID, CONTAINER_ID (the chain joined with '.',
// as Mesos prints nested ids), TASK_ID, TASK_NAME, then the operator's extra_fields,
// then task labels and executor labels that the label policy lets through.
//
// Labels are the task's data and can never break or spoof anything: a key is
// sanitised like Docker does (mj::sanitize_field_name); a name that is empty is dropped;
// a name that is reserved or already taken is renamed LABEL_<name> when that is valid
// and free, else dropped. A label identical to one already written (command tasks carry
// their labels on the executor too) is skipped silently. Labels beyond the metadata
// cap (metadata_limits.h) are dropped. Every rename and drop yields a warning for the
// agent log; none of this ever fails a launch.
#pragma once

#include <string>
#include <vector>

#include "core/entry/entry_template.h"
#include "logger/container_metadata.h"
#include "logger/logger_config.h"

namespace mj {

struct DerivedFields {
  std::vector<Field> fields;
  std::vector<std::string> warnings;
};

DerivedFields derive_fields(const ContainerMetadata& metadata, const LoggerConfig& config);

// "parent.child.grandchild"
std::string join_container_id(const std::vector<std::string>& chain);

}  // namespace mj
