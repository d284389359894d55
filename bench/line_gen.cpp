// The container in a benchmark: writes `--count` lines of `--size` bytes to stdout.
//
//   --mode steady   one write() per line, as fast as the reader takes them (a
//                   line-buffered program: the most reads and entries per byte)
//   --mode bursty   block-buffered 64 KiB writes in bursts of --burst lines, with
//                   --pause-ms of silence between bursts (a batch job's log flushes)
//   --hold          after the last line keep stdout open until stdin closes (an idle
//                   container, for the memory and wake-up measurements)
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "bench_util.h"

int main(int argc, char** argv) {
  mjbench::Args args(argc, argv);
  const std::uint64_t count = args.num("--count", 100000);
  const std::size_t size = args.num("--size", 100);
  const bool bursty = args.get("--mode", "steady") == "bursty";
  const std::uint64_t burst = args.num("--burst", 5000);
  const auto pause = std::chrono::milliseconds(args.num("--pause-ms", 20));

  std::string line, block;
  block.reserve(64 * 1024 + size + 1);
  for (std::uint64_t i = 0; i < count; ++i) {
    mjbench::format_line(line, i, size);
    if (!bursty) {
      if (!mjbench::write_all(line.data(), line.size())) return 1;
      continue;
    }
    block += line;
    bool burst_end = (i + 1) % burst == 0 || i + 1 == count;
    if (block.size() >= 64 * 1024 || burst_end) {
      if (!mjbench::write_all(block.data(), block.size())) return 1;
      block.clear();
    }
    if (burst_end && i + 1 < count) std::this_thread::sleep_for(pause);
  }
  if (args.has("--hold")) {
    // Idle until the driver closes our stdin; poll() sleeps without wake-ups.
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
  }
  return 0;
}
