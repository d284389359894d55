#include "core/journald/reconnect.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "collect_diagnostics.h"

namespace mj {
namespace {

using std::chrono::milliseconds;

TEST(Reconnect, BacksOffFrom10msDoublingTo1s) {
  test::CollectDiagnostics diag;
  Reconnect r("journald socket /x");
  EXPECT_EQ(r.backoff(), milliseconds(0));
  const milliseconds expected[] = {milliseconds(10), milliseconds(20),  milliseconds(40),   milliseconds(80),
                                   milliseconds(160), milliseconds(320), milliseconds(640), milliseconds(1000),
                                   milliseconds(1000)};
  for (milliseconds e : expected) {
    Clock::time_point before = Clock::now();
    r.failed(ECONNREFUSED, "connect", diag);
    EXPECT_EQ(r.backoff(), e);
    EXPECT_GE(r.retry_at(), before + e);
  }
}

TEST(Reconnect, OneMessageWhenJournaldGoesAndOneWhenItIsBack) {
  test::CollectDiagnostics diag;
  Reconnect r("journald socket /x");
  EXPECT_FALSE(r.recovered(diag));  // nothing was reported: nothing to say
  r.failed(ECONNREFUSED, "connect", diag);
  r.failed(ENOENT, "connect", diag);
  ASSERT_EQ(diag.messages.size(), 1u);
  EXPECT_EQ(diag.messages[0], "journald socket /x unavailable (connect: Connection refused); holding output and retrying");
  EXPECT_TRUE(r.recovered(diag));
  ASSERT_EQ(diag.messages.size(), 2u);
  EXPECT_EQ(diag.messages[1].rfind("journald socket /x available again after ", 0), 0u) << diag.messages[1];
  EXPECT_EQ(r.backoff(), milliseconds(0));
  EXPECT_FALSE(r.recovered(diag));
  EXPECT_EQ(diag.messages.size(), 2u);
}

}  // namespace
}  // namespace mj
