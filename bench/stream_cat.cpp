// What systemd-cat does, aimed at any journald's stream socket: connect to
// /run/systemd/journal[.NS]/stdout, send the header sd_journal_stream_fd() sends, then
// exec COMMAND with that socket as its stdout. systemd-cat 252 has no --namespace, and
// sd_journal_stream_fd() always uses the default socket, hence this copy.
//
//   stream_cat --socket PATH [--identifier ID] -- COMMAND [ARG...]
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.h"

int main(int argc, char** argv) {
  mjbench::Args args(argc, argv);
  std::string path = args.get("--socket");
  std::vector<std::string> command = args.rest();
  if (path.empty() || command.empty()) {
    std::fprintf(stderr, "usage: stream_cat --socket PATH [--identifier ID] -- COMMAND [ARG...]\n");
    return 2;
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    std::perror("connect");
    return 2;
  }
  ::shutdown(fd, SHUT_RD);  // as sd_journal_stream_fd(): journald never writes back
  int size = 8 * 1024 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  // identifier, unit id (empty), priority, level prefix, forward to syslog, kmsg, console
  std::string header = args.get("--identifier", "stream_cat") + "\n\n6\n0\n0\n0\n0\n";
  if (::write(fd, header.data(), header.size()) != static_cast<ssize_t>(header.size())) {
    std::perror("write header");
    return 2;
  }
  if (::dup2(fd, STDOUT_FILENO) < 0) return 2;  // dup2 clears FD_CLOEXEC on the copy
  std::vector<char*> cargv;
  for (std::string& a : command) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  ::execvp(cargv[0], cargv.data());
  std::perror("exec");
  return 127;
}
