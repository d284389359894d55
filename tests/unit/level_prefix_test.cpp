#include "core/framing/level_prefix.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

TEST(LevelPrefix, AcceptsWhatJournaldAccepts) {
  auto p = parse_level_prefix("<3>boom");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->priority, 3);
  EXPECT_EQ(p->length, 3u);
  p = parse_level_prefix("<007>x");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->priority, 7);
  EXPECT_EQ(p->length, 5u);
  p = parse_level_prefix("<0>");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->priority, 0);
}

TEST(LevelPrefix, RejectsEverythingElse) {
  for (const char* s : {"", "<", "<>", "<8>x", "<13>x", "<0007>x", "<a>x", "3>x", " <3>x", "<3x"})
    EXPECT_FALSE(parse_level_prefix(s)) << s;
}

}  // namespace
}  // namespace mj
