#include "pipe/stream_handover.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

namespace mj {
namespace {

using namespace std::chrono_literals;

TEST(StreamHandover, PipesGoOverOnlyAfterTheHello) {
  auto pair = make_handover_pair();
  ASSERT_TRUE(pair);
  int out[2], err[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
  UniqueFd out_r(out[0]), out_w(out[1]), err_r(err[0]), err_w(err[1]);

  std::optional<HandedStreams> handed;
  std::thread service([&] {
    ASSERT_TRUE(send_hello(pair->service.get()));
    auto h = receive_streams(pair->service.get());
    ASSERT_TRUE(h) << h.error().message;
    handed.emplace(std::move(*h));
    send_done(pair->service.get(), 1);
  });
  auto pid = await_hello(pair->front.get(), 2000ms);
  ASSERT_TRUE(pid) << pid.error().message;
  EXPECT_EQ(*pid, ::getpid());
  ASSERT_TRUE(send_streams(pair->front.get(), out_r.get(), err_r.get()));
  EXPECT_EQ(read_done(pair->front.get()), 1);
  service.join();
  ASSERT_TRUE(handed);
  // The received fds are the same pipes.
  ASSERT_EQ(::write(out_w.get(), "o", 1), 1);
  ASSERT_EQ(::write(err_w.get(), "e", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(handed->stdout_fd.get(), &c, 1), 1);
  EXPECT_EQ(c, 'o');
  ASSERT_EQ(::read(handed->stderr_fd.get(), &c, 1), 1);
  EXPECT_EQ(c, 'e');
}

TEST(StreamHandover, OneStreamOnly) {
  auto pair = make_handover_pair();
  ASSERT_TRUE(pair);
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  ASSERT_TRUE(send_streams(pair->front.get(), -1, r.get()));
  auto h = receive_streams(pair->service.get());
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->stdout_fd);
  EXPECT_TRUE(h->stderr_fd);
}

TEST(StreamHandover, NoHelloMeansFallBack) {
  auto pair = make_handover_pair();
  ASSERT_TRUE(pair);
  auto pid = await_hello(pair->front.get(), 100ms);
  ASSERT_FALSE(pid);
  EXPECT_NE(pid.error().message.find("did not start within 100 ms"), std::string::npos);
  pair->service.reset();  // a service that died before saying hello
  pid = await_hello(pair->front.get(), 100ms);
  ASSERT_FALSE(pid);
  EXPECT_NE(pid.error().message.find("ended before taking over"), std::string::npos);
}

TEST(StreamHandover, ServiceGoneWithoutReport) {
  auto pair = make_handover_pair();
  ASSERT_TRUE(pair);
  pair->service.reset();
  EXPECT_EQ(read_done(pair->front.get()), std::nullopt);
}

TEST(StreamHandover, GarbageIsRejected) {
  auto pair = make_handover_pair();
  ASSERT_TRUE(pair);
  ASSERT_EQ(::send(pair->front.get(), "streams 9", 9, 0), 9);
  EXPECT_FALSE(receive_streams(pair->service.get()));
  ASSERT_EQ(::send(pair->front.get(), "streams 1", 9, 0), 9);  // no fd attached
  EXPECT_FALSE(receive_streams(pair->service.get()));
}

}  // namespace
}  // namespace mj
