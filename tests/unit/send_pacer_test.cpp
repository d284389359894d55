#include "core/journald/send_pacer.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mj {
namespace {

using std::chrono::microseconds;

void send(SendPacer& p, int n) {
  for (int i = 0; i < n; ++i) p.on_sent();
}

// on_full() returns the adapted pause with jitter; pause() is the adapted one.
TEST(SendPacer, StartsWithTheFirstPause) {
  SendPacer p(512, 1);
  p.on_full();
  EXPECT_EQ(p.pause(), SendPacer::kFirstPause);
}

TEST(SendPacer, ShortensWhenHalfTheQueueWentThrough) {
  // journald emptied half the queue or more during the pause: it may run dry.
  SendPacer p(512, 1);
  p.on_full();
  send(p, 600);
  p.on_full();
  EXPECT_EQ(p.pause(), SendPacer::kFirstPause / 2);
}

TEST(SendPacer, LengthensWhenLittleWentThrough) {
  SendPacer p(512, 1);
  p.on_full();
  send(p, 10);
  p.on_full();
  EXPECT_EQ(p.pause(), SendPacer::kFirstPause * 2);
}

TEST(SendPacer, KeepsThePauseNearAQuarterOfTheQueue) {
  SendPacer p(512, 1);
  p.on_full();
  send(p, 128);
  p.on_full();
  EXPECT_EQ(p.pause(), SendPacer::kFirstPause);
}

TEST(SendPacer, SettlesWhereAQuarterOfTheQueueDrainsPerPause) {
  // A journald that takes 40 µs per entry with a queue of 512: the pause should end up
  // letting about 128 entries through (~5 ms), never emptying the queue.
  SendPacer p(512, 1);
  microseconds pause = p.on_full();
  for (int i = 0; i < 50; ++i) {
    long drained = pause.count() / 40;
    send(p, static_cast<int>(std::min<long>(drained, 512)));
    pause = p.on_full();
  }
  long per_pause = p.pause().count() / 40;
  EXPECT_GE(per_pause, 64);
  EXPECT_LT(per_pause, 256);
}

// The adapted pause of a sender that shares journald (us_per_entry) with `senders`
// senders pausing as long: it finds room for its share of what journald took.
microseconds settle(int senders, long us_per_entry) {
  SendPacer p(512, 7);
  microseconds pause = p.on_full();
  for (int i = 0; i < 200; ++i) {
    long room = pause.count() / us_per_entry / senders;
    send(p, static_cast<int>(std::min<long>(room, 512)));
    pause = p.on_full();
  }
  return p.pause();
}

TEST(SendPacer, PausesLongerWhenManySendersShareTheQueue) {
  // 20 senders behind a journald taking 10 µs per entry: with a lone sender's pause
  // each would find room for a few entries per wake-up. The pause grows until about a
  // quarter of the queue fits, within the maximum.
  microseconds alone = settle(1, 10), shared = settle(20, 10);
  EXPECT_GE(shared, alone * 10);
  EXPECT_LE(shared, SendPacer::kMaxPause);
  long per_pause = shared.count() / 10 / 20;
  EXPECT_GE(per_pause, 64);
  EXPECT_LT(per_pause, 256);
}

TEST(SendPacer, ManySendersBehindASlowJournaldPauseTheMaximum) {
  EXPECT_EQ(settle(100, 40), SendPacer::kMaxPause);
}

TEST(SendPacer, JittersEachPauseWithinHalfOfTheAdaptedOne) {
  SendPacer p(512, 42);
  p.on_full();
  send(p, 128);  // keeps the adapted pause where it is
  microseconds lo = SendPacer::kMaxPause, hi{0};
  for (int i = 0; i < 1000; ++i) {
    microseconds d = p.on_full();
    send(p, 128);
    ASSERT_EQ(p.pause(), SendPacer::kFirstPause);
    ASSERT_GE(d, p.pause() / 2);
    ASSERT_LT(d, p.pause() * 3 / 2);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  // Spread over the whole range, not stuck at one value.
  EXPECT_LT(lo, p.pause() * 6 / 10);
  EXPECT_GT(hi, p.pause() * 14 / 10);
}

TEST(SendPacer, SendersWithDifferentSeedsDoNotPauseInStep) {
  // Senders that found the queue full together must not wake together every time.
  SendPacer a(512, 1001), b(512, 1002);
  int same = 0;
  for (int i = 0; i < 100; ++i) {
    same += a.on_full() == b.on_full();
    send(a, 128);
    send(b, 128);
  }
  EXPECT_LT(same, 10);
}

TEST(SendPacer, StaysWithinBounds) {
  SendPacer slow(512, 1);
  slow.on_full();
  for (int i = 0; i < 40; ++i) slow.on_full();  // nothing ever goes through
  EXPECT_EQ(slow.pause(), SendPacer::kMaxPause);
  SendPacer fast(10, 1);
  fast.on_full();
  for (int i = 0; i < 40; ++i) {
    send(fast, 100);
    fast.on_full();
  }
  EXPECT_EQ(fast.pause(), SendPacer::kMinPause);
}

}  // namespace
}  // namespace mj
