#include "logger/cgroup_placement.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace mj {
namespace {

CgroupPlacement fake(const test::TempDir& root) {
  CgroupPlacement p;
  p.root = root.path();
  p.systemd_marker = "";
  return p;
}

TEST(CgroupPlacement, HybridLayoutMovesInBothHierarchies) {
  test::TempDir cg;
  ::mkdir(cg.file("systemd").c_str(), 0755);
  ::mkdir(cg.file("unified").c_str(), 0755);
  EXPECT_EQ(slice_directories(fake(cg)), (std::vector<std::string>{cg.file("systemd/mesos_executors.slice"),
                                                                    cg.file("unified/mesos_executors.slice")}));
  EXPECT_TRUE(place_in_slice(4242, fake(cg)).empty());
  EXPECT_EQ(test::read_file(cg.file("systemd/mesos_executors.slice/cgroup.procs")), "4242\n");
  EXPECT_EQ(test::read_file(cg.file("unified/mesos_executors.slice/cgroup.procs")), "4242\n");
}

TEST(CgroupPlacement, LegacyLayout) {
  test::TempDir cg;
  ::mkdir(cg.file("systemd").c_str(), 0755);
  ::mkdir(cg.file("memory").c_str(), 0755);
  EXPECT_EQ(slice_directories(fake(cg)), std::vector<std::string>{cg.file("systemd/mesos_executors.slice")});
}

TEST(CgroupPlacement, UnifiedLayout) {
  test::TempDir cg;
  test::write_file(cg.file("cgroup.controllers"), "cpu memory pids\n");
  EXPECT_TRUE(place_in_slice(77, fake(cg)).empty());
  EXPECT_EQ(test::read_file(cg.file("mesos_executors.slice/cgroup.procs")), "77\n");
}

TEST(CgroupPlacement, NothingWithoutSystemdOrWhenDisabled) {
  test::TempDir cg;
  ::mkdir(cg.file("systemd").c_str(), 0755);
  CgroupPlacement p = fake(cg);
  p.systemd_marker = cg.file("no-such-marker");
  EXPECT_TRUE(slice_directories(p).empty());
  p.systemd_marker = cg.path();  // exists
  EXPECT_EQ(slice_directories(p).size(), 1u);
  p.enabled = false;
  EXPECT_TRUE(slice_directories(p).empty());
  EXPECT_TRUE(place_in_slice(1, p).empty());
}

TEST(CgroupPlacement, NoCgroupsAtAll) {
  test::TempDir cg;
  EXPECT_TRUE(slice_directories(fake(cg)).empty());
}

TEST(CgroupPlacement, FailuresAreWarnings) {
  test::TempDir cg;
  ::mkdir(cg.file("systemd").c_str(), 0755);
  test::write_file(cg.file("systemd/mesos_executors.slice"), "not a directory");
  auto warnings = place_in_slice(5, fake(cg));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("systemd/mesos_executors.slice"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("stopped together with the agent"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace mj
