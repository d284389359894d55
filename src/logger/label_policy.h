// Which Mesos labels become journal fields: all, none, or those whose keys the operator
// listed (matched exactly, before the key is turned into a field name).
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace mj {

class LabelPolicy {
 public:
  enum class Mode { kAll, kNone, kList };

  LabelPolicy() = default;  // all
  // "all", "none" or a comma-separated list of keys (spaces around keys are ignored).
  static Result<LabelPolicy> parse(std::string_view text);

  bool allows(const std::string& key) const;
  // True when every label this policy lets through is also let through by `other`:
  // what a task may choose for itself, so it can narrow but never widen the operator's.
  bool within(const LabelPolicy& other) const;

  Mode mode() const { return mode_; }
  const std::set<std::string>& keys() const { return keys_; }

 private:
  Mode mode_ = Mode::kAll;
  std::set<std::string> keys_;
};

}  // namespace mj
