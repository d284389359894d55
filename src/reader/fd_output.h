// Buffered writes to an fd (standard output) that tell a closed reader apart from an
// error: `mesos-journald-logs … | head` must end quietly.
#pragma once

#include <string>

#include "core/base/result.h"

namespace mj {

class FdOutput {
 public:
  explicit FdOutput(int fd) : fd_(fd) {}

  std::string& buffer() { return buf_; }
  // Writes what is buffered once it holds more than `above` bytes.
  Status flush(std::size_t above = 0);
  // The reading end went away (EPIPE, or POLLERR on a pipe nobody reads).
  bool closed() const { return closed_; }
  // Checks, without writing, whether the reading end went away (--follow while idle).
  bool peer_gone();

 private:
  int fd_;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace mj
