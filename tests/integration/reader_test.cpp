// mesos-journald-logs against a real journald namespace, fed by the real companion.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "companion_fixture.h"
#include "core/journald/journal_stream_connection.h"
#include "reader_output.h"

namespace mj::test {
namespace {

using namespace std::chrono_literals;

std::string logs_binary() { return MJ_LOGS_BINARY; }

std::string machine_id() {
  std::ifstream in("/etc/machine-id");
  std::string id;
  in >> id;
  return id;
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    ASSERT_GT(n, 0) << std::strerror(errno);
    done += static_cast<std::size_t>(n);
  }
}

// A random task output: lines of 0..200 KiB (mostly short), random bytes with NUL and
// runs of '\n', in chunks; `pause` after a chunk that ends in the middle of a line makes
// the companion flush it as a partial piece.
struct Chunk {
  std::string bytes;
  bool pause;
};
std::vector<Chunk> random_output(std::mt19937_64& rng, std::size_t lines, bool final_newline) {
  std::vector<Chunk> chunks;
  std::string text;
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  for (std::size_t i = 0; i < lines; ++i) {
    std::size_t kind = pick(100);
    std::size_t len = kind < 70 ? pick(100) : kind < 95 ? pick(10 * 1024) : pick(200 * 1024 + 1);
    std::string line(len, '\0');
    for (char& c : line) {
      std::size_t r = pick(64);
      c = r == 0 ? '\0' : r == 1 ? '\r' : static_cast<char>(r < 40 ? 'a' + pick(26) : pick(256));
      if (c == '\n') c = ' ';
    }
    text += line;
    // An idle pause in the middle of a line now and then (the companion flushes it).
    if (pick(25) == 0 && !line.empty()) {
      std::size_t cut = text.size() - pick(line.size());
      chunks.push_back({text.substr(0, cut), true});
      text.erase(0, cut);
    }
    text += std::string(pick(8) == 0 ? 1 + pick(5) : 1, '\n');  // runs of empty lines
  }
  if (!final_newline) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    text += "no newline at the end";
  }
  chunks.push_back({text, false});
  return chunks;
}

// Reads `fd` into `seen` until `done(seen)` or 10 s have passed.
template <typename Done>
bool read_until(int fd, std::string& seen, Done done) {
  for (auto end = std::chrono::steady_clock::now() + 10s; !done(seen) && std::chrono::steady_clock::now() < end;) {
    struct pollfd p {fd, POLLIN, 0};
    if (::poll(&p, 1, 100) == 1) {
      char buf[65536];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      seen.append(buf, static_cast<std::size_t>(n));
    }
  }
  return done(seen);
}

// Many equal lines and empty lines: what a repeated-line bug loses (issue 23).
std::string repeated_lines() {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "same\n";
  text += std::string(300, '\n');
  text += "x\nx\nx\n";
  return text;
}

