#include "core/journald/replay_plan.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

// could_take 12: max_dgram_qlen 10, single-entry datagrams. The queue holds
// max_dgram_qlen + 1 datagrams (the kernel refuses a send only once the queue is longer
// than the limit), plus the one journald had read but not yet stored.

TEST(ReplayPlan, ResendsWhatTheQueueTookWhenItIsStillKept) {
  ReplayPlan p = plan_resend(1000, Result<std::uint64_t>(std::uint64_t{990}), 18, 12);
  EXPECT_EQ(p.resend, 10u);
  EXPECT_EQ(p.lost, 0u);
  EXPECT_EQ(p.at_risk, 0u);
  EXPECT_EQ(p.sent_total, 990u);
  EXPECT_FALSE(p.count_again);
  EXPECT_NE(p.message.find("had lost 10 entries"), std::string::npos) << p.message;
  EXPECT_NE(p.message.find("sending them again"), std::string::npos) << p.message;
}

TEST(ReplayPlan, NothingMissingIsNothingToSay) {
  ReplayPlan p = plan_resend(1000, Result<std::uint64_t>(std::uint64_t{1000}), 18, 12);
  EXPECT_EQ(p.resend, 0u);
  EXPECT_EQ(p.lost + p.at_risk, 0u);
  EXPECT_TRUE(p.message.empty()) << p.message;
}

TEST(ReplayPlan, MissingBeyondWhatIsKeptButWithinTheQueueIsLost) {
  // The ring was cleared by an entry too large to keep: the queue's 12 are known lost.
  ReplayPlan p = plan_resend(1000, Result<std::uint64_t>(std::uint64_t{988}), 4, 12);
  EXPECT_EQ(p.resend, 4u);
  EXPECT_EQ(p.lost, 8u);
  EXPECT_EQ(p.at_risk, 0u);
  EXPECT_NE(p.message.find("8 were no longer kept and are lost"), std::string::npos) << p.message;
}

// Measured: a companion running as nobody counted none of its 24011 entries (it could
// not read the journal files) and reported them lost; all were stored.
TEST(ReplayPlan, MoreMissingThanTheQueueCanHoldIsAnUnreadableJournalNotLoss) {
  ReplayPlan p = plan_resend(24011, Result<std::uint64_t>(std::uint64_t{0}), 18, 12);
  EXPECT_EQ(p.resend, 0u);
  EXPECT_EQ(p.lost, 0u);
  EXPECT_EQ(p.at_risk, 12u);  // the queue (qlen + 1) and the entry journald was storing
  EXPECT_EQ(p.sent_total, 0u);
  EXPECT_TRUE(p.count_again);
  EXPECT_NE(p.message.find("up to 12 entries"), std::string::npos) << p.message;
  EXPECT_NE(p.message.find("cannot read all of it back"), std::string::npos) << p.message;
}

TEST(ReplayPlan, AReadBackThatFailedBoundsTheRiskByTheQueue) {
  ReplayPlan p = plan_resend(500, Result<std::uint64_t>(Error{"no journal file of namespace x is readable by uid 65534"}),
                             520, 514);
  EXPECT_EQ(p.resend, 0u);
  EXPECT_EQ(p.lost, 0u);
  EXPECT_EQ(p.at_risk, 500u);  // never more than was sent
  EXPECT_TRUE(p.count_again);
  EXPECT_NE(p.message.find("readable by uid 65534"), std::string::npos) << p.message;
}

// Measured: journald SIGKILLed mid-stream with max_dgram_qlen 10 took 12 entries.
TEST(ReplayPlan, AtQueueLengthPlusTwoItIsStillLossAndSentAgain) {
  ReplayPlan p = plan_resend(100, Result<std::uint64_t>(std::uint64_t{88}), 18, 12);
  EXPECT_EQ(p.resend, 12u);
  EXPECT_EQ(p.at_risk, 0u);
  ReplayPlan beyond = plan_resend(100, Result<std::uint64_t>(std::uint64_t{87}), 18, 12);
  EXPECT_EQ(beyond.resend, 0u);
  EXPECT_EQ(beyond.at_risk, 12u);
}

// Several entries to a datagram: what the ring keeps bounds the loss, not the queue's
// datagram count.
TEST(ReplayPlan, WithSeveralEntriesADatagramTheKeptEntriesBoundTheLoss) {
  ReplayPlan p = plan_resend(5000, Result<std::uint64_t>(std::uint64_t{4000}), 1200, 1200);
  EXPECT_EQ(p.resend, 1000u);
  EXPECT_EQ(p.lost + p.at_risk, 0u);
}

// The soak's read-back that missed a file of 4,856 entries: had its count stayed the
// baseline, the next restart's read-back, whole again, would have shown 4,856 more than
// expected and hidden what that journald lost. After a read-back that cannot be trusted
// the next one compares only what is sent from then on with what is stored from then on.
TEST(ReplayPlan, AfterAReadBackThatCannotBeTrustedTheNextLossIsStillSeen) {
  ReplayPlan untrusted = plan_resend(10000, Result<std::uint64_t>(std::uint64_t{5144}), 1200, 100);
  ASSERT_GT(untrusted.at_risk, 0u);
  ASSERT_TRUE(untrusted.count_again);
  // 2,000 sent after it, 1,990 of them stored (the counter started over): 10 lost.
  ReplayPlan next = plan_resend(untrusted.sent_total + 2000, Result<std::uint64_t>(std::uint64_t{1990}), 1200, 100);
  EXPECT_EQ(next.resend, 10u);
  EXPECT_FALSE(next.count_again);
}

}  // namespace
}  // namespace mj
