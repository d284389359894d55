#include "logger/cgroup_placement.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace mj {
namespace {

CgroupPlacement fake(const test::TempDir& root) {
  CgroupPlacement p;
  p.root = root.path();
  p.systemd_marker = "";
  p.fake_filesystems = true;
  return p;
}

TEST(CgroupPlacement, HybridLayoutMovesInBothHierarchies) {
  test::TempDir cg;
  ::mkdir(cg.file("systemd").c_str(), 0755);
  ::mkdir(cg.file("unified").c_str(), 0755);
  EXPECT_EQ(detect_cgroup_layout(fake(cg)), CgroupLayout::kHybrid);
  EXPECT_EQ(slice_directories(fake(cg)), (std::vector<std::string>{cg.file("systemd/mesos_executors.slice"),
                                                                    cg.file("unified/mesos_executors.slice")}));
  EXPECT_TRUE(place_in_slice(4242, fake(cg)).empty());
  EXPECT_EQ(test::read_file(cg.file("systemd/mesos_executors.slice/mesos-journald-4242.scope/cgroup.procs")), "4242\n");
  EXPECT_EQ(test::read_file(cg.file("unified/mesos_executors.slice/mesos-journald-4242.scope/cgroup.procs")), "4242\n");
}

TEST(CgroupPlacement, DirectlyIntoTheSliceWithoutUnitPerCompanion) {
  test::TempDir cg;
  ::mkdir(cg.file("systemd").c_str(), 0755);
  ::mkdir(cg.file("unified").c_str(), 0755);
  CgroupPlacement p = fake(cg);
  p.unit_per_companion = false;
  EXPECT_EQ(companion_cgroup_name(4242, p), "");
  EXPECT_TRUE(place_in_slice(4242, p).empty());
  EXPECT_EQ(test::read_file(cg.file("systemd/mesos_executors.slice/cgroup.procs")), "4242\n");
  EXPECT_EQ(test::read_file(cg.file("unified/mesos_executors.slice/cgroup.procs")), "4242\n");
}

TEST(CgroupPlacement, LegacyLayout) {
  test::TempDir cg;
  ::mkdir(cg.file("systemd").c_str(), 0755);
  ::mkdir(cg.file("memory").c_str(), 0755);
  EXPECT_EQ(detect_cgroup_layout(fake(cg)), CgroupLayout::kLegacy);
  EXPECT_EQ(slice_directories(fake(cg)), std::vector<std::string>{cg.file("systemd/mesos_executors.slice")});
}

TEST(CgroupPlacement, UnifiedLayout) {
  test::TempDir cg;
  test::write_file(cg.file("cgroup.controllers"), "cpu memory pids\n");
  EXPECT_EQ(detect_cgroup_layout(fake(cg)), CgroupLayout::kUnified);
  EXPECT_TRUE(place_in_slice(77, fake(cg)).empty());
  EXPECT_EQ(test::read_file(cg.file("mesos_executors.slice/mesos-journald-77.scope/cgroup.procs")), "77\n");
}

// In a cgroup2 root, child cgroups that happen to be called systemd or unified are not
// hierarchies: the companion goes to <root>/<slice> only.
TEST(CgroupPlacement, UnifiedRootWithChildCgroupsNamedLikeHierarchies) {
  test::TempDir cg;
  test::write_file(cg.file("cgroup.controllers"), "cpu memory pids\n");
  ::mkdir(cg.file("systemd").c_str(), 0755);
  ::mkdir(cg.file("unified").c_str(), 0755);
  EXPECT_EQ(slice_directories(fake(cg)), std::vector<std::string>{cg.file("mesos_executors.slice")});
}

TEST(CgroupPlacement, RealFileSystemsAreRecognisedByType) {
  // A temporary directory is no cgroup file system: nothing is placed, whatever its
  // subdirectories are called.
  test::TempDir cg;
  ::mkdir(cg.file("systemd").c_str(), 0755);
  ::mkdir(cg.file("unified").c_str(), 0755);
  CgroupPlacement p = fake(cg);
  p.fake_filesystems = false;
  EXPECT_EQ(detect_cgroup_layout(p), CgroupLayout::kNone);
  EXPECT_TRUE(place_in_slice(1, p).empty());
}

TEST(CgroupPlacement, ThisHostsLayout) {
  // Whatever this machine has, detection must not fail; printed for the log.
  CgroupPlacement p;
  p.systemd_marker = "";
  std::printf("this host: %s\n", cgroup_layout_name(detect_cgroup_layout(p)));
  if (::access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0 &&
      ::access("/sys/fs/cgroup/systemd/cgroup.procs", F_OK) == 0 &&
      ::access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0) {
    EXPECT_EQ(detect_cgroup_layout(p), CgroupLayout::kHybrid);
  }
  if (::access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
    EXPECT_EQ(detect_cgroup_layout(p), CgroupLayout::kUnified);
  }
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

TEST(CgroupPlacement, EmptyCgroupsOfExitedCompanionsAreRemoved) {
  test::TempDir cg;
  test::write_file(cg.file("cgroup.controllers"), "");
  // A pid that is certainly gone: a child we have reaped.
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  const std::string slice = cg.file("mesos_executors.slice");
  ::mkdir(slice.c_str(), 0755);
  const std::string stale = slice + "/mesos-journald-" + std::to_string(gone) + ".scope";
  const std::string alive = slice + "/mesos-journald-" + std::to_string(::getpid()) + ".scope";
  const std::string foreign = slice + "/mesos-executor-1.scope";
  for (const std::string& d : {stale, alive, foreign}) ::mkdir(d.c_str(), 0755);
  EXPECT_TRUE(place_in_slice(77, fake(cg)).empty());
  EXPECT_NE(::access(stale.c_str(), F_OK), 0) << "the cgroup of an exited companion is left behind";
  EXPECT_EQ(::access(alive.c_str(), F_OK), 0);
  EXPECT_EQ(::access(foreign.c_str(), F_OK), 0);
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
