// The floor for "spawn to first line": the least a process can do to get one line into
// journald. Reads one chunk of stdin, sends it as MESSAGE with SYSLOG_IDENTIFIER in one
// datagram, then waits for stdin to close. Only libc calls, linked statically (see
// CMakeLists.txt): no dynamic loader, no C++ runtime to initialise.
//
//   minimal_sender SOCKET IDENTIFIER
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: minimal_sender SOCKET IDENTIFIER\n");
    return 2;
  }
  char line[4096];
  ssize_t n = ::read(STDIN_FILENO, line, sizeof line);
  if (n <= 0) return 1;
  if (line[n - 1] == '\n') --n;
  char entry[8192];
  int len = std::snprintf(entry, sizeof entry, "SYSLOG_IDENTIFIER=%s\nMESSAGE=%.*s\n", argv[2], static_cast<int>(n), line);
  if (len <= 0 || static_cast<std::size_t>(len) >= sizeof entry) return 1;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  if (::sendto(fd, entry, static_cast<std::size_t>(len), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    std::perror("sendto");
    return 1;
  }
  while (::read(STDIN_FILENO, line, sizeof line) > 0) {
  }
  return 0;
}
