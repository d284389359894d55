#include "core/journald/journal_socket.h"

#include <gtest/gtest.h>

#include "collect_diagnostics.h"
#include "deadline_in.h"

#include <thread>

#include "datagram_receiver.h"
#include "native_parser.h"
#include "temp_dir.h"

namespace mj {
namespace {

using CollectDiag = test::CollectDiagnostics;

using test::DeadlineIn;

struct iovec iov_of(const std::string& s) { return {const_cast<char*>(s.data()), s.size()}; }

// A socket with a receiver bound where it sends, as most tests need.
class JournalSocketTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  test::DatagramReceiver rx{dir.file("socket")};
  CollectDiag diag;
  JournalSocket sock{dir.file("socket"), diag};
  WaitForever forever;
};

TEST_F(JournalSocketTest, SendsAnEntryAsADatagram) {
  std::string a = "A=1\n", b = "MESSAGE=hi\n";
  struct iovec iov[2] = {iov_of(a), iov_of(b)};
  EXPECT_EQ(sock.send(iov, 2, forever), SendOutcome::kSent);
  auto got = rx.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "A=1\nMESSAGE=hi\n");
  EXPECT_FALSE(rx.last_was_memfd());
  EXPECT_TRUE(diag.messages.empty());
}

TEST(JournalSocket, WaitsForAnAbsentJournaldAndDeliversWhenItAppears) {
  test::TempDir dir;
  CollectDiag diag;
  JournalSocket sock(dir.file("socket"), diag);
  std::optional<test::DatagramReceiver> rx;
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    rx.emplace(dir.file("socket"));
  });
  WaitForever forever;
  std::string m = "MESSAGE=late\n";
  struct iovec iov = iov_of(m);
  auto start = Clock::now();
  EXPECT_EQ(sock.send(&iov, 1, forever), SendOutcome::kSent);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(250));
  later.join();
  auto got = rx->receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, m);
  ASSERT_EQ(diag.messages.size(), 2u);
  EXPECT_NE(diag.messages[0].find("unavailable"), std::string::npos);
  EXPECT_NE(diag.messages[1].find("available again"), std::string::npos);
}

TEST(JournalSocket, GivesUpAtTheDeadlineWhenNobodyListens) {
  test::TempDir dir;
  CollectDiag diag;
  JournalSocket sock(dir.file("socket"), diag);
  DeadlineIn soon(std::chrono::milliseconds(100));
  std::string m = "MESSAGE=x\n";
  struct iovec iov = iov_of(m);
  EXPECT_EQ(sock.send(&iov, 1, soon), SendOutcome::kGaveUp);
}

TEST_F(JournalSocketTest, FullQueueBlocksUntilTheReaderCatchesUp) {
  std::string m = "MESSAGE=" + std::string(1000, 'x') + "\n";
  struct iovec iov = iov_of(m);
  // Fill the queue (net.unix.max_dgram_qlen datagrams at most), then check that the
  // next send waits rather than fails.
  std::size_t sent = 0;
  for (; sent < 100000; ++sent) {
    DeadlineIn now(std::chrono::milliseconds(0));
    if (sock.send(&iov, 1, now) != SendOutcome::kSent) break;
  }
  ASSERT_LT(sent, 100000u) << "the queue never filled";
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (std::size_t i = 0; i <= sent; ++i) ASSERT_TRUE(rx.receive());
  });
  EXPECT_EQ(sock.send(&iov, 1, forever), SendOutcome::kSent);
  reader.join();
  EXPECT_GE(sock.stats().waits_full, 1u);
}

