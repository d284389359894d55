#include "logger/name_template.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

const std::vector<std::string_view> kAllowed = {"a", "b", "c"};
std::string same(std::string_view s) { return std::string(s); }

TEST(NameTemplate, LiteralsPlaceholdersAndAlternatives) {
  auto t = NameTemplate::parse("x-{a}-{b|c}-y", kAllowed);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(t->has_placeholders());
  EXPECT_EQ(t->literal_text(), "x---y");
  EXPECT_EQ(t->expand({{"a", "1"}, {"b", "2"}, {"c", "3"}}, same), "x-1-2-y");
  EXPECT_EQ(t->expand({{"a", "1"}, {"b", ""}, {"c", "3"}}, same), "x-1-3-y");
  EXPECT_EQ(t->expand({}, same), "x---y");
}

TEST(NameTemplate, CleanAppliesToValuesOnly) {
  auto t = NameTemplate::parse("lit.{a}", kAllowed);
  EXPECT_EQ(t->expand({{"a", "v.v"}}, [](std::string_view) { return std::string("_"); }), "lit._");
}

TEST(NameTemplate, SyntaxErrors) {
  for (const char* text : {"{a", "a}", "{a}}", "{{a}}", "{d}", "{a|}", "{}", "{a|d}"}) {
    auto t = NameTemplate::parse(text, kAllowed);
    EXPECT_FALSE(t) << text;
  }
  auto t = NameTemplate::parse("{zz}", kAllowed);
  EXPECT_NE(t.error().message.find("unknown placeholder {zz} in template '{zz}'; known: {a}, {b}, {c}"),
            std::string::npos)
      << t.error().message;
}

TEST(NameTemplate, Empty) {
  auto t = NameTemplate::parse("", kAllowed);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->empty());
  EXPECT_EQ(t->expand({{"a", "1"}}, same), "");
}

}  // namespace
}  // namespace mj
