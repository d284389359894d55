#include "logger/label_policy.h"

#include <algorithm>

#include "logger/text_list.h"

namespace mj {

Result<LabelPolicy> LabelPolicy::parse(std::string_view text) {
  LabelPolicy p;
  std::string_view t = trim(text);
  if (t == "all") return p;
  if (t == "none") {
    p.mode_ = Mode::kNone;
    return p;
  }
  if (t.empty()) return Error{"expected all, none or a comma-separated list of label keys"};
  p.mode_ = Mode::kList;
  for (std::string_view key : split_comma_list(t)) {
    if (key.empty()) return Error{"empty label key in list '" + std::string(text) + "'"};
    p.keys_.emplace(key);
  }
  return p;
}

bool LabelPolicy::allows(const std::string& key) const {
  switch (mode_) {
    case Mode::kAll: return true;
    case Mode::kNone: return false;
    case Mode::kList: return keys_.count(key) > 0;
  }
  return false;
}

bool LabelPolicy::within(const LabelPolicy& other) const {
  if (mode_ == Mode::kNone || other.mode_ == Mode::kAll) return true;
  if (mode_ == Mode::kAll || other.mode_ == Mode::kNone) return false;
  return std::includes(other.keys_.begin(), other.keys_.end(), keys_.begin(), keys_.end());
}

}  // namespace mj
