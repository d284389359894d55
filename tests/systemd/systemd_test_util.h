// What the systemd test files share (only test sources include this: it uses the
// MJ_COMPANION definition of the test target).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "nspawn_machine.h"

namespace mj::test {

// The companion under test: this build's, or MJ_SYSTEMD_COMPANION (e.g. an installed one).
inline std::string companion() {
  const char* c = std::getenv("MJ_SYSTEMD_COMPANION");
  return c && *c ? c : MJ_COMPANION;
}

// "P0\nP1\n…" up to n lines: what a test's writer wrote.
inline std::string numbered(const std::string& prefix, long n) {
  std::string s;
  for (long i = 0; i < n; ++i) s += prefix + std::to_string(i) + "\n";
  return s;
}

struct LayoutName {
  std::string operator()(const ::testing::TestParamInfo<CgroupLayout>& p) const { return layout_name(p.param); }
};

}  // namespace mj::test
