#include "core/entry/fields_file.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

TEST(FieldsFile, ParsesStringsAndArrays) {
  auto f = parse_fields_json(R"({"B": "two\nlines", "A": "x", "TAGS": ["p", "q"]})");
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->size(), 4u);
  // nlohmann orders object members by name.
  EXPECT_EQ((*f)[0].name, "A");
  EXPECT_EQ((*f)[1].value, "two\nlines");
  EXPECT_EQ((*f)[2].name, "TAGS");
  EXPECT_EQ((*f)[2].value, "p");
  EXPECT_EQ((*f)[3].value, "q");
}

TEST(FieldsFile, EmptyObjectIsFine) {
  auto f = parse_fields_json("{}");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->empty());
}

TEST(FieldsFile, ErrorsSayWhat) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {"[]", "one JSON object"},
      {R"({"lower": "x"})", "A-Z"},
      {R"({"MESSAGE": "x"})", "reserved"},
      {R"({"_PID": "1"})", "journald"},
      {R"({"N": 1})", "string"},
      {R"({"N": ["a", 2]})", "string"},
      {R"({"N": {"a": "b"}})", "string"},
  };
  for (const Case& c : cases) {
    auto f = parse_fields_json(c.text);
    ASSERT_FALSE(f) << c.text;
    EXPECT_NE(f.error().message.find(c.says), std::string::npos) << c.text << ": " << f.error().message;
  }
}

TEST(FieldsFile, RejectsOversizedInput) {
  std::string big = "{\"A\": \"" + std::string(kMaxFieldsFileBytes, 'x') + "\"}";
  EXPECT_FALSE(parse_fields_json(big));
}

TEST(FieldsFile, FormatRoundTrips) {
  std::vector<Field> in = {{"A", "1"}, {"B", "multi\nline \"quoted\""}, {"A", "2"}};
  auto out = parse_fields_json(format_fields_json(in));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ((*out)[0].value, "1");
  EXPECT_EQ((*out)[1].value, "2");
  EXPECT_EQ((*out)[2].value, "multi\nline \"quoted\"");
}

TEST(FieldsFile, FormatReplacesInvalidUtf8) {
  auto out = parse_fields_json(format_fields_json({{"A", "ok\xff"}}));
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)[0].value, "ok\xEF\xBF\xBD");
}

}  // namespace
}  // namespace mj
