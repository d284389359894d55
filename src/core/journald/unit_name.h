// Names of the stream transport's transient services.
#pragma once

#include <string>

#include "core/base/result.h"

namespace mj {

// PREFIX + `text` + ".service": characters systemd does not allow in unit names become
// \xNN (as systemd-escape does), and the result is cut to systemd's 255 bytes.
std::string service_name_from(const std::string& prefix, const std::string& text);

// Checks a service name given by a user; appends ".service" when it has no suffix.
Result<std::string> normalize_service_name(const std::string& name);

}  // namespace mj
