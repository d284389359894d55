// journald's native protocol, the encoding side (see systemd's journal-send.c):
// a datagram is a sequence of fields, each either
//   NAME=VALUE\n                          when VALUE has no '\n'
//   NAME\n<VALUE size, 64-bit LE>VALUE\n  otherwise (binary-safe)
// The binary form is what makes NUL bytes, newlines and invalid UTF-8 safe in values.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mj {

// Appends one field; picks the plain form when it is safe, the binary form otherwise.
void append_field(std::string& out, std::string_view name, std::string_view value);

// Appends one field in the binary form whatever the value holds.
void append_binary_field(std::string& out, std::string_view name, std::string_view value);

// The 8-byte little-endian length prefix of the binary form.
void put_le64(char out[8], std::uint64_t v);

// An entry described by iovecs: its size, and its bytes back to back (for the entries
// that must outlive the caller's buffers: the drop queue, the resend ring).
std::size_t iov_size(const struct iovec* iov, int iovcnt);
std::string join_iov(const struct iovec* iov, int iovcnt);

}  // namespace mj
