#include "core/journald/journal_stream_connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "collect_diagnostics.h"
#include "deadline_in.h"
#include "temp_dir.h"

namespace mj {
namespace {

using namespace std::chrono_literals;

// journald's stdout socket, played by a listening unix stream socket.
class StreamListener {
 public:
  explicit StreamListener(const std::string& path) : path_(path) {
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ::unlink(path.c_str());
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_.get(), 16), 0);
  }
  ~StreamListener() { ::unlink(path_.c_str()); }

  UniqueFd accept() { return UniqueFd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC)); }

  // Everything the connection sends until `size` bytes came or it closed.
  static std::string read_all(int fd, std::size_t size = SIZE_MAX) {
    std::string got;
    char buf[65536];
    while (got.size() < size) {
      ssize_t n = ::read(fd, buf, std::min(sizeof buf, size - got.size()));
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }

 private:
  std::string path_;
  UniqueFd fd_;
};

using test::DeadlineIn;

TEST(StreamHeader, IsSevenLinesAsJournaldReadsThem) {
  EXPECT_EQ(encode_stream_header({"web", 6, false}), "web\n\n6\n0\n0\n0\n0\n");
  EXPECT_EQ(encode_stream_header({"db", 3, true}), "db\n\n3\n1\n0\n0\n0\n");
  // journald reads header lines of at most 254 bytes and drops a connection with a longer one.
  EXPECT_EQ(encode_stream_header({std::string(255, 'a'), 6, false}), std::string(254, 'a') + "\n\n6\n0\n0\n0\n0\n");
}

TEST(StreamHeader, SocketPathBesideTheNativeOne) {
  EXPECT_EQ(stream_socket_path("/run/systemd/journal/socket"), "/run/systemd/journal/stdout");
  EXPECT_EQ(stream_socket_path("/run/systemd/journal.ns1/socket"), "/run/systemd/journal.ns1/stdout");
}

TEST(JournalStreamConnection, SendsTheHeaderThenTheBytesAsTheyAre) {
  test::TempDir dir;
  StreamListener listener(dir.file("stdout"));
  test::CollectDiagnostics diag;
  {
    JournalStreamConnection c(dir.file("stdout"), {"task", 3, false}, diag);
    WaitForever forever;
    const std::string data = std::string("one\ntwo\0three\n", 14) + "partial";
    EXPECT_EQ(c.write(data, forever), SendOutcome::kSent);
    EXPECT_EQ(c.write("", forever), SendOutcome::kSent);
    EXPECT_EQ(c.stats().bytes, data.size());
    EXPECT_EQ(c.stats().connections, 1u);
  }
  UniqueFd peer = listener.accept();
  EXPECT_EQ(StreamListener::read_all(peer.get()),
            "task\n\n3\n0\n0\n0\n0\n" + std::string("one\ntwo\0three\n", 14) + "partial");
  EXPECT_TRUE(diag.messages.empty());
}

TEST(JournalStreamConnection, WaitsWhileJournaldDoesNotReadAndLosesNothing) {
  test::TempDir dir;
  StreamListener listener(dir.file("stdout"));
  test::CollectDiagnostics diag;
  JournalStreamConnection c(dir.file("stdout"), {"t", 6, false}, diag);
  const std::string chunk(1 << 20, 'x');
  std::string received;
  std::thread reader([&] {
    UniqueFd peer = listener.accept();
    std::this_thread::sleep_for(300ms);  // a stalled journald: the socket buffer fills
    received = StreamListener::read_all(peer.get(), 13 + 4 * chunk.size());
  });
  WaitForever forever;
  for (int i = 0; i < 4; ++i) ASSERT_EQ(c.write(chunk, forever), SendOutcome::kSent);
  reader.join();
  EXPECT_EQ(received.size(), 13 + 4 * chunk.size());
  EXPECT_EQ(c.stats().lost_bytes, 0u);
}

