#include "datagram_receiver.h"

#include "native_parser.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace mj::test {

DatagramReceiver::DatagramReceiver(std::string path) : path_(std::move(path)) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  ::unlink(path_.c_str());
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    throw std::runtime_error("cannot bind " + path_);
  int size = 64 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
}

DatagramReceiver::~DatagramReceiver() {
  ::close(fd_);
  ::unlink(path_.c_str());
}

std::optional<std::string> DatagramReceiver::receive(std::chrono::milliseconds timeout) {
  if (pending_.empty()) {
    auto datagram = receive_datagram(timeout);
    if (!datagram) return std::nullopt;
    auto entries = split_native(*datagram);
    if (!entries) throw std::runtime_error("a datagram journald could not parse: " + *datagram);
    last_datagram_entries_ = entries->size();
    pending_.assign(entries->begin(), entries->end());
  }
  std::string e = std::move(pending_.front());
  pending_.pop_front();
  return e;
}

std::optional<std::string> DatagramReceiver::receive_datagram(std::chrono::milliseconds timeout) {
  struct pollfd p = {fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  int pending = 0;
  ::ioctl(fd_, FIONREAD, &pending);
  std::vector<char> buf(static_cast<std::size_t>(pending) + 1);
  struct iovec iov = {buf.data(), buf.size()};
  union {
    struct cmsghdr align;
    char data[CMSG_SPACE(sizeof(int))];
  } control{};
  struct msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control.data;
  mh.msg_controllen = sizeof control.data;
  ssize_t n = ::recvmsg(fd_, &mh, MSG_CMSG_CLOEXEC);
  if (n < 0) return std::nullopt;
  struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
  last_was_memfd_ = c && c->cmsg_type == SCM_RIGHTS;
  if (!last_was_memfd_) return std::string(buf.data(), static_cast<std::size_t>(n));
  int memfd;
  std::memcpy(&memfd, CMSG_DATA(c), sizeof memfd);
  int seals = ::fcntl(memfd, F_GET_SEALS);
  struct stat st{};
  ::fstat(memfd, &st);
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  ssize_t got = ::pread(memfd, content.data(), content.size(), 0);
  ::close(memfd);
  const int required = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
  if ((seals & required) != required || got != st.st_size) throw std::runtime_error("memfd not sealed or short");
  return content;
}

}  // namespace mj::test
