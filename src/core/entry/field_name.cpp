#include "core/entry/field_name.h"

namespace mj {
namespace {

bool is_name_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr std::string_view kPartialPrefix = "CONTAINER_PARTIAL_";
// The companion's own markers (gap entries, the unterminated last line): a reader trusts
// them only because nobody else can set them.
constexpr std::string_view kOwnPrefix = "MESOS_JOURNALD_";

}  // namespace

bool is_valid_field_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldNameBytes) return false;
  if (name.front() == '_' || is_digit(name.front())) return false;
  for (char c : name)
    if (!is_name_char(c)) return false;
  return true;
}

bool is_reserved_field_name(std::string_view name) {
  return name == "MESSAGE" || name == "PRIORITY" || name == "SYSLOG_IDENTIFIER" || name == "STREAM" ||
         name.substr(0, kPartialPrefix.size()) == kPartialPrefix || name.substr(0, kOwnPrefix.size()) == kOwnPrefix;
}

Status check_user_field_name(std::string_view name) {
  std::string shown(name.substr(0, 80));
  if (name.empty()) return Error{"empty field name"};
  if (name.size() > kMaxFieldNameBytes)
    return Error{"field name '" + shown + "...' is longer than 64 bytes"};
  if (name.front() == '_')
    return Error{"field name '" + shown + "' starts with '_': such fields are set by journald only"};
  if (is_digit(name.front())) return Error{"field name '" + shown + "' starts with a digit"};
  for (char c : name)
    if (!is_name_char(c))
      return Error{"field name '" + shown + "' may contain only A-Z, 0-9 and '_'"};
  if (is_reserved_field_name(name))
    return Error{"field name '" + shown + "' is reserved: mesos-journald-pipe sets it itself"};
  return Status::success();
}

std::string sanitize_field_name(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    else if (!is_name_char(c)) c = '_';
    if (out.empty() && (c == '_' || is_digit(c))) continue;
    out.push_back(c);
    if (out.size() == kMaxFieldNameBytes) break;
  }
  return out;
}

}  // namespace mj
