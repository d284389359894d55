// Where the companion's own messages go (its stderr in production, a buffer in tests).
#pragma once

#include <string>
#include <string_view>

namespace mj {

class Diagnostics {
 public:
  virtual ~Diagnostics() = default;
  virtual void report(std::string_view message) = 0;
};

// Writes "<prefix>: <message>\n" to an fd with a single write() so that lines from
// several processes sharing the fd do not interleave.
class FdDiagnostics final : public Diagnostics {
 public:
  FdDiagnostics(int fd, std::string prefix) : fd_(fd), prefix_(std::move(prefix)) {}
  void report(std::string_view message) override;

 private:
  int fd_;
  std::string prefix_;
};

}  // namespace mj
