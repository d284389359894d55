#include "core/journald/unit_name.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

TEST(UnitName, EscapesWhatSystemdDoesNotAllow) {
  EXPECT_EQ(service_name_from("mesos-journald-", "4f1c-9e.child"), "mesos-journald-4f1c-9e.child.service");
  EXPECT_EQ(service_name_from("p-", "a b/c\\d@e"), "p-a\\x20b\\x2fc\\x5cd\\x40e.service");
}

TEST(UnitName, IsCutToSystemdsLimit) {
  std::string name = service_name_from("p-", std::string(1000, 'a'));
  EXPECT_EQ(name.size(), 255u);
  EXPECT_EQ(name.substr(name.size() - 8), ".service");
  // An escape is never cut in half.
  name = service_name_from("p-", std::string(244, 'a') + "/xyz");
  EXPECT_EQ(name, "p-" + std::string(244, 'a') + ".service");
}

TEST(UnitName, NormalizesUserNames) {
  EXPECT_EQ(*normalize_service_name("web"), "web.service");
  EXPECT_EQ(*normalize_service_name("web.service"), "web.service");
  EXPECT_FALSE(normalize_service_name(""));
  EXPECT_FALSE(normalize_service_name(".service"));
  EXPECT_FALSE(normalize_service_name("a b"));
  EXPECT_FALSE(normalize_service_name("tmpl@x"));
  EXPECT_FALSE(normalize_service_name(std::string(300, 'a')));
}

}  // namespace
}  // namespace mj
