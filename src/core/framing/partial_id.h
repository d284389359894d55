// CONTAINER_PARTIAL_ID values: unique per split line, cheap to make.
#pragma once

#include <cstdint>
#include <string>

namespace mj {

class PartialIdSource {
 public:
  PartialIdSource();                   // seeded from getrandom()
  explicit PartialIdSource(std::uint64_t seed) : seed_(seed) {}
  std::string next();                  // 32 lowercase hex digits

 private:
  std::uint64_t seed_;
  std::uint64_t counter_ = 0;
};

}  // namespace mj
