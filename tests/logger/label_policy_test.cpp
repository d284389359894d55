#include "logger/label_policy.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

LabelPolicy P(const char* text) {
  auto p = LabelPolicy::parse(text);
  EXPECT_TRUE(p) << text;
  return *p;
}

TEST(LabelPolicy, Modes) {
  EXPECT_TRUE(P("all").allows("anything"));
  EXPECT_FALSE(P("none").allows("anything"));
  LabelPolicy list = P(" team , tier");
  EXPECT_TRUE(list.allows("team"));
  EXPECT_TRUE(list.allows("tier"));
  EXPECT_FALSE(list.allows("TEAM"));  // keys are matched exactly, before sanitising
  EXPECT_FALSE(list.allows("other"));
}

TEST(LabelPolicy, Errors) {
  EXPECT_FALSE(LabelPolicy::parse(""));
  EXPECT_FALSE(LabelPolicy::parse(","));
  EXPECT_FALSE(LabelPolicy::parse("a,"));
}

TEST(LabelPolicy, Within) {
  EXPECT_TRUE(P("none").within(P("none")));
  EXPECT_TRUE(P("none").within(P("a")));
  EXPECT_TRUE(P("a").within(P("all")));
  EXPECT_TRUE(P("a").within(P("a,b")));
  EXPECT_FALSE(P("a,c").within(P("a,b")));
  EXPECT_FALSE(P("all").within(P("a,b")));
  EXPECT_FALSE(P("a").within(P("none")));
  EXPECT_TRUE(P("all").within(P("all")));
}

}  // namespace
}  // namespace mj
