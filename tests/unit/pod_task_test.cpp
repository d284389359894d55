#include "pipe/pod_task.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "temp_dir.h"

namespace mj {
namespace {

using test::TempDir;

// Protocol buffers' wire format for a mesos.Task: name = 1, task_id = 2 { value = 1 },
// framework_id = 3, ..., as stout's protobuf::write() checkpoints it.
std::string varint(std::uint64_t v) {
  std::string out;
  do {
    unsigned char b = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<char>(v ? (b | 0x80) : b));
  } while (v);
  return out;
}
std::string bytes_field(int number, const std::string& value) {
  return varint(static_cast<std::uint64_t>(number) << 3 | 2) + varint(value.size()) + value;
}
std::string checkpoint(const std::string& name, const std::string& id) {
  std::string task = bytes_field(1, name) + bytes_field(2, bytes_field(1, id)) + bytes_field(3, bytes_field(1, "fw")) +
                     varint(4 << 3 | 0) + varint(6) /* state */ + varint(9 << 3 | 1) + std::string(8, 'x');
  std::uint32_t size = static_cast<std::uint32_t>(task.size());
  return std::string(reinterpret_cast<const char*>(&size), sizeof size) + task;
}

TEST(PodTask, FindsTheLinkToItsOwnContainerOnly) {
  TempDir sandbox;
  std::filesystem::create_directory(sandbox.file("tasks"));
  std::filesystem::create_symlink(sandbox.file("containers/other"), sandbox.file("tasks/web"));
  EXPECT_FALSE(find_task_link(sandbox.file("tasks"), "mine"));
  std::filesystem::create_symlink(sandbox.file("containers/mine"), sandbox.file("tasks/db.1"));
  EXPECT_EQ(find_task_link(sandbox.file("tasks"), "mine"), "db.1");
  // A link whose target merely ends in the id, outside containers/, is not it.
  std::filesystem::create_symlink("/elsewhere/mine", sandbox.file("tasks/spoof"));
  EXPECT_EQ(find_task_link(sandbox.file("tasks"), "mine"), "db.1");
}

TEST(PodTask, NoLinksDirectoryYetIsNotAnError) {
  TempDir sandbox;
  EXPECT_FALSE(find_task_link(sandbox.file("tasks"), "mine"));
}

TEST(PodTask, NameFromTheAgentsCheckpoint) {
  EXPECT_EQ(task_name_from_checkpoint(checkpoint("web server", "web.1"), "web.1"), "web server");
  EXPECT_FALSE(task_name_from_checkpoint(checkpoint("web server", "web.1"), "web.2"));  // not this task's
  std::string truncated = checkpoint("web server", "web.1");
  truncated.pop_back();
  EXPECT_FALSE(task_name_from_checkpoint(truncated, "web.1"));
  EXPECT_FALSE(task_name_from_checkpoint("", "web.1"));
  EXPECT_FALSE(task_name_from_checkpoint(std::string("\xff\xff\xff\xff", 4), "web.1"));
}

TEST(PodTask, CheckpointedNameIsReadFromTheMetaDirectory) {
  TempDir meta;
  std::filesystem::create_directories(meta.file("tasks/web.1"));
  test::write_file(meta.file("tasks/web.1/task.info"), checkpoint("web", "web.1"));
  EXPECT_EQ(checkpointed_task_name(meta.path(), "web.1"), "web");
  EXPECT_EQ(checkpointed_task_name(meta.path(), "web.2"), "");
  EXPECT_EQ(checkpointed_task_name(meta.path(), ".."), "");
  EXPECT_EQ(checkpointed_task_name("", "web.1"), "");
}

TEST(PodTask, WaitsForALinkThatComesLater) {
  TempDir sandbox;
  std::thread executor([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::filesystem::create_directory(sandbox.file("tasks"));
    std::filesystem::create_symlink(sandbox.file("containers/c1"), sandbox.file("tasks/t1"));
  });
  auto task = await_pod_task(PodTaskSource{sandbox.file("tasks"), "c1", "", std::chrono::seconds(10)}, -1);
  executor.join();
  ASSERT_TRUE(task) << task.error().message;
  EXPECT_EQ(task->id, "t1");
  EXPECT_EQ(task->name, "");
}

TEST(PodTask, GivesUpAfterTheWaitSayingWhy) {
  TempDir sandbox;
  auto task = await_pod_task(PodTaskSource{sandbox.file("tasks"), "c1", "", std::chrono::milliseconds(50)}, -1);
  ASSERT_FALSE(task);
  EXPECT_NE(task.error().message.find("no task links to container c1"), std::string::npos) << task.error().message;
}

TEST(PodTask, ASignalEndsTheWait) {
  TempDir sandbox;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::write(p[1], "x", 1), 1);
  auto task = await_pod_task(PodTaskSource{sandbox.file("tasks"), "c1", "", std::chrono::seconds(30)}, p[0]);
  ::close(p[0]);
  ::close(p[1]);
  ASSERT_FALSE(task);
  EXPECT_NE(task.error().message.find("signal"), std::string::npos) << task.error().message;
}

}  // namespace
}  // namespace mj
