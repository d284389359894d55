#include "core/journald/journal_delivery.h"

#include <gtest/gtest.h>

#include "collect_diagnostics.h"

#include <map>

#include "datagram_receiver.h"
#include "native_parser.h"
#include "temp_dir.h"

namespace mj {
namespace {

using CollectDiag = test::CollectDiagnostics;

struct iovec iov_of(const std::string& s) { return {const_cast<char*>(s.data()), s.size()}; }

class DroppingDeliveryTest : public ::testing::Test {
 protected:
  DroppingDeliveryTest() : rx_(dir_.file("socket")), socket_(dir_.file("socket"), diag_) {}
  test::TempDir dir_;
  test::DatagramReceiver rx_;
  CollectDiag diag_;
  JournalSocket socket_;
};

TEST_F(DroppingDeliveryTest, SendsDirectlyWhileJournaldKeepsUp) {
  DroppingDelivery d(socket_, 64 * 1024, diag_);
  int s = d.register_stream("STREAM=STDOUT\n", StreamKind::kStdout);
  std::string e = "MESSAGE=a\n";
  struct iovec iov = iov_of(e);
  EXPECT_EQ(d.deliver(s, &iov, 1, 1), DeliveryOutcome::kSent);
  EXPECT_EQ(*rx_.receive(), e);
  EXPECT_EQ(d.writable_fd(), -1);
  EXPECT_FALSE(d.wakeup_at());
}

TEST_F(DroppingDeliveryTest, QueuesThenDropsThenMarksTheGapInOrder) {
  const std::size_t capacity = 64 * 1024;
  DroppingDelivery d(socket_, capacity, diag_);
  int s = d.register_stream("SYSLOG_IDENTIFIER=t\nSTREAM=STDERR\n", StreamKind::kStderr);
  // Nobody reads the receiver: its queue fills, then ours, then entries are dropped.
  int sent = 0, queued = 0, lost = 0, i = 0;
  std::vector<std::string> accepted;
  for (; lost < 10; ++i) {
    std::string e = "MESSAGE=line " + std::to_string(i) + std::string(1000, '.') + "\n";
    struct iovec iov = iov_of(e);
    switch (d.deliver(s, &iov, 1, e.size() - 9)) {
      case DeliveryOutcome::kSent: ++sent; accepted.push_back(e); break;
      case DeliveryOutcome::kQueued: ++queued; accepted.push_back(e); break;
      case DeliveryOutcome::kLost: ++lost; break;
    }
  }
  EXPECT_GT(sent, 0);
  EXPECT_GT(queued, 0);
  EXPECT_LE(d.queued_bytes(), capacity);
  EXPECT_EQ(d.drop_stats().dropped_entries, 10u);
  EXPECT_GE(d.writable_fd(), 0);  // the loop is told to wait for journald
  // journald catches up: everything accepted arrives in order, then one gap entry.
  std::vector<std::string> got;
  while (got.size() < accepted.size() + 1) {
    auto m = rx_.receive(std::chrono::milliseconds(100));
    if (m) got.push_back(*m);
    d.on_ready();
  }
  for (std::size_t k = 0; k < accepted.size(); ++k) ASSERT_EQ(got[k], accepted[k]) << k;
  auto gap = test::parse_native(got.back());
  ASSERT_TRUE(gap);
  std::map<std::string, std::string> f(gap->begin(), gap->end());
  EXPECT_EQ(f["STREAM"], "STDERR");
  EXPECT_EQ(f["SYSLOG_IDENTIFIER"], "t");
  EXPECT_EQ(f["PRIORITY"], "4");
  EXPECT_EQ(f["MESOS_JOURNALD_DROPPED_ENTRIES"], "10");
  EXPECT_EQ(f["MESOS_JOURNALD_DROPPED_BYTES"], std::to_string(10 * (std::string("line 1") + std::string(1000, '.')).size() + 10));
  EXPECT_LE(f["MESOS_JOURNALD_DROPPED_FIRST_USEC"], f["MESOS_JOURNALD_DROPPED_LAST_USEC"]);
  EXPECT_NE(f["MESSAGE"].find("dropped 10 entries"), std::string::npos) << f["MESSAGE"];
  EXPECT_EQ(d.drop_stats().gaps, 1u);
  EXPECT_FALSE(d.wakeup_at());
  EXPECT_NE(diag_.messages.front().find("dropping"), std::string::npos);
}

TEST_F(DroppingDeliveryTest, FinishDeliversWhatIsQueuedOrCountsIt) {
  DroppingDelivery d(socket_, 1 << 20, diag_);
  int s = d.register_stream("", StreamKind::kStdout);
  std::string e = "MESSAGE=" + std::string(4000, 'x') + "\n";
  struct iovec iov = iov_of(e);
  int accepted = 0;
  for (int i = 0; i < 100; ++i)
    if (d.deliver(s, &iov, 1, 4000) != DeliveryOutcome::kLost) ++accepted;
  EXPECT_EQ(accepted, 100);
  struct Soon : WaitControl {
    Clock::time_point t = Clock::now() + std::chrono::milliseconds(100);
    int interrupt_fd() const override { return -1; }
    void on_interrupt() override {}
    std::optional<Clock::time_point> deadline() const override { return t; }
  } soon;
  d.finish(soon);  // nobody reads: what is not taken in time is counted
  EXPECT_GT(d.drop_stats().lost_at_exit, 0u);
  EXPECT_LT(d.drop_stats().lost_at_exit, 100u);
}

}  // namespace
}  // namespace mj
