#include "core/entry/native_encoding.h"

#include <cstring>

namespace mj {

void put_le64(char out[8], std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void append_binary_field(std::string& out, std::string_view name, std::string_view value) {
  char len[8];
  put_le64(len, value.size());
  out.append(name);
  out.push_back('\n');
  out.append(len, sizeof len);
  out.append(value);
  out.push_back('\n');
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (!value.empty() && std::memchr(value.data(), '\n', value.size()) != nullptr) {
    append_binary_field(out, name, value);
    return;
  }
  out.append(name);
  out.push_back('=');
  out.append(value);
  out.push_back('\n');
}

std::size_t iov_size(const struct iovec* iov, int iovcnt) {
  std::size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  return total;
}

std::string join_iov(const struct iovec* iov, int iovcnt) {
  std::string out;
  out.reserve(iov_size(iov, iovcnt));
  for (int i = 0; i < iovcnt; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return out;
}

}  // namespace mj
