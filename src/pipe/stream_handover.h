// The stream transport's handover: the companion that was started (the front: by the
// Mesos module, or by a user) hands the container's pipes to the companion systemd
// started as a transient service, over a SOCK_SEQPACKET socket pair whose one end is
// the service's standard input.
//
//   service -> front   "hello PID"       the service runs and waits for the pipes
//   front -> service   "streams MASK"    with the read ends as SCM_RIGHTS (bit 0 stdout,
//                                        bit 1 stderr); from now on only the service reads
//   service -> front   "done CODE"       at its exit, for a front that waits (CODE as
//                                        the companion's exit status)
//
// The front sends the pipes only after the hello, so a service that never starts (or
// starts too late) never holds them: the front can fall back to the native transport
// without two readers on one pipe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>

#include "core/base/result.h"
#include "core/base/unique_fd.h"

namespace mj {

struct HandoverPair {
  UniqueFd front;
  UniqueFd service;
};
Result<HandoverPair> make_handover_pair();

// Service side.
Status send_hello(int fd);
struct HandedStreams {
  UniqueFd stdout_fd;  // invalid when the front has no such stream
  UniqueFd stderr_fd;
};
Result<HandedStreams> receive_streams(int fd);
void send_done(int fd, int exit_code);

// Front side. The service's pid, or an error after `timeout`.
Result<pid_t> await_hello(int fd, std::chrono::milliseconds timeout);
Status send_streams(int fd, int stdout_fd, int stderr_fd);
// The service's exit code from "done CODE"; nullopt when it ended without one.
std::optional<int> read_done(int fd);

}  // namespace mj
