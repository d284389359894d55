// Helpers shared by the logger's tests.
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "logger/container_metadata.h"

namespace mj::test {

// The JSON report of the fake companion (fake_companion.cpp), once it has written it.
inline nlohmann::json wait_for_report(const std::string& path,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() > until) return nlohmann::json();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

// True once pid has exited (whoever its parent is: a process that is not our child
// cannot be waited for, but a pidfd still tells when it ends).
inline bool wait_gone(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (::kill(pid, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Passes a companion's pid and its two write ends over a unix socket, as an "agent"
// process hands the fds to its container (the test plays the container).
inline bool send_companion(int sock, pid_t pid, int out_fd, int err_fd) {
  int fds[2] = {out_fd, err_fd};
  struct iovec iov = {&pid, sizeof pid};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof fds)];
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof fds);
  std::memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
  return ::sendmsg(sock, &msg, 0) == static_cast<ssize_t>(sizeof pid);
}

// false when the sender died first.
inline bool receive_companion(int sock, pid_t& pid, int& out_fd, int& err_fd) {
  int fds[2] = {-1, -1};
  struct iovec iov = {&pid, sizeof pid};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof fds)];
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != static_cast<ssize_t>(sizeof pid)) return false;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) return false;
  std::memcpy(fds, CMSG_DATA(cmsg), sizeof fds);
  out_fd = fds[0];
  err_fd = fds[1];
  return true;
}

// A command task's container as the agent describes it.
inline ContainerMetadata sample_metadata(const std::string& sandbox) {
  ContainerMetadata m;
  m.container_id_chain = {"c0ffee-1"};
  m.framework_id = "fw-0001";
  m.executor_id = "web.1234";
  m.executor_name = "Command Executor (Task: web.1234) (Command: sh -c 'python3 ...')";
  m.task_id = "web.1234";
  m.task_name = "web";
  m.sandbox_dir = sandbox;
  m.task_labels = {{"team", "payments"}, {"tier", "frontend"}};
  m.executor_labels = m.task_labels;
  m.roles = {"payments"};
  return m;
}

}  // namespace mj::test
