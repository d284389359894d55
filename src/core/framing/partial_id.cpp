#include "core/framing/partial_id.h"

#include <sys/random.h>

#include <chrono>

namespace mj {
namespace {

void append_hex64(std::string& out, std::uint64_t v) {
  static const char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 0xf]);
}

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  if (::getrandom(&seed, sizeof seed, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof seed))
    seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  return seed;
}

}  // namespace

PartialIdSource::PartialIdSource() : seed_(random_seed()) {}

std::string PartialIdSource::next() {
  std::string id;
  id.reserve(32);
  append_hex64(id, seed_);
  append_hex64(id, ++counter_);
  return id;
}

}  // namespace mj
