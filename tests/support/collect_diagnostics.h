// Diagnostics that keeps every message, for tests that check what was reported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/diagnostics.h"

namespace mj::test {

class CollectDiagnostics : public Diagnostics {
 public:
  void report(std::string_view message) override { messages.emplace_back(message); }
  std::vector<std::string> messages;
};

}  // namespace mj::test