class ReaderTest : public CompanionTest {
 protected:
  RunResult logs(std::vector<std::string> extra, const std::string& ns = "") const {
    std::vector<std::string> args = {logs_binary(), "--namespace", ns.empty() ? journald_->name() : ns,
                                     "--match", "TEST_RUN=" + run_id_};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
  // The reader on this test's namespace with `args` (any selection).
  RunResult reader(std::vector<std::string> args) const {
    args.insert(args.begin(), {logs_binary(), "--namespace", journald_->name()});
    return run(args);
  }
  // The reader's output once it is `expected`, or its last output after 10 s: journald
  // may still be storing what was sent when the sender exits.
  RunResult reader_until(const std::vector<std::string>& args, const std::string& expected) const {
    RunResult r;
    for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;) {
      r = reader(args);
      if (r.out == expected) break;
      std::this_thread::sleep_for(100ms);
    }
    return r;
  }
  // The same for this test's companion entries.
  RunResult logs_until(const std::vector<std::string>& extra, const std::string& expected) const {
    std::vector<std::string> args = {"--match", "TEST_RUN=" + run_id_};
    args.insert(args.end(), extra.begin(), extra.end());
    return reader_until(args, expected);
  }
  // Writes `text` through journald's stream protocol, as systemd-cat and a service's
  // stdout do (the companion's --transport stream needs systemd as PID 1): one
  // connection, its header, then the lines in one write(), so that journald takes many
  // at one read and stamps them with one time. Returns once journald has read them all
  // (it closes the connection after the end of the stream).
  void stream_protocol_writes(const std::string& identifier, const std::string& text) const {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    const std::string path = stream_socket_path(journald_->socket_path());
    ASSERT_LT(path.size(), sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << path << ": " << std::strerror(errno);
    write_all(fd, encode_stream_header(StreamHeader{identifier, 6, false}) + text);
    ::shutdown(fd, SHUT_WR);
    char c;
    while (::read(fd, &c, 1) > 0) {
    }
    ::close(fd);
  }
  // Every line of `text` read back with `select` in each output mode, byte for byte and
  // each as often as it was written.
  void expect_every_line_in_every_mode(const std::vector<std::string>& select, const std::string& text) const {
    std::vector<std::string> args = select;
    args.insert(args.end(), {"-o", "raw"});
    RunResult r = reader_until(args, text);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out == text) << "raw: " << split_lines(r.out).size() << " lines read back of "
                               << split_lines(text).size();
    for (std::string format : {"short", "json", "cri"}) {
      args = select;
      args.insert(args.end(), {"-o", format});
      r = reader(args);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      std::vector<std::string> got = record_messages(format, r.out), want = split_lines(text);
      EXPECT_TRUE(got == want) << format << ": " << got.size() << " lines read back of " << want.size();
    }
  }
  // The reader following `select` from before anything is written; `write` writes, and
  // the reader must print `text`, nothing more.
  template <typename Write>
  void expect_follow_prints(const std::vector<std::string>& select, const std::string& text, Write write) {
    std::vector<std::string> args = {logs_binary(), "--namespace", journald_->name(), "-f"};
    args.insert(args.end(), select.begin(), select.end());
    int r[2];
    ASSERT_EQ(::pipe2(r, O_CLOEXEC), 0);
    pid_t reader = spawn(args, {{1, r[1]}});
    ::close(r[1]);
    std::this_thread::sleep_for(200ms);  // it has read what is there and waits
    write();
    std::string seen;
    read_until(r[0], seen, [&](const std::string& s) { return s.size() >= text.size(); });
    // Anything more would come within the 100 ms the reader waits between looks.
    std::this_thread::sleep_for(300ms);
    for (struct pollfd p {r[0], POLLIN, 0}; ::poll(&p, 1, 0) == 1;) {
      char buf[65536];
      ssize_t n = ::read(r[0], buf, sizeof buf);
      if (n <= 0) break;
      seen.append(buf, static_cast<std::size_t>(n));
    }
    EXPECT_TRUE(seen == text) << "--follow: " << split_lines(seen).size() << " lines of " << split_lines(text).size();
    ::close(r[0]);
    EXPECT_EQ(wait_exit(reader), 0);
  }
  // How many entries of `match` journald stored, and at how many distinct monotonic times.
  std::pair<std::size_t, std::size_t> entries_and_times(const std::string& match) const {
    RunResult r = run({"/bin/journalctl", "--namespace=" + journald_->name(), "-o", "json", "--no-pager", match});
    std::set<std::string> times;
    std::size_t n = 0;
    for (const std::string& line : split_lines(r.out)) {
      ++n;
      times.insert(nlohmann::json::parse(line)["__MONOTONIC_TIMESTAMP"].get<std::string>());
    }
    return {n, times.size()};
  }

