#include "reader/record_format.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "reader/time_spec.h"

namespace mj {
namespace {

using OrderedJson = nlohmann::ordered_json;

// Length of the valid UTF-8 sequence at s[i], or 0 (overlong forms, surrogates and
// code points above U+10FFFF are invalid, as in RFC 3629).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  unsigned char c1 = b(i + 1);
  if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
  if (c == 0xED && c1 > 0x9F) return 0;  // surrogates
  if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
  if (c == 0xF4 && c1 > 0x8F) return 0;  // above U+10FFFF
  return n;
}

void append_hex(std::string& out, unsigned char c) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

void add_bytes(OrderedJson& j, const std::string& key, const std::string& value);

void add_ids(OrderedJson& j, const MesosIds& ids) {
  // The module writes ids as UTF-8, but anyone can set TASK_ID with --field.
  auto add = [&](const char* key, const std::string& v) {
    if (!v.empty()) add_bytes(j, key, v);
  };
  add("task_id", ids.task_id);
  add("framework_id", ids.framework_id);
  add("executor_id", ids.executor_id);
  add("container_id", ids.container_id);
  add("agent_id", ids.agent_id);
}

// nlohmann::json rejects invalid UTF-8 when it dumps: a value that may hold any bytes
// goes under key, or base64 under key_base64.
void add_bytes(OrderedJson& j, const std::string& key, const std::string& value) {
  if (is_valid_utf8(value))
    j[key] = value;
  else
    j[key + "_base64"] = base64_encode(value);
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string escape_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      append_hex(out, c);
      ++i;
    } else if (std::size_t n = utf8_sequence(s, i); n > 0) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      append_hex(out, c);
      ++i;
    }
  }
  return out;
}

std::string base64_encode(std::string_view s) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == s.size()) {
    unsigned v = b(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == s.size()) {
    unsigned v = (b(i) << 16) | (b(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

void format_raw(const RejoinedLine& line, std::string& out) {
  out += line.message;
  if (!line.no_newline && !line.unfinished) out += '\n';
}

void format_short(const RejoinedLine& line, std::string& out) {
  out += format_iso_usec(line.time_usec);
  out += ' ';
  out += stream_name(line.stream);
  out += ' ';
  out += escape_line(line.message);
  out += '\n';
}

void format_json(const RejoinedLine& line, std::string& out) {
  OrderedJson j;
  j["time_usec"] = line.time_usec;
  j["stream"] = stream_name(line.stream);
  add_ids(j, line.ids);
  add_bytes(j, "message", line.message);
  if (line.no_newline) j["no_newline"] = true;
  if (line.unfinished) j["unfinished"] = true;
  if (line.missing_pieces) j["missing_pieces"] = true;
  out += j.dump();
  out += '\n';
}

void format_cri(const RejoinedLine& line, std::string& out) {
  std::size_t offset = 0;
  for (std::size_t i = 0; i < line.pieces.size(); ++i) {
    const PieceSpan& p = line.pieces[i];
    bool last = i + 1 == line.pieces.size() && !line.unfinished;
    out += format_rfc3339nano(p.time_usec);
    out += ' ';
    out += stream_name(line.stream);
    out += last ? " F " : " P ";
    out.append(line.message, offset, p.size);
    out += '\n';
    offset += p.size;
  }
}

std::string describe_gap(const JournalRecord& gap) {
  const GapInfo& g = *gap.gap;
  return "the companion dropped " + std::to_string(g.entries) + " entries (" + std::to_string(g.bytes) +
         " bytes) of " + stream_name(gap.stream) + " between " + format_iso_usec(g.first_usec) + " and " +
         format_iso_usec(g.last_usec) + " (--overflow drop: journald did not keep up)";
}

void format_short_gap(const JournalRecord& gap, std::string& out) {
  out += format_iso_usec(gap.time_usec);
  out += " gap ";
  out += describe_gap(gap);
  out += '\n';
}

void format_json_gap(const JournalRecord& gap, std::string& out) {
  const GapInfo& g = *gap.gap;
  OrderedJson j;
  j["time_usec"] = gap.time_usec;
  j["stream"] = stream_name(gap.stream);
  add_ids(j, gap.ids);
  j["gap"] = true;
  j["dropped_entries"] = g.entries;
  j["dropped_bytes"] = g.bytes;
  j["dropped_first_usec"] = g.first_usec;
  j["dropped_last_usec"] = g.last_usec;
  add_bytes(j, "message", gap.message);
  out += j.dump();
  out += '\n';
}

}  // namespace mj
