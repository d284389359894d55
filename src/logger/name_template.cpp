#include "logger/name_template.h"

#include <algorithm>

namespace mj {

Result<NameTemplate> NameTemplate::parse(std::string_view text, const std::vector<std::string_view>& allowed) {
  NameTemplate t;
  t.text_ = std::string(text);
  std::size_t i = 0;
  auto allowed_list = [&] {
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "{" : ", {") + std::string(a) + "}";
    return list;
  };
  while (i < text.size()) {
    std::size_t open = text.find('{', i);
    std::size_t stray_close = text.find('}', i);
    if (stray_close < open) return Error{"unmatched '}' in template '" + t.text_ + "'"};
    if (open == std::string_view::npos) {
      t.segments_.push_back(Segment{std::string(text.substr(i)), {}});
      break;
    }
    if (open > i) t.segments_.push_back(Segment{std::string(text.substr(i, open - i)), {}});
    std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) return Error{"unmatched '{' in template '" + t.text_ + "'"};
    std::string_view body = text.substr(open + 1, close - open - 1);
    if (body.find('{') != std::string_view::npos) return Error{"nested '{' in template '" + t.text_ + "'"};
    Segment placeholder;
    std::size_t j = 0;
    while (true) {
      std::size_t bar = body.find('|', j);
      std::string_view name = body.substr(j, bar == std::string_view::npos ? std::string_view::npos : bar - j);
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        return Error{"unknown placeholder {" + std::string(name) + "} in template '" + t.text_ +
                     "'; known: " + allowed_list()};
      placeholder.alternatives.emplace_back(name);
      if (bar == std::string_view::npos) break;
      j = bar + 1;
    }
    t.segments_.push_back(std::move(placeholder));
    i = close + 1;
  }
  return t;
}

std::string NameTemplate::expand(const TemplateValues& values,
                                 const std::function<std::string(std::string_view)>& clean) const {
  std::string out;
  for (const Segment& s : segments_) {
    if (s.alternatives.empty()) {
      out += s.literal;
      continue;
    }
    for (const std::string& name : s.alternatives) {
      auto it = values.find(name);
      if (it != values.end() && !it->second.empty()) {
        out += clean(it->second);
        break;
      }
    }
  }
  return out;
}

bool NameTemplate::has_placeholders() const {
  return std::any_of(segments_.begin(), segments_.end(), [](const Segment& s) { return !s.alternatives.empty(); });
}

std::string NameTemplate::literal_text() const {
  std::string out;
  for (const Segment& s : segments_) out += s.literal;
  return out;
}

}  // namespace mj