TEST(JournalStreamConnection, GivesUpAtTheDeadlineAndCountsTheRest) {
  test::TempDir dir;
  StreamListener listener(dir.file("stdout"));  // never accepts, never reads
  test::CollectDiagnostics diag;
  JournalStreamConnection c(dir.file("stdout"), {"t", 6, false}, diag);
  const std::string big(64 << 20, 'x');
  DeadlineIn soon(200ms);
  EXPECT_EQ(c.write(big, soon), SendOutcome::kGaveUp);
  EXPECT_GT(c.stats().lost_bytes, 0u);
  EXPECT_EQ(c.stats().bytes + c.stats().lost_bytes, big.size());
}

TEST(JournalStreamConnection, ReconnectsAfterJournaldWentAwayAndSaysWhatIsAtRisk) {
  test::TempDir dir;
  test::CollectDiagnostics diag;
  JournalStreamConnection c(dir.file("stdout"), {"t", 6, false}, diag);
  WaitForever forever;
  {
    StreamListener first(dir.file("stdout"));
    ASSERT_EQ(c.write("before\n", forever), SendOutcome::kSent);
    UniqueFd peer = first.accept();
    EXPECT_EQ(StreamListener::read_all(peer.get(), 13 + 7), "t\n\n6\n0\n0\n0\n0\nbefore\n");
  }  // journald exits: its end and its listening socket close
  std::string second_got;
  std::thread restart([&] {
    std::this_thread::sleep_for(100ms);
    StreamListener second(dir.file("stdout"));
    UniqueFd peer = second.accept();
    second_got = StreamListener::read_all(peer.get(), 13 + 6);
  });
  // The first write after the peer closed may still succeed (the kernel reports the
  // broken connection on the next one); either way "after" arrives on a new connection.
  for (int i = 0; i < 2 && c.stats().connections < 2; ++i) ASSERT_EQ(c.write("after\n", forever), SendOutcome::kSent);
  restart.join();
  EXPECT_EQ(c.stats().connections, 2u);
  EXPECT_EQ(c.stats().broken, 1u);
  EXPECT_GE(c.stats().at_risk_bytes, 7u);  // "before\n" was written on the broken connection
  EXPECT_EQ(second_got, "t\n\n6\n0\n0\n0\n0\nafter\n");  // the header again, then the rest
  bool said = false;
  for (const std::string& m : diag.messages) said |= m.find("may not have been stored") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(JournalStreamConnection, FinishWaitsUntilJournaldHasReadEverything) {
  test::TempDir dir;
  StreamListener listener(dir.file("stdout"));
  test::CollectDiagnostics diag;
  JournalStreamConnection c(dir.file("stdout"), {"t", 6, false}, diag);
  WaitForever forever;
  const std::string data(100000, 'x');
  ASSERT_EQ(c.write(data, forever), SendOutcome::kSent);
  std::size_t received = 0;
  std::thread journald([&] {
    UniqueFd peer = listener.accept();
    std::this_thread::sleep_for(300ms);  // restarting: the bytes wait in the socket
    received = StreamListener::read_all(peer.get(), 13 + data.size()).size();
    std::this_thread::sleep_for(100ms);
  });
  auto start = Clock::now();
  c.finish(forever);
  // Nothing was read for 300 ms, so finish() cannot have returned earlier.
  EXPECT_GE(Clock::now() - start, 250ms) << "finish() returned before journald had read everything";
  journald.join();
  EXPECT_EQ(received, 13 + data.size());
  EXPECT_EQ(c.stats().at_risk_bytes, 0u);
}

TEST(JournalStreamConnection, FinishGivesUpAtTheDeadlineAndSaysWhatIsAtRisk) {
  test::TempDir dir;
  StreamListener listener(dir.file("stdout"));  // accepts nothing, reads nothing
  test::CollectDiagnostics diag;
  JournalStreamConnection c(dir.file("stdout"), {"t", 6, false}, diag);
  WaitForever forever;
  ASSERT_EQ(c.write("unread\n", forever), SendOutcome::kSent);
  DeadlineIn soon(100ms);
  c.finish(soon);
  EXPECT_EQ(c.stats().at_risk_bytes, 7u);  // at most what was written
  ASSERT_FALSE(diag.messages.empty());
  EXPECT_NE(diag.messages.back().find("had not read the last 7 bytes"), std::string::npos) << diag.messages.back();
}

}  // namespace
}  // namespace mj
