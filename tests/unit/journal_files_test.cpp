#include "core/journald/journal_files.h"

#include <cstdio>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace mj {
namespace {

using test::TempDir;
using test::write_file;

TEST(JournalFiles, TheDirectoriesSdJournalReadsForANamespace) {
  EXPECT_EQ(journal_directories("0123", "ns"),
            (std::vector<std::string>{"/run/log/journal/0123.ns", "/var/log/journal/0123.ns"}));
  EXPECT_EQ(journal_directories("0123", ""),
            (std::vector<std::string>{"/run/log/journal/0123", "/var/log/journal/0123"}));
}

TEST(JournalFiles, ListsJournalFilesOnlyAndAMissingDirectoryAsEmpty) {
  TempDir dir;
  write_file(dir.file("system.journal"), "x");
  write_file(dir.file("system@0001-0002.journal~"), "x");
  write_file(dir.file("system.journal.tmp"), "x");
  write_file(dir.file("notes"), "x");
  auto files = list_journal_files({dir.path(), dir.path() + "/missing"});
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, dir.file("system.journal"));
  EXPECT_EQ((*files)[1].path, dir.file("system@0001-0002.journal~"));
  EXPECT_NE((*files)[0].inode, 0u);
}

// What journald does at a restart after a SIGKILL: the dirty file renamed away, a new one
// under its name. The name is the same before and after; the listing is not.
TEST(JournalFiles, AFileReplacedUnderItsNameChangesTheListing) {
  TempDir dir;
  write_file(dir.file("system.journal"), "old");
  auto before = list_journal_files({dir.path()});
  ASSERT_TRUE(before);
  auto again = list_journal_files({dir.path()});
  ASSERT_TRUE(again);
  EXPECT_TRUE(*before == *again);
  ASSERT_EQ(std::rename(dir.file("system.journal").c_str(), dir.file("system@1-2.journal~").c_str()), 0);
  write_file(dir.file("system.journal"), "new");
  auto after = list_journal_files({dir.path()});
  ASSERT_TRUE(after);
  EXPECT_FALSE(*before == *after);
  // Only the name changes when a full file is archived: that changes the listing too.
  ASSERT_EQ(std::rename(dir.file("system@1-2.journal~").c_str(), dir.file("system@1-2.journal").c_str()), 0);
  auto archived = list_journal_files({dir.path()});
  ASSERT_TRUE(archived);
  EXPECT_FALSE(*after == *archived);
}

}  // namespace
}  // namespace mj
