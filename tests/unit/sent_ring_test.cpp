#include "core/journald/sent_ring.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

struct iovec iov_of(const std::string& s) { return {const_cast<char*>(s.data()), s.size()}; }

TEST(SentRing, KeepsTheNewestEntriesJoined) {
  SentRing ring(3, 1 << 20);
  for (int i = 0; i < 5; ++i) {
    std::string a = "A=" + std::to_string(i) + "\n", b = "B\n";
    struct iovec iov[2] = {iov_of(a), iov_of(b)};
    ring.push(iov, 2);
  }
  ASSERT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.at(0), "A=2\nB\n");
  EXPECT_EQ(ring.at(2), "A=4\nB\n");
}

TEST(SentRing, StaysWithinItsByteBudget) {
  SentRing ring(100, 10);
  std::string e = "12345";
  struct iovec iov = iov_of(e);
  for (int i = 0; i < 5; ++i) ring.push(&iov, 1);
  EXPECT_EQ(ring.size(), 2u);
  std::string big(11, 'x');
  iov = iov_of(big);
  ring.push(&iov, 1);  // larger than the budget: nothing older is a tail any more either
  EXPECT_EQ(ring.size(), 0u);
}

TEST(SentRing, ZeroEntriesKeepsNothing) {
  SentRing ring(0, 100);
  std::string e = "x";
  struct iovec iov = iov_of(e);
  ring.push(&iov, 1);
  EXPECT_EQ(ring.size(), 0u);
}

TEST(SentRing, NewestWithinCountsFromTheNewestEntry) {
  SentRing ring(100, 1000);
  for (std::string e : {"aaaa", "bb", "cccccc", "d"}) {
    struct iovec iov = iov_of(e);
    ring.push(&iov, 1);
  }
  EXPECT_EQ(ring.newest_within(0), 0u);
  EXPECT_EQ(ring.newest_within(1), 1u);   // d
  EXPECT_EQ(ring.newest_within(6), 1u);   // d, and cccccc would make 7
  EXPECT_EQ(ring.newest_within(9), 3u);   // d cccccc bb
  EXPECT_EQ(ring.newest_within(1000), 4u);
}

TEST(SentRing, KernelQueueLengthIsPositive) { EXPECT_GT(SentRing::kernel_queue_length(), 0u); }

}  // namespace
}  // namespace mj
