#include "core/files/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "collect_diagnostics.h"

#include <filesystem>
#include <atomic>
#include <random>
#include <thread>

#include "temp_dir.h"

namespace mj {
namespace {

using test::read_file;
using test::TempDir;

using CollectDiag = test::CollectDiagnostics;

class RotatingFileTest : public ::testing::Test {
 protected:
  RotatingFile open(RotationPolicy policy, const std::string& name = "stdout") {
    dir_fd_ = ::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    auto f = RotatingFile::open(dir_fd_, name, policy, diag_);
    ::close(dir_fd_);
    EXPECT_TRUE(f) << (f ? "" : f.error().message);
    return std::move(*f);
  }
  bool exists(const std::string& name) { return std::filesystem::exists(dir_.file(name)); }
  std::string all_files_oldest_first(const std::string& name, unsigned max_files) {
    std::string all;
    for (unsigned i = max_files; i >= 1; --i)
      if (exists(name + "." + std::to_string(i))) all += read_file(dir_.file(name + "." + std::to_string(i)));
    return all + read_file(dir_.file(name));
  }

  TempDir dir_;
  int dir_fd_ = -1;
  CollectDiag diag_;
};

TEST_F(RotatingFileTest, WritesBytesExactlyWithoutRotation) {
  auto f = open({1000, 3});
  std::string data("a\0b\xff\n\nlast-no-newline", 22);
  f.append(data.substr(0, 5));
  f.append(data.substr(5));
  EXPECT_EQ(read_file(dir_.file("stdout")), data);
  EXPECT_FALSE(exists("stdout.1"));
  EXPECT_EQ(f.stats().bytes_written, data.size());
}

TEST_F(RotatingFileTest, AppendsToExistingFile) {
  test::write_file(dir_.file("stdout"), "old\n");
  auto f = open({1000, 3});
  f.append("new\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "old\nnew\n");
}

TEST_F(RotatingFileTest, RotatesAtLineBoundariesAndNeverExceedsTheLimit) {
  auto f = open({10, 2});
  f.append("aaaa\nbbbb\ncccc\n");  // 15 bytes: "aaaa\nbbbb\n" fits exactly
  EXPECT_EQ(read_file(dir_.file("stdout.1")), "aaaa\nbbbb\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "cccc\n");
  f.append("dddd\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "cccc\ndddd\n");
  f.append("e\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "e\n");
  EXPECT_EQ(read_file(dir_.file("stdout.1")), "cccc\ndddd\n");
  EXPECT_EQ(read_file(dir_.file("stdout.2")), "aaaa\nbbbb\n");
  f.append("ffffffff\n");  // rotation drops the oldest
  EXPECT_EQ(read_file(dir_.file("stdout.2")), "cccc\ndddd\n");
  EXPECT_EQ(read_file(dir_.file("stdout.1")), "e\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "ffffffff\n");
  EXPECT_FALSE(exists("stdout.3"));
}

TEST_F(RotatingFileTest, OpenLineMovesToTheNewFile) {
  auto f = open({10, 2});
  f.append("aaaa\nbb");  // "bb" is an unterminated line
  f.append("bbbbb\n");   // the line "bbbbbbb\n" (8 bytes) no longer fits after "aaaa\n"
  EXPECT_EQ(read_file(dir_.file("stdout.1")), "aaaa\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "bbbbbbb\n");
}

TEST_F(RotatingFileTest, LineLongerThanTheLimitIsSplitAcrossFiles) {
  auto f = open({4, 5});
  f.append("ab\n0123456789\n");
  std::string all = all_files_oldest_first("stdout", 5);
  EXPECT_EQ(all, "ab\n0123456789\n");
  for (unsigned i = 1; i <= 5; ++i) {
    if (exists("stdout." + std::to_string(i))) {
      EXPECT_LE(read_file(dir_.file("stdout." + std::to_string(i))).size(), 4u);
    }
  }
  EXPECT_EQ(read_file(dir_.file("stdout.3")), "ab\n");  // the long line started a new file
}

TEST_F(RotatingFileTest, MaxFilesZeroKeepsOnlyTheCurrentFile) {
  auto f = open({5, 0});
  f.append("1234\n5678\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "5678\n");
  EXPECT_FALSE(exists("stdout.1"));
}

TEST_F(RotatingFileTest, RandomWritesKeepEveryByteAndEveryInvariant) {
  std::mt19937 rng(42);
  const std::uint64_t max = 64;
  auto f = open({max, 1000});
  std::string written;
  for (int i = 0; i < 2000; ++i) {
    std::string chunk;
    std::size_t n = rng() % 40;
    for (std::size_t k = 0; k < n; ++k) chunk.push_back(rng() % 6 == 0 ? '\n' : static_cast<char>('a' + rng() % 26));
    f.append(chunk);
    written += chunk;
  }
  EXPECT_EQ(all_files_oldest_first("stdout", 1000), written);
  // No file exceeds the limit; a file ends mid-line only if that line is longer than
  // the limit.
  for (unsigned i = 1; i <= 1000 && exists("stdout." + std::to_string(i)); ++i) {
    std::string content = read_file(dir_.file("stdout." + std::to_string(i)));
    EXPECT_LE(content.size(), max);
    if (!content.empty() && content.back() != '\n') {
      std::string next = i > 1 ? read_file(dir_.file("stdout." + std::to_string(i - 1))) : read_file(dir_.file("stdout"));
      std::size_t tail = content.size() - (content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1);
      std::size_t head = next.find('\n') == std::string::npos ? next.size() : next.find('\n') + 1;
      EXPECT_GT(tail + head, max) << "file " << i << " splits a line that would fit a file";
    }
  }
}

TEST_F(RotatingFileTest, PlantedSymlinksAreNeverFollowed) {
  TempDir outside;
  test::write_file(outside.file("victim"), "precious\n");
  auto f = open({8, 3});
  f.append("1234567\n");
  // The task replaces the rotated file names with links to a file outside the sandbox.
  std::filesystem::create_symlink(outside.file("victim"), dir_.file("stdout.1"));
  std::filesystem::create_symlink(outside.file("victim"), dir_.file("stdout.2"));
  f.append("abcdefg\n");
  f.append("hijklmn\n");
  EXPECT_EQ(read_file(outside.file("victim")), "precious\n");
  EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(dir_.file("stdout"))));
  EXPECT_EQ(read_file(dir_.file("stdout")), "hijklmn\n");
}

// The task plants a link on the current file's own name, over and over, racing the
// window between the rename of the full file and the creation of the new one. Nothing
// may be written through the link, and every byte must be in a regular file or counted.
TEST_F(RotatingFileTest, ASymlinkPlantedOnTheCurrentNameDuringRotationIsNeverFollowed) {
  TempDir outside;
  test::write_file(outside.file("victim"), "precious\n");
  const unsigned max_files = 1000;
  auto f = open({64, max_files});
  std::atomic<bool> stop{false};
  std::atomic<unsigned> planted{0};
  std::thread planter([&] {
    while (!stop) {
      if (::symlink(outside.file("victim").c_str(), dir_.file("stdout").c_str()) == 0) ++planted;
    }
  });
  std::string written;
  for (int i = 0; i < 600; ++i) {
    std::string line = "line " + std::to_string(i) + " of the task, long enough to rotate\n";
    written += line;
    f.append(line);
  }
  stop = true;
  planter.join();
  EXPECT_EQ(read_file(outside.file("victim")), "precious\n");
  EXPECT_GT(f.stats().rotations, 100u);
  std::string kept;
  for (unsigned i = max_files; i >= 1; --i) {
    std::filesystem::path p = dir_.file("stdout." + std::to_string(i));
    if (std::filesystem::is_regular_file(std::filesystem::symlink_status(p))) kept += read_file(p.string());
  }
  if (std::filesystem::is_regular_file(std::filesystem::symlink_status(dir_.file("stdout"))))
    kept += read_file(dir_.file("stdout"));
  EXPECT_EQ(kept.size() + f.stats().bytes_lost, written.size()) << planted << " links planted";
  if (f.stats().bytes_lost == 0) {
    EXPECT_EQ(kept, written);
  }
}

TEST_F(RotatingFileTest, APlantedFifoAsTheOldestFileIsRemovedWithoutBeingOpened) {
  // The oldest file is held (O_PATH) while it is unlinked; opening a FIFO for real
  // would block the companion until someone opened the other end.
  auto f = open({8, 2});
  f.append("1234567\n");
  ASSERT_EQ(::mkfifo(dir_.file("stdout.2").c_str(), 0600), 0);
  f.append("abcdefg\n");
  f.append("hijklmn\n");
  EXPECT_FALSE(std::filesystem::is_fifo(std::filesystem::symlink_status(dir_.file("stdout.2"))));
  EXPECT_EQ(read_file(dir_.file("stdout.2")), "1234567\n");
  EXPECT_EQ(read_file(dir_.file("stdout.1")), "abcdefg\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "hijklmn\n");
  EXPECT_TRUE(diag_.messages.empty());
}

TEST_F(RotatingFileTest, ADirectoryInTheWayOfTheOldestFileIsReportedAndSkipped) {
  auto f = open({8, 2});
  f.append("1234567\n");
  std::filesystem::create_directory(dir_.file("stdout.2"));
  f.append("abcdefg\n");
  EXPECT_TRUE(std::filesystem::is_directory(dir_.file("stdout.2")));
  EXPECT_EQ(read_file(dir_.file("stdout.1")), "1234567\n");
  EXPECT_EQ(read_file(dir_.file("stdout")), "abcdefg\n");
  ASSERT_FALSE(diag_.messages.empty());
  EXPECT_NE(diag_.messages[0].find("cannot remove stdout.2"), std::string::npos) << diag_.messages[0];
}

TEST_F(RotatingFileTest, RefusesASymlinkAsTheCurrentFile) {
  TempDir outside;
  test::write_file(outside.file("victim"), "precious\n");
  std::filesystem::create_symlink(outside.file("victim"), dir_.file("stdout"));
  int dir_fd = ::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  auto f = RotatingFile::open(dir_fd, "stdout", {100, 1}, diag_);
  ::close(dir_fd);
  EXPECT_FALSE(f);
  EXPECT_EQ(read_file(outside.file("victim")), "precious\n");
}

TEST_F(RotatingFileTest, RemovedSandboxIsCountedAndReportedOnce) {
  auto f = open({8, 1});
  f.append("1234567\n");
  std::filesystem::remove_all(dir_.path());
  f.append("abcdefg\n");  // needs a rotation, which cannot happen now
  f.append("hijklmn\n");
  EXPECT_EQ(f.stats().bytes_lost, 16u);
  EXPECT_EQ(diag_.messages.size(), 1u);
}

}  // namespace
}  // namespace mj