  // Runs the companion on two pipes, writes `out` and `err` to them, closes them and
  // waits for the companion.
  void companion_writes(const std::string& out, const std::string& err = "") {
    int o[2], e[2];
    ASSERT_EQ(::pipe2(o, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(e, O_CLOEXEC), 0);
    pid_t pid = spawn(pipe_args({"--stdout-fd", "3", "--stderr-fd", "4"}), {{3, o[0]}, {4, e[0]}});
    ::close(o[0]);
    ::close(e[0]);
    write_all(o[1], out);
    write_all(e[1], err);
    ::close(o[1]);
    ::close(e[1]);
    EXPECT_EQ(wait_exit(pid), 0);
  }
};

TEST_F(ReaderTest, RandomStreamsComeBackByteForByte) {
  // MJ_READER_SEED=N repeats a run.
  const char* seed_env = std::getenv("MJ_READER_SEED");
  std::uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (MJ_READER_SEED)");
  std::mt19937_64 rng(seed);
  // One stream ends without a final newline, the other with one, chosen at random.
  bool out_ends_with_newline = rng() % 2 == 0;
  auto out_chunks = random_output(rng, 300, out_ends_with_newline);
  auto err_chunks = random_output(rng, 300, !out_ends_with_newline);
  std::string out_all, err_all;
  for (auto& c : out_chunks) out_all += c.bytes;
  for (auto& c : err_chunks) err_all += c.bytes;

  int o[2], e[2];
  ASSERT_EQ(::pipe2(o, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(e, O_CLOEXEC), 0);
  pid_t pid = spawn(pipe_args({"--stdout-fd", "3", "--stderr-fd", "4", "--max-line-bytes", "4K",
                               "--flush-partial-after", "30ms"}),
                    {{3, o[0]}, {4, e[0]}});
  ::close(o[0]);
  ::close(e[0]);
  // Both streams in turns, so that their pieces interleave in the journal.
  for (std::size_t i = 0; i < std::max(out_chunks.size(), err_chunks.size()); ++i) {
    bool pause = false;
    if (i < out_chunks.size()) write_all(o[1], out_chunks[i].bytes), pause |= out_chunks[i].pause;
    if (i < err_chunks.size()) write_all(e[1], err_chunks[i].bytes), pause |= err_chunks[i].pause;
    if (pause) std::this_thread::sleep_for(100ms);
  }
  ::close(o[1]);
  ::close(e[1]);
  ASSERT_EQ(wait_exit(pid), 0);

  RunResult r = logs_until({"--stream", "stdout", "-o", "raw"}, out_all);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == out_all) << "stdout: " << r.out.size() << " bytes read back of " << out_all.size();
  r = logs_until({"--stream", "stderr"}, err_all);
  EXPECT_TRUE(r.out == err_all) << "stderr: " << r.out.size() << " bytes read back of " << err_all.size();

  // -n: the last lines, split and flushed ones among them, found from the end.
  for (std::size_t n : {1u, 7u, 100u}) {
    std::vector<std::string> lines = split_lines(out_all);
    std::string tail;
    for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) tail += lines[i] + "\n";
    if (out_all.back() != '\n') tail.pop_back();
    r = logs({"--stream", "stdout", "-n", std::to_string(n)});
    EXPECT_TRUE(r.out == tail) << "-n " << n << ": " << r.out.size() << " bytes, expected " << tail.size();
  }