TEST_F(JournalSocketTest, AFullQueueIsRefilledInBatchesNotOneEntryPerWakeUp) {
  // A reader slower than the sender: a sender that waited in sendmsg() would be woken
  // by every receive and send one entry per wake-up. The pacer lets several through
  // per pause.
  std::string m = "MESSAGE=x\n";
  struct iovec iov = iov_of(m);
  constexpr std::size_t kEntries = 4000;
  std::thread reader([&] {
    for (std::size_t i = 0; i < kEntries; ++i) {
      ASSERT_TRUE(rx.receive());
      if (i % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  for (std::size_t i = 0; i < kEntries; ++i) ASSERT_EQ(sock.send(&iov, 1, forever), SendOutcome::kSent);
  reader.join();
  ASSERT_GE(sock.stats().pauses, 1u) << "the queue never filled";
  EXPECT_LT(sock.stats().pauses * 2, kEntries) << sock.stats().pauses << " pauses";
}

// Entries "MESSAGE=<i>\n" for a batch, with their iovecs.
struct Batch {
  explicit Batch(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) bytes.push_back("MESSAGE=" + std::to_string(i) + "\n");
    for (std::string& b : bytes) iovs.push_back(iov_of(b));
    for (struct iovec& v : iovs) entries.push_back(EntryIov{&v, 1});
    out.assign(n, SendOutcome::kGaveUp);
  }
  std::vector<std::string> bytes;
  std::vector<struct iovec> iovs;
  std::vector<EntryIov> entries;
  std::vector<SendOutcome> out;
};

TEST_F(JournalSocketTest, ABatchGoesOutInOrderWithFewSystemCalls) {
  // Connect first (the first entry alone), then a batch the queue can take at once.
  Batch first(1);
  sock.send_batch(first.entries.data(), 1, forever, first.out.data());
  ASSERT_TRUE(rx.receive());
  Batch b(8);
  sock.send_batch(b.entries.data(), b.entries.size(), forever, b.out.data());
  for (std::size_t i = 0; i < b.entries.size(); ++i) {
    EXPECT_EQ(b.out[i], SendOutcome::kSent);
    auto got = rx.receive();
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, b.bytes[i]);
  }
  EXPECT_EQ(rx.last_datagram_entries(), 8u);  // one datagram, the entries apart by empty lines
  EXPECT_EQ(sock.stats().batch_calls, 1u);
  EXPECT_EQ(sock.stats().datagrams, 2u);
  EXPECT_EQ(sock.stats().entries, 9u);
}

TEST_F(JournalSocketTest, ADatagramHoldsAtMostItsEntryAndByteLimits) {
  Batch first(1);
  sock.send_batch(first.entries.data(), 1, forever, first.out.data());
  ASSERT_TRUE(rx.receive());
  // 200 small entries: 64 to a datagram.
  Batch small(200);
  std::thread reader([&] {
    std::vector<std::size_t> sizes;
    for (std::size_t i = 0; i < small.bytes.size(); ++i) {
      auto got = rx.receive();
      ASSERT_TRUE(got) << i;
      ASSERT_EQ(*got, small.bytes[i]) << i;
      if (i % 64 == 0) sizes.push_back(rx.last_datagram_entries());
    }
    EXPECT_EQ(sizes, (std::vector<std::size_t>{64, 64, 64, 8}));
  });
  sock.send_batch(small.entries.data(), small.entries.size(), forever, small.out.data());
  reader.join();
  // 20 KiB entries: three fit in 64 KiB, a fourth does not.
  Batch big(6);
  for (std::size_t i = 0; i < big.bytes.size(); ++i) {
    big.bytes[i] = "MESSAGE=" + std::string(20 * 1024, static_cast<char>('a' + i)) + "\n";
    big.iovs[i] = iov_of(big.bytes[i]);
  }
  sock.send_batch(big.entries.data(), big.entries.size(), forever, big.out.data());
  for (std::size_t i = 0; i < big.bytes.size(); ++i) {
    auto got = rx.receive();
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, big.bytes[i]);
    EXPECT_EQ(rx.last_datagram_entries(), 3u);
  }
}

TEST_F(JournalSocketTest, AnEntryMarkedToStartADatagramDoesSo) {
  Batch first(1);
  sock.send_batch(first.entries.data(), 1, forever, first.out.data());
  ASSERT_TRUE(rx.receive());
  Batch b(5);
  b.entries[2].starts_datagram = true;
  sock.send_batch(b.entries.data(), b.entries.size(), forever, b.out.data());
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < b.bytes.size(); ++i) {
    auto got = rx.receive();
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, b.bytes[i]);
    sizes.push_back(rx.last_datagram_entries());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 2, 3, 3, 3}));
}

TEST_F(JournalSocketTest, ABatchThroughAFullQueueAndAMemfdEntryKeepsItsOrder) {
  Batch b(300);
  std::string huge = "MESSAGE=" + std::string(20u << 20, 'z') + "\n";  // too large for a datagram
  b.bytes[150] = huge;
  b.iovs[150] = iov_of(b.bytes[150]);
  std::thread reader([&] {
    for (std::size_t i = 0; i < b.bytes.size(); ++i) {
      auto got = rx.receive();
      ASSERT_TRUE(got) << "entry " << i;
      ASSERT_EQ(*got, b.bytes[i]) << "entry " << i;
      EXPECT_EQ(rx.last_was_memfd(), i == 150);
      if (i % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  sock.send_batch(b.entries.data(), b.entries.size(), forever, b.out.data());
  reader.join();
  for (SendOutcome o : b.out) EXPECT_EQ(o, SendOutcome::kSent);
  EXPECT_EQ(sock.stats().memfd_entries, 1u);
  EXPECT_LT(sock.stats().batch_calls, 300u);
}

TEST(JournalSocket, ABatchGivesUpAtTheDeadlineEntryByEntry) {
  test::TempDir dir;
  CollectDiag diag;
  JournalSocket sock(dir.file("socket"), diag);  // nobody listens
  DeadlineIn soon(std::chrono::milliseconds(100));
  Batch b(5);
  sock.send_batch(b.entries.data(), b.entries.size(), soon, b.out.data());
  for (SendOutcome o : b.out) EXPECT_EQ(o, SendOutcome::kGaveUp);
}

TEST_F(JournalSocketTest, EntriesTooLargeForADatagramGoThroughASealedMemfd) {
  std::string head = "MESSAGE\n";
  std::string body(40u << 20, 'z');
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((body.size() >> (8 * i)) & 0xff);
  std::string len_s(len, 8), tail = "\n";
  struct iovec iov[4] = {iov_of(head), iov_of(len_s), iov_of(body), iov_of(tail)};
  EXPECT_EQ(sock.send(iov, 4, forever), SendOutcome::kSent);
  auto got = rx.receive();
  ASSERT_TRUE(got);
  EXPECT_TRUE(rx.last_was_memfd());
  auto fields = test::parse_native(*got);
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ((*fields)[0].second.size(), body.size());
  EXPECT_EQ(sock.stats().memfd_entries, 1u);
}

}  // namespace
}  // namespace mj
