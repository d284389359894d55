#include "core/entry/field_name.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

TEST(FieldName, Valid) {
  EXPECT_TRUE(is_valid_field_name("A"));
  EXPECT_TRUE(is_valid_field_name("FRAMEWORK_ID"));
  EXPECT_TRUE(is_valid_field_name("A1_2"));
  EXPECT_TRUE(is_valid_field_name(std::string(64, 'X')));
}

TEST(FieldName, Invalid) {
  EXPECT_FALSE(is_valid_field_name(""));
  EXPECT_FALSE(is_valid_field_name("_PID"));
  EXPECT_FALSE(is_valid_field_name("1ABC"));
  EXPECT_FALSE(is_valid_field_name("lower"));
  EXPECT_FALSE(is_valid_field_name("A-B"));
  EXPECT_FALSE(is_valid_field_name("A=B"));
  EXPECT_FALSE(is_valid_field_name("A\nB"));
  EXPECT_FALSE(is_valid_field_name(std::string(65, 'X')));
}

TEST(FieldName, UserNamesRejectReservedOnes) {
  for (const char* n : {"MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "STREAM", "CONTAINER_PARTIAL_MESSAGE",
                        "CONTAINER_PARTIAL_ID", "CONTAINER_PARTIAL_X", "MESOS_JOURNALD_NO_NEWLINE",
                        "MESOS_JOURNALD_DROPPED_ENTRIES"}) {
    Status s = check_user_field_name(n);
    EXPECT_FALSE(s) << n;
    if (!s) {
      EXPECT_NE(s.error().message.find("reserved"), std::string::npos) << s.error().message;
    }
  }
  EXPECT_TRUE(check_user_field_name("TASK_ID"));
  EXPECT_TRUE(check_user_field_name("CONTAINER_PARTIALLY"));
}

TEST(FieldName, UserNameErrorsSayWhy) {
  EXPECT_NE(check_user_field_name("_UID").error().message.find("journald"), std::string::npos);
  EXPECT_NE(check_user_field_name("9A").error().message.find("digit"), std::string::npos);
  EXPECT_NE(check_user_field_name("a").error().message.find("A-Z"), std::string::npos);
  EXPECT_NE(check_user_field_name(std::string(65, 'A')).error().message.find("64"), std::string::npos);
  EXPECT_FALSE(check_user_field_name(""));
}

TEST(FieldName, SanitizeLikeDocker) {
  EXPECT_EQ(sanitize_field_name("com.example.team"), "COM_EXAMPLE_TEAM");
  EXPECT_EQ(sanitize_field_name("a-b"), "A_B");
  EXPECT_EQ(sanitize_field_name("_hidden"), "HIDDEN");
  EXPECT_EQ(sanitize_field_name("__1x"), "X");
  EXPECT_EQ(sanitize_field_name("123"), "");
  EXPECT_EQ(sanitize_field_name("..."), "");
  EXPECT_EQ(sanitize_field_name("Ünïcode"), "N__CODE");  // per byte, not per rune
  EXPECT_EQ(sanitize_field_name(std::string(200, 'k')), std::string(64, 'K'));
  for (const char* key : {"x", "a.b", "_x", "9z", "MESSAGE", "weird key=\n"}) {
    std::string s = sanitize_field_name(key);
    if (!s.empty()) {
      EXPECT_TRUE(is_valid_field_name(s)) << key << " -> " << s;
    }
  }
}

}  // namespace
}  // namespace mj
