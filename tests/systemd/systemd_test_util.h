// What the systemd test files share (only test sources include this: it uses the
// MJ_COMPANION definition of the test target).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

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

// Polls `done` every `every` until it holds (true) or `timeout` passed (false).
inline bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                     std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

// A command's output without its trailing newlines and spaces.
inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct LayoutName {
  std::string operator()(const ::testing::TestParamInfo<CgroupLayout>& p) const { return layout_name(p.param); }
};

}  // namespace mj::test
