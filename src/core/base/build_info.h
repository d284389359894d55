#pragma once

#include <string>
#include <string_view>

namespace mj {

// "PROGRAM VERSION (commit HASH[-dirty])": what --version prints. The commit is read
// from git when the binary is built (cmake/build_info.cmake); a build from a tree
// without .git says what -DMJ_GIT_COMMIT gave, else "unknown".
std::string version_line(std::string_view program);

}  // namespace mj