  // Both streams: every line of each exactly once, in its stream's order.
  r = logs({"--stream", "both", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got_out, got_err;
  std::size_t no_newline = 0;
  for (const std::string& record : split_lines(r.out)) {
    auto j = nlohmann::json::parse(record);
    std::string msg = j.contains("message") ? j["message"].get<std::string>()
                                            : base64_decode(j["message_base64"].get<std::string>());
    (j["stream"] == "stdout" ? got_out : got_err).push_back(msg);
    if (j.contains("no_newline")) ++no_newline;
  }
  EXPECT_TRUE(got_out == split_lines(out_all)) << got_out.size() << " stdout lines of " << split_lines(out_all).size();
  EXPECT_TRUE(got_err == split_lines(err_all)) << got_err.size() << " stderr lines of " << split_lines(err_all).size();
  EXPECT_EQ(no_newline, 1u);

  // The run went through what it claims to: lines split at 4 KiB, and lines flushed
  // while idle (a piece before the last that is shorter than 4 KiB).
  r = logs({"-o", "cri"});
  std::size_t split = 0, flushed = 0;
  for (const std::string& record : split_lines(r.out)) {
    // "<time> <stream> <P|F> <piece>": the piece starts after the third space.
    std::size_t tag = record.find(' ', record.find(' ') + 1) + 1;
    if (record.compare(tag, 2, "P ") != 0) continue;
    std::size_t piece = record.size() - (tag + 2);
    (piece == 4096 ? split : flushed) += 1;
  }
  EXPECT_GT(split, 0u);
  EXPECT_GT(flushed, 0u);
}

// The companion sends the lines of one read several to a datagram, and journald stamps
// a datagram's entries with one time. Lines that repeat must still all come back: the
// reader prints an entry it has seen before once (entries a collector holds twice).
TEST_F(ReaderTest, RepeatedLinesOfOneReadComeBackEveryOne) {
  std::string out;
  for (int i = 0; i < 50; ++i) out += i % 7 == 3 ? "y\n" : i % 5 == 0 ? "\n" : "x\n";
  companion_writes(out);
  RunResult r = logs_until({"-o", "raw"}, out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == out) << r.out.size() << " bytes read back of " << out.size();
  EXPECT_EQ(entries(50).size(), 50u);
}

// journald's stream protocol (--transport stream, every service's stdout): the lines
// of one read of the connection are stored with one time, so equal lines are entries
// equal in every field and time. Each is a line the task wrote: every one comes back
// in every output mode. (journald stores no entry for an empty line of a stream.)
TEST_F(ReaderTest, RepeatedLinesOfTheStreamProtocolComeBackEveryOne) {
  const std::string id = "stream-" + run_id_;
  stream_protocol_writes(id, repeated_lines());
  std::string stored;
  for (int i = 0; i < 300; ++i) stored += "same\n";
  stored += "x\nx\nx\n";
  ASSERT_EQ(journald_->entries({"SYSLOG_IDENTIFIER=" + id}, 303).size(), 303u);
  auto [entries, times] = entries_and_times("SYSLOG_IDENTIFIER=" + id);
  std::printf("stream protocol: %zu entries at %zu distinct monotonic times\n", entries, times);
  ASSERT_LT(times, entries) << "journald read the lines one by one: nothing here shares a time";
  expect_every_line_in_every_mode({"-t", id}, stored);
}

// The same while following: 200 repeats arriving after the reader started.
TEST_F(ReaderTest, FollowPrintsEveryRepeatOfTheStreamProtocol) {
  const std::string id = "follow-" + run_id_;
  stream_protocol_writes(id, "first\n");  // something to select before the repeats
  std::string text;
  for (int i = 0; i < 200; ++i) text += "again\n";
  expect_follow_prints({"-t", id}, "first\n" + text, [&] { stream_protocol_writes(id, text); });
}

// The companion at full speed over the native protocol: it sends up to 64 lines in one
// datagram, stored with one time, but never two equal ones in one datagram, so copies
// can be told apart from repeats there; none of these is one.
TEST_F(ReaderTest, RepeatedLinesOfTheCompanionComeBackEveryOneInEveryMode) {
  std::string text = repeated_lines();
  for (int i = 0; i < 100; ++i) text += "a\nb\n\n";  // datagrams of three lines
  companion_writes(text);
  const std::size_t lines = split_lines(text).size();
  ASSERT_EQ(entries(lines).size(), lines);
  auto [entries, times] = entries_and_times("TEST_RUN=" + run_id_);
  std::printf("native protocol: %zu entries at %zu distinct monotonic times\n", entries, times);
  expect_every_line_in_every_mode({"--match", "TEST_RUN=" + run_id_}, text);
}

TEST_F(ReaderTest, FollowPrintsEveryRepeatOfTheCompanion) {
  companion_writes("first\n");
  std::string text = repeated_lines();
  for (int i = 0; i < 100; ++i) text += "a\nb\n\n";
  expect_follow_prints({"--match", "TEST_RUN=" + run_id_}, "first\n" + text, [&] { companion_writes(text); });
}

TEST_F(ReaderTest, LastLinesSinceAndNothingMatched) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "n" + std::to_string(i) + "\n";
  companion_writes(text);
  std::string last10;
  for (int i = 20; i < 30; ++i) last10 += "n" + std::to_string(i) + "\n";
  RunResult r = logs_until({"-n", "10"}, last10);
  EXPECT_EQ(r.out, last10);
  EXPECT_EQ(r.exit_code, 0);

  std::this_thread::sleep_for(50ms);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  char since[64];
  std::snprintf(since, sizeof since, "@%.6f", std::chrono::duration<double>(now).count());
  std::this_thread::sleep_for(50ms);
  companion_writes("later\n");
  r = logs_until({"--since", since}, "later\n");
  EXPECT_EQ(r.out, "later\n");
  r = logs({"--since", since, "-o", "short"});
  EXPECT_NE(r.out.find(" stdout later\n"), std::string::npos) << r.out;
  r = logs({"--until", since});
  EXPECT_EQ(r.out, text);

  r = logs({"--stream", "stderr"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no entries match"), std::string::npos) << r.err;
  r = run({logs_binary(), "--directory", "/nonexistent/journal", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(r.err.empty());
  // Not even --follow waits on a namespace without journal files: it would never see it.
  r = run({logs_binary(), "--namespace", journald_->name() + "-none", "x", "-f"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no journal files"), std::string::npos) << r.err;
  r = run({logs_binary(), "--stream", "stdout"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(ReaderTest, FollowSeesPiecesAndLinesWrittenAfterItStarted) {
  int o[2];
  ASSERT_EQ(::pipe2(o, O_CLOEXEC), 0);
  pid_t companion = spawn(pipe_args({"--stdout-fd", "3", "--flush-partial-after", "30ms"}), {{3, o[0]}});
  ::close(o[0]);
  write_all(o[1], "before\n");

  int r[2];
  ASSERT_EQ(::pipe2(r, O_CLOEXEC), 0);
  pid_t reader = spawn({logs_binary(), "--namespace", journald_->name(), "--match", "TEST_RUN=" + run_id_, "-f"},
                       {{1, r[1]}});
  ::close(r[1]);
  std::string seen;
  auto read_until = [&](const std::string& want) {
    for (auto end = std::chrono::steady_clock::now() + 10s;
         seen.find(want) == std::string::npos && std::chrono::steady_clock::now() < end;) {
      struct pollfd p {r[0], POLLIN, 0};
      if (::poll(&p, 1, 100) == 1) {
        char buf[4096];
        ssize_t n = ::read(r[0], buf, sizeof buf);
        if (n <= 0) break;
        seen.append(buf, static_cast<std::size_t>(n));
      }
    }
    return seen.find(want) != std::string::npos;
  };
  EXPECT_TRUE(read_until("before\n")) << seen;
  write_all(o[1], "after\nprom");
  // The piece is printed as it comes, before the line's end exists.
  EXPECT_TRUE(read_until("before\nafter\nprom")) << seen;
  write_all(o[1], "pt\n");
  EXPECT_TRUE(read_until("before\nafter\nprompt\n")) << seen;
  EXPECT_EQ(seen, "before\nafter\nprompt\n");
  ::close(o[1]);
  EXPECT_EQ(wait_exit(companion), 0);
  // Nobody reads any more: the reader ends by itself, quietly.
  ::close(r[0]);
  EXPECT_EQ(wait_exit(reader), 0);
}

TEST_F(ReaderTest, FollowDoesNotLetAPromptHoldBackTheOtherStream) {
  int o[2], e[2];
  ASSERT_EQ(::pipe2(o, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(e, O_CLOEXEC), 0);
  pid_t companion = spawn(pipe_args({"--stdout-fd", "3", "--stderr-fd", "4", "--flush-partial-after", "30ms"}),
                          {{3, o[0]}, {4, e[0]}});
  ::close(o[0]);
  ::close(e[0]);
  int r[2];
  ASSERT_EQ(::pipe2(r, O_CLOEXEC), 0);
  pid_t reader = spawn({logs_binary(), "--namespace", journald_->name(), "--match", "TEST_RUN=" + run_id_, "-f"},
                       {{1, r[1]}});
  ::close(r[1]);
  std::string seen;
  auto read_until = [&](const std::string& want) {
    for (auto end = std::chrono::steady_clock::now() + 10s; seen != want && std::chrono::steady_clock::now() < end;) {
      struct pollfd p {r[0], POLLIN, 0};
      if (::poll(&p, 1, 100) == 1) {
        char buf[4096];
        ssize_t n = ::read(r[0], buf, sizeof buf);
        if (n <= 0) break;
        seen.append(buf, static_cast<std::size_t>(n));
      }
    }
    return seen == want;
  };
  write_all(o[1], "Password: ");
  EXPECT_TRUE(read_until("Password: ")) << seen;
  write_all(e[1], "warning\n");
  // The stderr line waits for the prompt's line at most a second, then the prompt's
  // line is ended where it is.
  EXPECT_TRUE(read_until("Password: \nwarning\n")) << seen;
  write_all(o[1], "ok\n");
  EXPECT_TRUE(read_until("Password: \nwarning\nok\n")) << seen;
  ::close(o[1]);
  ::close(e[1]);
  EXPECT_EQ(wait_exit(companion), 0);
  ::close(r[0]);
  EXPECT_EQ(wait_exit(reader), 0);
}

TEST_F(ReaderTest, AllNamespacesMergedInTimeOrderACopiedDirectoryAndFiles) {
  JournaldInstance other("reader-other");
  auto write_to = [&](const std::string& ns, const std::string& line) {
    RunResult w = run({pipe_binary(), "--namespace", ns, "--field", "TEST_RUN=" + run_id_}, line);
    ASSERT_EQ(w.exit_code, 0) << w.err;
    // Stored before the next one is written, so that the times are in this order.
    RunResult check;
    for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;) {
      check = logs({}, ns);
      if (check.out.find(line) != std::string::npos) break;
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_NE(check.out.find(line), std::string::npos);
  };
  write_to(journald_->name(), "a1\n");
  write_to(other.name(), "b1\n");
  write_to(journald_->name(), "a2\n");
  RunResult r = logs({}, "*");
  EXPECT_EQ(r.out, "a1\nb1\na2\n") << r.err;

  TempDir copy;
  std::filesystem::copy("/run/log/journal/" + machine_id() + "." + journald_->name(), copy.path(),
                        std::filesystem::copy_options::recursive);
  r = run({logs_binary(), "-D", copy.path(), "--match", "TEST_RUN=" + run_id_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "a1\na2\n");
  // The same files named one by one.
  std::vector<std::string> args = {logs_binary(), "--match", "TEST_RUN=" + run_id_};
  for (const auto& f : std::filesystem::recursive_directory_iterator(copy.path()))
    if (f.path().extension() == ".journal") args.insert(args.end(), {"--file", f.path().string()});
  ASSERT_GT(args.size(), 3u);
  r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "a1\na2\n");
}

// journal-remote, like journald, stores an entry twice when its file fills up as it links
// the entry, and appends it again to its next file with the same times and contents
// (reliability.md#where-an-entry-can-be-stored-twice). On a small collector disk (files
// of about 800 KiB) the companion's entries, with 31 fields and several to a datagram,
// end nearly every file that way: 37 copies in 38 files for 40,000 lines when this was
// found. For 12,000 lines, 11 copies from 21 to 39 fields of ours and none at 16 or
// fewer, so 31 leaves room for hosts whose processes get a few more or fewer fields of
// journald's own (_AUDIT_*, _SYSTEMD_*). The reader prints every line once.
TEST_F(ReaderTest, EntriesACollectorStoredTwiceAsItsFilesFilledArePrintedOnce) {
  const std::string remote = "/lib/systemd/systemd-journal-remote";
  ASSERT_EQ(::access(remote.c_str(), X_OK), 0) << "needs " << remote << " (scripts/install-deps.sh installs it)";
  std::vector<std::string> args = {pipe_binary(), "--namespace", journald_->name(), "--field", "TEST_RUN=" + run_id_};
  for (int i = 0; i < 30; ++i) args.insert(args.end(), {"--field", "FIELD_" + std::to_string(i) + "=the same value"});
  constexpr int kLines = 12000;
  std::string text;
  for (int i = 0; i < kLines; ++i) text += "line " + std::to_string(i) + "\n";
  RunResult w = run(args, text);  // one pipe, written as fast as it takes it
  ASSERT_EQ(w.exit_code, 0) << w.err;
  ASSERT_EQ(reader_until({"--match", "TEST_RUN=" + run_id_, "-o", "raw"}, text).out.size(), text.size());

  TempDir work;
  RunResult exported = run({"/bin/journalctl", "--namespace", journald_->name(), "-o", "export", "TEST_RUN=" + run_id_});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::ofstream(work.file("agent.export"), std::ios::binary) << exported.out;
  // The collector's disk: journal-remote sizes its files from the file system's size.
  const std::string disk = work.file("collector");
  std::filesystem::create_directory(disk);
  RunResult mounted = run({"/bin/mount", "-t", "tmpfs", "-o", "size=64M", "mj-collector", disk});
  ASSERT_EQ(mounted.exit_code, 0) << mounted.err;
  struct Unmount {
    std::string path;
    ~Unmount() { run({"/bin/umount", path}); }
  } unmount{disk};
  RunResult stored =
      run({remote, "--split-mode=none", "-o", disk + "/remote.journal", work.file("agent.export")});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;

  RunResult held = run({"/bin/journalctl", "-D", disk, "-o", "cat", "TEST_RUN=" + run_id_});
  const auto entries = static_cast<std::size_t>(std::count(held.out.begin(), held.out.end(), '\n'));
  ASSERT_GT(entries, static_cast<std::size_t>(kLines))
      << "the collector stored no entry twice: the case this test is about did not happen";
  std::printf("the collector holds %zu entries for %d lines\n", entries, kLines);
  for (const char* mode : {"raw", "short", "json"}) {
    RunResult r = run({logs_binary(), "-D", disk, "--match", "TEST_RUN=" + run_id_, "-o", mode});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto printed = static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
    EXPECT_EQ(printed, static_cast<std::size_t>(kLines)) << mode;
    if (std::string(mode) == "raw") {
      EXPECT_TRUE(r.out == text) << "raw: not every line once, in order";
    }
  }
}

TEST_F(ReaderTest, GapEntriesAreNeverSkippedSilently) {
  RunningCompanion c = start_companion({"--overflow", "drop", "--buffer-size", "64K", "--drain-timeout", "20s"});
  journald_->pause();  // the companion cannot send: beyond 64 KiB it drops and counts
  write_lines(c.task.get(), 0, 20000);
  journald_->resume();
  EXPECT_EQ(c.finish(), 1);
  RunResult r;
  std::uint64_t lines = 0, dropped = 0, gaps = 0;
  // journald may still be storing what the companion sent.
  for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;) {
    r = logs({"-o", "json"});
    lines = dropped = gaps = 0;
    for (const std::string& record : split_lines(r.out)) {
      auto j = nlohmann::json::parse(record);
      if (j.contains("gap")) {
        ++gaps;
        dropped += j["dropped_entries"].get<std::uint64_t>();
        EXPECT_GT(j["dropped_bytes"].get<std::uint64_t>(), 0u);
        EXPECT_LE(j["dropped_first_usec"].get<std::uint64_t>(), j["dropped_last_usec"].get<std::uint64_t>());
      } else {
        ++lines;
      }
    }
    if (lines + dropped == 20000) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(gaps, 1u);
  EXPECT_EQ(lines + dropped, 20000u);  // every line is printed or counted in a gap record
  r = logs({"-o", "short"});
  EXPECT_NE(r.out.find(" gap the companion dropped "), std::string::npos);
  // raw: the task's bytes on stdout, the gap said on stderr.
  r = logs({});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("dropped"), std::string::npos);
  EXPECT_NE(r.err.find("mesos-journald-logs: the companion dropped "), std::string::npos) << r.err;
}

TEST_F(ReaderTest, ContainerSelectsNestedContainersAndCriTagsPieces) {
  auto write_as = [&](const std::string& container, const std::string& text) {
    RunResult w = run({pipe_binary(), "--namespace", journald_->name(), "--field", "TEST_RUN=" + run_id_,
                       "--field", "CONTAINER_ID=" + container, "--max-line-bytes", "4"},
                      text);
    ASSERT_EQ(w.exit_code, 0) << w.err;
  };
  write_as("parent", "p\n");
  write_as("parent.child", "abcdef\n");
  write_as("parentx", "not nested\n");  // a prefix, but not a nested container
  std::string want = "p\nabcdef\n";
  RunResult r;
  for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;) {
    r = run({logs_binary(), "--namespace", journald_->name(), "--container", "parent"});
    if (r.out == want) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(r.out, want);
  r = run({logs_binary(), "--namespace", journald_->name(), "--container", "parent.child", "-o", "cri"});
  auto records = split_lines(r.out);
  ASSERT_EQ(records.size(), 2u) << r.out;
  EXPECT_NE(records[0].find("Z stdout P abcd"), std::string::npos) << records[0];
  EXPECT_NE(records[1].find("Z stdout F ef"), std::string::npos) << records[1];
}

}  // namespace
}  // namespace mj::test
