#include "pipe/stream_front.h"

#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <optional>

#include "pipe/child_process.h"
#include "pipe/stream_handover.h"
#include "pipe/transient_service.h"

namespace mj {
namespace {

// systemd forks and execs the service within milliseconds; a loaded host may take
// longer, and the container's output waits in its pipes meanwhile.
constexpr std::chrono::milliseconds kStartTimeout{5000};

Result<std::string> own_executable() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return Error::from_errno("cannot read /proc/self/exe");
  return std::string(path, static_cast<std::size_t>(n));
}

std::string generated_unit_name() {
  unsigned char bytes[8] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    auto t = static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(t >>= 8);
  }
  static const char hex[] = "0123456789abcdef";
  std::string name = "mesos-journald-pipe-" + std::to_string(::getpid()) + "-";
  for (unsigned char b : bytes) {
    name += hex[b >> 4];
    name += hex[b & 15];
  }
  return name + ".service";
}

std::string describe(const PipeOptions& o) {
  std::string d = "mesos-journald-pipe stream transport for " + o.identifier;
  for (const Field& f : o.fields)
    if (f.name == "CONTAINER_ID") d += " (container " + f.value + ")";
  return d;
}

}  // namespace

Result<StartedService> start_stream_service(const PipeOptions& o, int stdout_fd, int stderr_fd) {
  if (std::string why = systemd_unavailable_reason(); !why.empty()) return Error{why};
  auto exe = own_executable();
  if (!exe) return exe.error();
  auto manager = SystemdManager::connect();
  if (!manager) return manager.error();
  auto pair = make_handover_pair();
  if (!pair) return pair.error();

  TransientServiceSpec spec;
  spec.unit = o.unit.empty() ? generated_unit_name() : o.unit;
  spec.description = describe(o);
  spec.argv = service_command_line(o, *exe);
  spec.log_extra_fields = o.fields;
  spec.stdin_fd = pair->service.get();
  // The service's own messages go where ours go.
  spec.stdout_fd = STDOUT_FILENO;
  spec.stderr_fd = STDERR_FILENO;
  spec.rate_limit_interval_usec = o.rate_limit_interval_usec;
  spec.rate_limit_burst = o.rate_limit_burst;
  if (Status s = (*manager)->start_service(spec); !s) return s.error();
  pair->service.reset();

  auto pid = await_hello(pair->front.get(), kStartTimeout);
  if (!pid) {
    (*manager)->stop_unit(spec.unit);
    return Error{spec.unit + ": " + pid.error().message};
  }
  if (Status s = send_streams(pair->front.get(), stdout_fd, stderr_fd); !s) {
    (*manager)->stop_unit(spec.unit);
    return Error{spec.unit + ": " + s.error().message};
  }
  return StartedService{std::move(pair->front), *pid, spec.unit};
}

int supervise_stream_service(StartedService& service, ChildSignals* child, int signal_fd, Diagnostics& diag) {
  // A pidfd cannot hit a recycled pid; plain kill() is the fallback on old kernels.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, service.pid, 0)));
  auto terminate_service = [&] {
    if (!pidfd || ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0) < 0) ::kill(service.pid, SIGTERM);
  };
  bool service_ended = false;
  std::optional<int> service_code;
  while (!service_ended || (child && !child->exited())) {
    struct pollfd fds[2] = {{signal_fd, POLLIN, 0}, {service_ended ? -1 : service.handover.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      diag.report(std::string("poll failed: ") + std::strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo info;
      while (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        // As in the native transport: COMMAND gets the signal first; once it is gone, a
        // signal makes the service deliver what the pipes hold and stop.
        SignalAction action =
            child ? child->on_signal(static_cast<int>(info.ssi_signo), info.ssi_code) : SignalAction::kDrain;
        if (action == SignalAction::kDrain && !service_ended) terminate_service();
      }
    }
    if (!service_ended && fds[1].revents) {
      service_code = read_done(service.handover.get());
      service_ended = true;
    }
  }
  if (child) child->reap(0);
  if (!service_code)
    diag.report("the stream transport's service " + service.unit +
                " ended without a report (killed?); output it had read but not yet written may be lost");
  if (child) return exit_status_code(child->status());
  return service_code ? *service_code : 1;
}

}  // namespace mj
