// The native-protocol ceiling: what a sender costs journald when it does nothing but
// send. Reads lines from stdin (or generates them with --generate N --size S) and sends
// each as one datagram carrying exactly the fields mesos-journald-pipe sends, in the same
// order and encoding:
//   SYSLOG_IDENTIFIER=ID  STREAM=STDOUT  [--field K=V ...]  PRIORITY=6  MESSAGE (binary form)
// sd_journal_sendv() cannot target a namespace on systemd 252, so this is the sendmsg()
// loop of journal-send.c: a blocking datagram socket with an 8 MiB send buffer.
//
//   native_send_baseline --socket PATH [--identifier ID] [--field K=V]... [--generate N --size S]
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#include "bench_util.h"

namespace {

// A field in the plain form (NAME=VALUE\n); the benchmark's values hold no '\n'.
void append_plain(std::string& out, const std::string& name, const std::string& value) {
  out += name;
  out += '=';
  out += value;
  out += '\n';
}

class NativeSender {
 public:
  explicit NativeSender(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int size = 8 * 1024 * 1024;
    // As journal-send.c: SO_SNDBUFFORCE (root) ignores net.core.wmem_max.
    if (::setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
      std::perror("connect");
      std::exit(2);
    }
  }
  ~NativeSender() { ::close(fd_); }
  NativeSender(const NativeSender&) = delete;
  NativeSender& operator=(const NativeSender&) = delete;

  void send(const std::string& common, const char* line, std::size_t len) {
    char head[8 + 8] = "MESSAGE\n";
    for (int i = 0; i < 8; ++i) head[8 + i] = static_cast<char>((static_cast<std::uint64_t>(len) >> (8 * i)) & 0xff);
    struct iovec iov[5] = {
        {const_cast<char*>(common.data()), common.size()},
        {const_cast<char*>("PRIORITY=6\n"), 11},
        {head, sizeof head},
        {const_cast<char*>(line), len},
        {const_cast<char*>("\n"), 1},
    };
    struct msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = 5;
    while (::sendmsg(fd_, &mh, MSG_NOSIGNAL) < 0) {
      if (errno == EINTR) continue;
      std::perror("sendmsg");  // blocking socket: only a real error ends up here
      std::exit(1);
    }
  }

 private:
  int fd_;
};

}  // namespace

int main(int argc, char** argv) {
  mjbench::Args args(argc, argv);
  std::string path = args.get("--socket");
  if (path.empty()) {
    std::fprintf(stderr, "usage: native_send_baseline --socket PATH [--identifier ID] [--field K=V]... "
                         "[--generate N --size S]\n");
    return 2;
  }
  std::string common;
  append_plain(common, "SYSLOG_IDENTIFIER", args.get("--identifier", "native_send_baseline"));
  append_plain(common, "STREAM", "STDOUT");
  for (const std::string& f : args.all("--field")) {
    auto eq = f.find('=');
    append_plain(common, f.substr(0, eq), eq == std::string::npos ? "" : f.substr(eq + 1));
  }
  NativeSender sender(path);

  if (args.has("--generate")) {  // no pipe at all: the sender's lowest possible cost
    std::uint64_t n = args.num("--generate", 0);
    std::size_t size = args.num("--size", 100);
    std::string line;
    for (std::uint64_t i = 0; i < n; ++i) {
      mjbench::format_line(line, i, size);
      sender.send(common, line.data(), line.size() - 1);
    }
    return 0;
  }

  // stdin: 64 KiB reads, split at '\n' in place, like the companion's framer.
  constexpr std::size_t kRead = 64 * 1024, kMaxLine = 48 * 1024;
  std::unique_ptr<char[]> buf(new char[kRead + kMaxLine]);
  std::size_t have = 0;
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf.get() + have, kRead);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
    char* p = buf.get();
    char* end = p + have;
    while (char* nl = static_cast<char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) {
      sender.send(common, p, static_cast<std::size_t>(nl - p));
      p = nl + 1;
    }
    have = static_cast<std::size_t>(end - p);
    if (have >= kMaxLine) {  // the benchmark's lines are shorter; keep memory bounded anyway
      sender.send(common, p, have);
      have = 0;
    }
    std::memmove(buf.get(), p, have);
  }
  if (have > 0) sender.send(common, buf.get(), have);
  return 0;
}
