#include "core/journald/send_pacer.h"

#include <gtest/gtest.h>

namespace mj {
namespace {

using std::chrono::microseconds;

void send(SendPacer& p, int n) {
  for (int i = 0; i < n; ++i) p.on_sent();
}

TEST(SendPacer, StartsWithTheFirstPause) {
  SendPacer p(512);
  EXPECT_EQ(p.on_full(), SendPacer::kFirstPause);
}

TEST(SendPacer, ShortensWhenMoreThanTheQueueWentThrough) {
  // journald emptied the whole queue during the pause, so it may have sat idle.
  SendPacer p(512);
  p.on_full();
  send(p, 600);
  EXPECT_EQ(p.on_full(), SendPacer::kFirstPause / 2);
}

TEST(SendPacer, LengthensWhenLittleWentThrough) {
  SendPacer p(512);
  p.on_full();
  send(p, 10);
  EXPECT_EQ(p.on_full(), SendPacer::kFirstPause * 2);
}

TEST(SendPacer, KeepsThePauseNearHalfTheQueue) {
  SendPacer p(512);
  p.on_full();
  send(p, 256);
  EXPECT_EQ(p.on_full(), SendPacer::kFirstPause);
}

TEST(SendPacer, SettlesWhereHalfTheQueueDrainsPerPause) {
  // A journald that takes 40 µs per entry with a queue of 512: the pause should end up
  // letting about 256 entries through (~10 ms), never emptying the queue.
  SendPacer p(512);
  microseconds pause = p.on_full();
  for (int i = 0; i < 50; ++i) {
    long drained = pause.count() / 40;
    send(p, static_cast<int>(std::min<long>(drained, 512)));
    pause = p.on_full();
  }
  long per_pause = pause.count() / 40;
  EXPECT_GE(per_pause, 128);
  EXPECT_LT(per_pause, 512);
}

TEST(SendPacer, StaysWithinBounds) {
  SendPacer slow(512);
  slow.on_full();
  for (int i = 0; i < 40; ++i) slow.on_full();  // nothing ever goes through
  EXPECT_EQ(slow.pause(), SendPacer::kMaxPause);
  SendPacer fast(10);
  fast.on_full();
  for (int i = 0; i < 40; ++i) {
    send(fast, 100);
    fast.on_full();
  }
  EXPECT_EQ(fast.pause(), SendPacer::kMinPause);
}

}  // namespace
}  // namespace mj
