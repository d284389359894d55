// Small templates for names the operator configures per container: the journal
// namespace ("mesos-{role}") and SYSLOG_IDENTIFIER ("{task_name|executor_name|executor_id}").
//
// Syntax: literal text with placeholders in braces. A placeholder may list
// alternatives separated by '|': the first one with a non-empty value is used. There is
// no escape for '{' and '}': neither is useful in a namespace or identifier.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace mj {

using TemplateValues = std::map<std::string, std::string, std::less<>>;

class NameTemplate {
 public:
  NameTemplate() = default;  // the empty template

  // Checks the syntax and that every placeholder is one of `allowed`.
  static Result<NameTemplate> parse(std::string_view text, const std::vector<std::string_view>& allowed);

  // Substitutes values (a missing one counts as empty); `clean` is applied to each
  // substituted value, never to the operator's literal text.
  std::string expand(const TemplateValues& values,
                     const std::function<std::string(std::string_view)>& clean) const;

  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }
  bool has_placeholders() const;
  // The literal text around the placeholders, concatenated (for validating it once).
  std::string literal_text() const;

 private:
  struct Segment {
    std::string literal;                    // used when alternatives is empty
    std::vector<std::string> alternatives;  // placeholder names
  };

  std::string text_;
  std::vector<Segment> segments_;
};

}  // namespace mj
