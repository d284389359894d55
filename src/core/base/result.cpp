#include "core/base/result.h"

#include <cstring>

namespace mj {

Error Error::from_errno(std::string what, int err) {
  what += ": ";
  what += std::strerror(err);
  return Error{std::move(what), err};
}

}  // namespace mj
