#include "logger/sandbox_ids.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

TEST(SandboxIds, TopLevelContainer) {
  SandboxIds ids = parse_sandbox_path(
      "/var/lib/mesos/slaves/a1-S0/frameworks/f1-0000/executors/web.1/runs/c0ffee");
  EXPECT_EQ(ids.agent_id, "a1-S0");
  EXPECT_EQ(ids.framework_id, "f1-0000");
  EXPECT_EQ(ids.executor_id, "web.1");
  EXPECT_EQ(ids.container_chain, std::vector<std::string>{"c0ffee"});
}

TEST(SandboxIds, NestedContainers) {
  SandboxIds ids = parse_sandbox_path(
      "/var/lib/mesos/slaves/a1/frameworks/f1/executors/default-executor/runs/root/containers/task/containers/check/");
  EXPECT_EQ(ids.agent_id, "a1");
  EXPECT_EQ(ids.framework_id, "f1");
  EXPECT_EQ(ids.executor_id, "default-executor");
  EXPECT_EQ(ids.container_chain, (std::vector<std::string>{"root", "task", "check"}));
}

TEST(SandboxIds, WorkDirWithConfusingComponents) {
  // Matched from the end: a work_dir containing "slaves" or "runs" does not matter.
  SandboxIds ids = parse_sandbox_path(
      "/srv/slaves/x/frameworks/y/executors/z/runs/w/slaves/A/frameworks/F/executors/E/runs/C");
  EXPECT_EQ(ids.agent_id, "A");
  EXPECT_EQ(ids.framework_id, "F");
  EXPECT_EQ(ids.executor_id, "E");
  // An executor or container called "containers" is still parsed right.
  ids = parse_sandbox_path("/w/slaves/A/frameworks/F/executors/containers/runs/containers");
  EXPECT_EQ(ids.executor_id, "containers");
  EXPECT_EQ(ids.container_chain, std::vector<std::string>{"containers"});
}

TEST(SandboxIds, OtherPathsGiveNothing) {
  for (const char* path : {"", "relative/slaves/A/frameworks/F/executors/E/runs/C", "/var/lib/mesos/containers/c1",
                           "/tmp/sandbox", "/w/slaves/A/frameworks/F/executors/E/runs",
                           "/w/slaves/A/frameworks/F/executors/../runs/C"}) {
    SandboxIds ids = parse_sandbox_path(path);
    EXPECT_FALSE(ids.agent_id) << path;
    EXPECT_FALSE(ids.framework_id) << path;
    EXPECT_TRUE(ids.container_chain.empty()) << path;
  }
}

TEST(SandboxIds, CompleteFillsOnlyWhatIsMissing) {
  ContainerMetadata m;
  m.sandbox_dir = "/w/slaves/A/frameworks/F/executors/E/runs/C/containers/N";
  complete_from_sandbox(m);  // a nested container after failover: no ExecutorInfo
  EXPECT_EQ(m.agent_id, "A");
  EXPECT_EQ(m.framework_id, "F");
  EXPECT_EQ(m.executor_id, "E");

  ContainerMetadata known;
  known.sandbox_dir = m.sandbox_dir;
  known.framework_id = "from-executor-info";
  known.executor_id = "exec";
  complete_from_sandbox(known);
  EXPECT_EQ(known.framework_id, "from-executor-info");
  EXPECT_EQ(known.executor_id, "exec");
  EXPECT_EQ(known.agent_id, "A");
}

}  // namespace
}  // namespace mj

namespace mj {
namespace {

TEST(PodTaskPaths, ADirectChildOfTheExecutorsContainer) {
  auto p = pod_task_paths("/var/lib/mesos/slaves/A/frameworks/F/executors/default-executor/runs/R/containers/C");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->links_dir, "/var/lib/mesos/slaves/A/frameworks/F/executors/default-executor/runs/R/tasks");
  EXPECT_EQ(p->container_id, "C");
  EXPECT_EQ(p->meta_dir, "/var/lib/mesos/meta/slaves/A/frameworks/F/executors/default-executor/runs/R");
}

TEST(PodTaskPaths, OnlyForTheFirstLevelOfNesting) {
  EXPECT_FALSE(pod_task_paths("/var/lib/mesos/slaves/A/frameworks/F/executors/E/runs/R"));
  EXPECT_FALSE(pod_task_paths("/var/lib/mesos/slaves/A/frameworks/F/executors/E/runs/R/containers/C/containers/D"));
  EXPECT_FALSE(pod_task_paths("/var/lib/mesos/containers/standalone"));
}

}  // namespace
}  // namespace mj
