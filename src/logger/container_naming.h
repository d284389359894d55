// The SYSLOG_IDENTIFIER and journal namespace of one container, from the operator's
// templates and the container's metadata.
#pragma once

#include <string>

#include "core/base/result.h"
#include "logger/container_metadata.h"
#include "logger/logger_config.h"

namespace mj {

// Used when the template expands to nothing (a standalone container has no task or
// executor), as the DC/OS logger does.
inline constexpr const char* kFallbackIdentifier = "mesos-container";

// Values come from tasks, so they are made safe rather than rejected: control
// characters become '_' and the result is cut to journald's 255 bytes (on a UTF-8
// character boundary).
std::string resolve_identifier(const NameTemplate& identifier, const ContainerMetadata& metadata);

// "" means the default journal. In substituted values every character a namespace
// name cannot hold becomes '_' (the role "*" gives "_", "eng/web" gives "eng_web"); a
// result that is still invalid (too long, empty) is an error naming the template.
Result<std::string> resolve_namespace(const NameTemplate& ns, const ContainerMetadata& metadata);

}  // namespace mj
