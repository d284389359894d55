#include "reader_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mj::test {

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(s.substr(start, nl - start));
  if (start < s.size()) lines.push_back(s.substr(start));
  return lines;
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    v = (v << 6) | static_cast<unsigned>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xFF);
    }
  }
  return out;
}

std::vector<std::string> record_messages(const std::string& format, const std::string& out) {
  std::vector<std::string> messages;
  for (const std::string& record : split_lines(out)) {
    if (format == "json") {
      auto j = nlohmann::json::parse(record);
      messages.push_back(j.contains("message") ? j["message"].get<std::string>()
                                               : base64_decode(j["message_base64"].get<std::string>()));
      continue;
    }
    // short: "<time> <stream> <line>"; cri: "<time> <stream> <P|F> <piece>".
    std::size_t at = record.find(' ', record.find(' ') + 1) + 1;
    if (format == "cri") {
      EXPECT_EQ(record.compare(at, 2, "F "), 0) << "not a whole line: " << record;
      at += 2;
    }
    messages.push_back(record.substr(at));
  }
  return messages;
}

}  // namespace mj::test
