#include "core/journald/settled_read.h"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

namespace mj {
namespace {

using std::chrono::milliseconds;

// A directory that a restarting journald changes while it is read: listing k returns
// listings[k] (the last one ever after); read k returns reads[k].
struct Script {
  Script(std::vector<int> l, std::vector<Result<int>> r) : listings(std::move(l)), reads(std::move(r)) {}

  std::vector<int> listings;
  std::vector<Result<int>> reads;
  std::size_t listed = 0, read = 0;
  std::vector<milliseconds> pauses;

  Result<int> run(SettlePolicy policy = {}) {
    return read_settled<int>(
        [this] {
          int l = listings[std::min(listed, listings.size() - 1)];
          ++listed;
          return Result<int>(l);
        },
        [this] { return reads[read++]; }, [this](milliseconds d) { pauses.push_back(d); }, policy);
  }
};

TEST(SettledRead, AReadWithTheSameFilesBeforeAndAfterIsTakenAtOnce) {
  Script s{{1}, {Result<int>(42)}};
  Result<int> r = s.run();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(s.read, 1u);
  EXPECT_TRUE(s.pauses.empty());
}

// The soak's case: journald renamed its dirty file and created a new one during the
// first read, which missed the old file (100 of 4,956 counted); the second read, after a
// pause, sees both and is taken.
TEST(SettledRead, AReadDuringWhichAFileWasReplacedIsDoneAgainAfterAPause) {
  Script s{{1, 2, 2, 2}, {Result<int>(100), Result<int>(4956)}};
  Result<int> r = s.run();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 4956);
  EXPECT_EQ(s.read, 2u);
  EXPECT_EQ(s.pauses, std::vector<milliseconds>{milliseconds(5)});
}

// Files that keep changing make an error (the caller's "cannot check"), never a count
// from a read that may have missed one; the reads are bounded and the pauses grow.
TEST(SettledRead, FilesThatKeepChangingAreAnErrorAfterBoundedAttempts) {
  Script s{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, std::vector<Result<int>>(6, Result<int>(7))};
  Result<int> r = s.run();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("renamed or replaced during each of 6 reads"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(s.read, 6u);
  EXPECT_EQ(s.pauses, (std::vector<milliseconds>{milliseconds(5), milliseconds(10), milliseconds(20),
                                                 milliseconds(40), milliseconds(80)}));
}

TEST(SettledRead, AFailedReadOfUnchangedFilesIsReturnedAsItIs) {
  Script s{{1}, {Result<int>(Error{"cannot read the journal", 5})}};
  Result<int> r = s.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot read the journal");
  EXPECT_EQ(s.read, 1u);
}

// The only file renamed away as it was opened: sd-journal found none and the read failed.
TEST(SettledRead, AFailedReadDuringWhichAFileWasReplacedIsDoneAgain) {
  Script s{{1, 2, 2, 2}, {Result<int>(Error{"no journal file of namespace x is readable by uid 0"}), Result<int>(9)}};
  Result<int> r = s.run();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 9);
  EXPECT_EQ(s.read, 2u);
}

TEST(SettledRead, AFailedListingIsAnError) {
  int reads = 0;
  Result<int> r = read_settled<int>([] { return Result<int>(Error{"cannot list /var/log/journal/x"}); },
                                    [&reads] { return Result<int>(++reads); }, [](milliseconds) {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot list /var/log/journal/x");
  EXPECT_EQ(reads, 0);
}

}  // namespace
}  // namespace mj
