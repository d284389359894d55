#include "pipe/child_signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace mj {

Result<UniqueFd> block_signals_to_fd(bool with_child) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
  if (with_child) sigaddset(&set, SIGCHLD);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return Error::from_errno("cannot block signals");
  UniqueFd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) return Error::from_errno("cannot create signalfd");
  return fd;
}

SignalAction ChildSignals::on_signal(int signo, int code) {
  if (signo == SIGCHLD) {
    reap(WNOHANG);
    return SignalAction::kContinue;
  }
  if (exited_) return SignalAction::kDrain;  // only stragglers hold the pipes now
  // A terminal's ^C already reached the child's process group (SI_KERNEL); only
  // signals sent to us alone are forwarded.
  if (code == SI_USER || code == SI_QUEUE) ::kill(pid_, signo);
  return SignalAction::kContinue;
}

void ChildSignals::reap(int flags) {
  while (!exited_) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, flags);
    if (r == pid_) {
      exited_ = true;
      status_ = status;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      return;
    }
  }
}

void wait_for_child(ChildSignals& child, int signal_fd) {
  while (!child.exited()) {
    child.reap(WNOHANG);
    if (child.exited()) break;
    struct pollfd p = {signal_fd, POLLIN, 0};
    if (::poll(&p, 1, -1) < 0 && errno != EINTR) {
      child.reap(0);
      break;
    }
    struct signalfd_siginfo info;
    while (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
      child.on_signal(static_cast<int>(info.ssi_signo), info.ssi_code);
  }
}

}  // namespace mj
