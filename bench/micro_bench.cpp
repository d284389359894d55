// Google Benchmark micro-benchmarks of the companion's per-line work:
//   framing      LineFramer::commit over 64 KiB reads of 100 B and 16 KiB lines
//   encoding     append_field (the constant fields, built once per stream)
//   sending      JournalStreamWriter::on_piece -> JournalSocket -> a drained local socket,
//                next to a bare sendmsg() of the same bytes: the difference is the
//                writer's own cost per entry
//   files        RotatingFile::append to tmpfs (/dev/shm)
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <string>
#include <thread>

#include "bench_util.h"
#include "core/base/diagnostics.h"
#include "core/base/wait_control.h"
#include "core/entry/entry_template.h"
#include "core/entry/journal_stream_writer.h"
#include "core/entry/native_encoding.h"
#include "core/files/rotating_file.h"
#include "core/framing/line_framer.h"
#include "core/framing/partial_id.h"
#include "core/journald/journal_delivery.h"
#include "core/journald/journal_socket.h"

namespace {

// 64 KiB of benchmark lines of `size` bytes (a whole number of lines).
std::string block_of_lines(std::size_t size) {
  std::string block, line;
  for (std::uint64_t i = 0; block.size() + size + 1 <= 64 * 1024 || block.empty(); ++i) {
    mjbench::format_line(line, i, size);
    block += line;
  }
  return block;
}

class CountingSink final : public mj::PieceSink {
 public:
  void on_piece(const mj::LinePiece& p) override {
    ++pieces;
    bytes += p.data.size();
  }
  std::uint64_t pieces = 0, bytes = 0;
};

class QuietDiagnostics final : public mj::Diagnostics {
 public:
  void report(std::string_view) override {}
};

void BM_LineFramerCommit(benchmark::State& state) {
  const std::string block = block_of_lines(static_cast<std::size_t>(state.range(0)));
  mj::LineFramer framer(48 * 1024);
  CountingSink sink;
  for (auto _ : state) {
    std::memcpy(framer.write_ptr(), block.data(), block.size());  // what read() would do
    framer.commit(block.size(), sink);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * block.size()));
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(sink.pieces), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LineFramerCommit)->Arg(100)->Arg(16 * 1024);

// The fields a Mesos task's entries carry (docs/module.md), as the companion gets them.
std::vector<mj::Field> mesos_fields() {
  return {{"FRAMEWORK_ID", "5b0b6a1e-8c2a-4d7f-9f1e-1c2d3e4f5a6b-0000"},
          {"EXECUTOR_ID", "web.4f1c2d3e-0a1b-11ee-8c90-0242ac120002"},
          {"AGENT_ID", "5b0b6a1e-8c2a-4d7f-9f1e-1c2d3e4f5a6b-S3"},
          {"CONTAINER_ID", "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"},
          {"TASK_ID", "web.4f1c2d3e-0a1b-11ee-8c90-0242ac120002"},
          {"TASK_NAME", "web"}};
}

void BM_AppendFields(benchmark::State& state) {
  const auto fields = mesos_fields();
  std::string out;
  for (auto _ : state) {
    out.clear();
    mj::append_field(out, "SYSLOG_IDENTIFIER", "web");
    mj::append_field(out, "STREAM", "STDOUT");
    for (const mj::Field& f : fields) mj::append_field(out, f.name, f.value);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_AppendFields);

// A bound datagram socket in /dev/shm whose datagrams a thread reads and discards.
class DrainedSocket {
 public:
  DrainedSocket() : path_("/dev/shm/mj-micro-bench-" + std::to_string(::getpid()) + ".sock") {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int size = 8 * 1024 * 1024;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    ::unlink(path_.c_str());
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    timeval tv{0, 100000};  // lets the drainer notice stop_
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    drainer_ = std::thread([this] {
      static char buf[256 * 1024];
      while (!stop_) (void)::recv(fd_, buf, sizeof buf, 0);
    });
  }
  ~DrainedSocket() {
    stop_ = true;
    drainer_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread drainer_;
};

void BM_WriterOnPiece(benchmark::State& state) {
  DrainedSocket sink;
  QuietDiagnostics diag;
  mj::JournalSocket socket(sink.path(), diag);
  mj::WaitForever wait;
  mj::PartialIdSource ids(1);
  mj::EntryTemplate tmpl;
  tmpl.identifier = "web";
  tmpl.fields = mesos_fields();
  mj::BlockingDelivery delivery(socket, wait);  // the default --overflow block
  mj::JournalStreamWriter writer(tmpl, delivery, ids);
  std::string line;
  mjbench::format_line(line, 1, static_cast<std::size_t>(state.range(0)));
  const mj::LinePiece piece{std::string_view(line.data(), line.size() - 1), true, true};
  // The writer sends in batches of up to kBatch entries (one sendmmsg()), as it does
  // for the lines of one read.
  for (auto _ : state) writer.on_piece(piece);
  writer.end_of_pieces();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriterOnPiece)->Arg(100)->Arg(16 * 1024)->UseRealTime();

// The same datagram with a bare sendmsg(): the floor under BM_WriterOnPiece.
void BM_RawSendmsg(benchmark::State& state) {
  DrainedSocket sink;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int size = 8 * 1024 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sink.path().c_str());
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  std::string entry;
  mj::append_field(entry, "SYSLOG_IDENTIFIER", "web");
  mj::append_field(entry, "STREAM", "STDOUT");
  for (const mj::Field& f : mesos_fields()) mj::append_field(entry, f.name, f.value);
  entry += "PRIORITY=6\n";
  std::string line;
  mjbench::format_line(line, 1, static_cast<std::size_t>(state.range(0)));
  mj::append_binary_field(entry, "MESSAGE", std::string_view(line.data(), line.size() - 1));
  for (auto _ : state) {
    while (::send(fd, entry.data(), entry.size(), 0) < 0 && errno == EINTR) {
    }
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawSendmsg)->Arg(100)->Arg(16 * 1024)->UseRealTime();

void BM_RotatingFileAppend(benchmark::State& state) {
  const std::filesystem::path dir = "/dev/shm/mj-micro-bench-files-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  QuietDiagnostics diag;
  auto file = mj::RotatingFile::open(dir_fd, "stdout", mj::RotationPolicy{}, diag);  // 10 MiB, 5 files
  ::close(dir_fd);
  if (!file) {
    state.SkipWithError(file.error().message.c_str());
    return;
  }
  const std::string data = state.range(0) == 100 ? [] { std::string l; mjbench::format_line(l, 1, 99); return l; }()
                                                 : block_of_lines(100);
  for (auto _ : state) file->append(data);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
  state.counters["rotations"] = static_cast<double>(file->stats().rotations);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RotatingFileAppend)->Arg(100)->Arg(64 * 1024);

}  // namespace

BENCHMARK_MAIN();
