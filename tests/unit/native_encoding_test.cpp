#include "core/entry/native_encoding.h"

#include <gtest/gtest.h>

#include "native_parser.h"

namespace mj {
namespace {

TEST(NativeEncoding, PlainFormWhenNoNewline) {
  std::string out;
  append_field(out, "FOO", "bar baz=qux");
  EXPECT_EQ(out, "FOO=bar baz=qux\n");
}

TEST(NativeEncoding, EmptyValue) {
  std::string out;
  append_field(out, "FOO", "");
  EXPECT_EQ(out, "FOO=\n");
}

TEST(NativeEncoding, BinaryFormWhenValueHasNewline) {
  std::string out;
  append_field(out, "FOO", "a\nb");
  EXPECT_EQ(out, std::string("FOO\n\x03\0\0\0\0\0\0\0a\nb\n", 16));
}

TEST(NativeEncoding, BinaryFormRoundTripsAnyBytes) {
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += "\nMESSAGE=spoof\n\nPRIORITY=0\n";
  std::string out;
  append_binary_field(out, "MESSAGE", value);
  append_field(out, "NEXT", value);
  auto parsed = test::parse_native(out);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0], std::make_pair(std::string("MESSAGE"), value));
  EXPECT_EQ((*parsed)[1], std::make_pair(std::string("NEXT"), value));
}

TEST(NativeEncoding, LengthIsLittleEndian64) {
  char b[8];
  put_le64(b, 0x0102030405060708ull);
  EXPECT_EQ(std::string(b, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
}

}  // namespace
}  // namespace mj
