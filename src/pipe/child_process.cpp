#include "pipe/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace mj {
namespace {

// posix_spawn's attribute and file-action objects, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

Status make_child_pipes(ChildPipes& p) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) < 0) return Error::from_errno("cannot create pipe");
  p.stdout_read.reset(out[0]);
  p.stdout_write.reset(out[1]);
  if (::pipe2(err, O_CLOEXEC) < 0) return Error::from_errno("cannot create pipe");
  p.stderr_read.reset(err[0]);
  p.stderr_write.reset(err[1]);
  return Status::success();
}

Result<pid_t> spawn_child(const std::vector<std::string>& argv, ChildPipes& pipes) {
  if (argv.empty()) return Error{"no command given"};

  SpawnSetup setup;
  sigset_t none, all_default;
  sigemptyset(&none);
  sigfillset(&all_default);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all_default);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  // dup2 onto 1 and 2 clears O_CLOEXEC there; the originals close on exec.
  posix_spawn_file_actions_adddup2(&setup.actions, pipes.stdout_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, pipes.stderr_write.get(), STDERR_FILENO);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &setup.actions, &setup.attr, args.data(), environ);
  // Only the child writes: end of stream comes when it (and what it started) is done.
  pipes.stdout_write.reset();
  pipes.stderr_write.reset();
  if (rc != 0) return Error{"cannot run " + argv[0] + ": " + std::strerror(rc), rc};
  return pid;
}

int exit_status_code(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

}  // namespace mj
