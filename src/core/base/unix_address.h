// connect() to a unix socket by path, for the journal's native and stream sockets.
#pragma once

#include <string>

namespace mj {

// false with errno set (ENAMETOOLONG for a path that does not fit sockaddr_un).
bool connect_unix(int fd, const std::string& path);

}  // namespace mj
