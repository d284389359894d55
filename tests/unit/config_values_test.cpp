#include "core/base/config_values.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

TEST(ParseSize, Units) {
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("1048576"), 1048576u);
  EXPECT_EQ(*parse_size("512K"), 512u * 1024);
  EXPECT_EQ(*parse_size("10M"), 10u << 20);
  EXPECT_EQ(*parse_size("10MB"), 10u << 20);
  EXPECT_EQ(*parse_size("10MiB"), 10u << 20);
  EXPECT_EQ(*parse_size("1g"), 1ull << 30);
  EXPECT_EQ(*parse_size("2T"), 2ull << 40);
  EXPECT_EQ(*parse_size("7B"), 7u);
}

TEST(ParseSize, Errors) {
  for (const char* bad : {"", "M", "10X", "10MX", "-1", "1.5M", " 1", "99999999999999999999", "20000000T"}) {
    auto r = parse_size(bad);
    EXPECT_FALSE(r) << bad;
  }
  EXPECT_NE(parse_size("10X").error().message.find("unknown unit"), std::string::npos);
}

TEST(ParsePriority, NumbersAndNames) {
  EXPECT_EQ(*parse_priority("0"), 0);
  EXPECT_EQ(*parse_priority("7"), 7);
  EXPECT_EQ(*parse_priority("err"), 3);
  EXPECT_EQ(*parse_priority("ERROR"), 3);
  EXPECT_EQ(*parse_priority("warning"), 4);
  EXPECT_EQ(*parse_priority("info"), 6);
  EXPECT_EQ(*parse_priority("debug"), 7);
  EXPECT_EQ(*parse_priority("emerg"), 0);
  for (const char* bad : {"8", "-1", "", "information", "66"}) EXPECT_FALSE(parse_priority(bad)) << bad;
}

TEST(ParseDuration, Units) {
  using std::chrono::milliseconds;
  EXPECT_EQ(*parse_duration("0"), milliseconds(0));
  EXPECT_EQ(*parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(*parse_duration("1s"), milliseconds(1000));
  EXPECT_EQ(*parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*parse_duration("2"), milliseconds(2000));
  EXPECT_EQ(*parse_duration("2m"), milliseconds(120000));
  // Fractions of a millisecond round to the nearest one, halves up.
  EXPECT_EQ(*parse_duration("0.0004s"), milliseconds(0));
  EXPECT_EQ(*parse_duration("0.0015s"), milliseconds(2));
  EXPECT_EQ(*parse_duration("2.6ms"), milliseconds(3));
  for (const char* bad : {"", "s", "1h", "-1s", "1.2.3s", "2days", "100000m"}) EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Namespace, Validation) {
  EXPECT_TRUE(check_namespace("tenant-a_1"));
  for (const char* bad : {"", "a.b", "a/b", "../x", "a b", "x\n"}) EXPECT_FALSE(check_namespace(bad)) << bad;
  EXPECT_FALSE(check_namespace(std::string(65, 'a')));
  EXPECT_EQ(namespace_socket_path(""), "/run/systemd/journal/socket");
  EXPECT_EQ(namespace_socket_path("x"), "/run/systemd/journal.x/socket");
}

TEST(Identifier, Validation) {
  EXPECT_TRUE(check_identifier("my-task.web"));
  EXPECT_TRUE(check_identifier("ünïcode ok"));
  EXPECT_FALSE(check_identifier(""));
  EXPECT_FALSE(check_identifier("a\nb"));
  EXPECT_FALSE(check_identifier(std::string("a\0b", 3)));
  EXPECT_FALSE(check_identifier(std::string(256, 'a')));
}

}  // namespace
}  // namespace mj
