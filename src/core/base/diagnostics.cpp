#include "core/base/diagnostics.h"

#include <unistd.h>

#include <cerrno>

namespace mj {

void FdDiagnostics::report(std::string_view message) {
  std::string line;
  line.reserve(prefix_.size() + message.size() + 3);
  line.append(prefix_).append(": ").append(message).push_back('\n');
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere else to report to
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace mj
