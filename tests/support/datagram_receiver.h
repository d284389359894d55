// A stand-in for journald's native socket: a bound datagram socket whose datagrams
// (inline or as a passed memfd) tests can read back.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace mj::test {

class DatagramReceiver {
 public:
  explicit DatagramReceiver(std::string path);  // binds path
  ~DatagramReceiver();
  DatagramReceiver(const DatagramReceiver&) = delete;
  DatagramReceiver& operator=(const DatagramReceiver&) = delete;

  // The next entry's bytes, or nullopt after `timeout`. memfd entries are read out; a
  // datagram of several entries gives them one by one. Throws on a datagram journald
  // could not parse.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Of the datagram the last entry came from: whether it was a memfd, and how many
  // entries it held.
  bool last_was_memfd() const { return last_was_memfd_; }
  std::size_t last_datagram_entries() const { return last_datagram_entries_; }

 private:
  std::optional<std::string> receive_datagram(std::chrono::milliseconds timeout);

  std::string path_;
  int fd_ = -1;
  bool last_was_memfd_ = false;
  std::size_t last_datagram_entries_ = 0;
  std::deque<std::string> pending_;  // the rest of the last datagram's entries
};

}  // namespace mj::test
