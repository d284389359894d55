// A stand-in for journald's native socket: a bound datagram socket whose datagrams
// (inline or as a passed memfd) tests can read back.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mj::test {

class DatagramReceiver {
 public:
  explicit DatagramReceiver(std::string path);  // binds path
  ~DatagramReceiver();
  DatagramReceiver(const DatagramReceiver&) = delete;
  DatagramReceiver& operator=(const DatagramReceiver&) = delete;

  // The next entry's bytes, or nullopt after `timeout`. memfd entries are read out.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool last_was_memfd() const { return last_was_memfd_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool last_was_memfd_ = false;
};

}  // namespace mj::test
