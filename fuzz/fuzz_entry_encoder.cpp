// The native-protocol encoder, checked against the reference parser
// (tests/support/native_parser.cpp), and JournalStreamWriter's datagrams checked for
// spoofing.
//
// Part 1: random valid field names and arbitrary values through mj::append_field /
//   mj::append_binary_field parse back to exactly the same fields, in order.
// Part 2: random stream configuration (identifier, stream, priority, level prefix, user
//   fields as the companion validates them) and random output framed by a LineFramer
//   into a JournalStreamWriter that sends to a real AF_UNIX datagram socket bound under
//   /tmp, 1-8 pieces at a time. Every datagram must split into entries as journald
//   splits them, one per piece in order, no two in one datagram with the same message
//   and partial fields (journald gives them one time), and each entry must hold exactly:
//   one MESSAGE equal to the piece (minus a level prefix on a line's first piece), one
//   PRIORITY, one SYSLOG_IDENTIFIER, one STREAM, the user fields in order, and
//   CONTAINER_PARTIAL_* exactly when a line is split, with consistent values, and
//   MESOS_JOURNALD_NO_NEWLINE exactly on the piece that ends a line at end of stream.
//   Nothing the output holds can add or shadow a field.
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/base/config_values.h"
#if __has_include("core/journald/journal_delivery.h")
#include "core/journald/journal_delivery.h"
#define MJ_FUZZ_HAS_DELIVERY 1
#endif
#include "core/entry/field_name.h"
#include "core/entry/journal_stream_writer.h"
#include "core/entry/native_encoding.h"
#include "core/framing/level_prefix.h"
#include "core/framing/line_framer.h"
#include "core/framing/partial_id.h"
#include "core/journald/journal_socket.h"
#include "fuzz_check.h"
#include "native_parser.h"

namespace {

struct NullDiagnostics final : mj::Diagnostics {
  void report(std::string_view) override {}
};

std::string g_path;
int g_receiver = -1;

void remove_socket() { ::unlink(g_path.c_str()); }

// One datagram, or the contents of a memfd passed with SCM_RIGHTS (large entries).
bool receive(std::string& out) {
  static std::vector<char> buf(16 << 20);
  union {
    struct cmsghdr align;
    char b[CMSG_SPACE(sizeof(int))];
  } control{};
  struct iovec iov = {buf.data(), buf.size()};
  struct msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control.b;
  mh.msg_controllen = sizeof control.b;
  ssize_t n = ::recvmsg(g_receiver, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) return false;
  struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
    int fd;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    struct stat st{};
    ::fstat(fd, &st);
    out.assign(static_cast<std::size_t>(st.st_size), '\0');
    ssize_t r = ::pread(fd, out.data(), out.size(), 0);
    ::close(fd);
    return r == st.st_size;
  }
  out.assign(buf.data(), static_cast<std::size_t>(n));
  return true;
}

// A valid field name from arbitrary bytes (sometimes the raw bytes themselves).
std::string field_name(FuzzedDataProvider& in) {
  std::string raw = in.ConsumeRandomLengthString(70);
  if (mj::is_valid_field_name(raw)) return raw;
  std::string name = mj::sanitize_field_name(raw);
  return name.empty() ? "F" : name;
}

void check_encoding_round_trip(FuzzedDataProvider& in) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string out;
  int count = in.ConsumeIntegralInRange(0, 8);
  for (int i = 0; i < count; ++i) {
    std::string name = field_name(in);
    std::string value = in.ConsumeRandomLengthString(200);
    if (in.ConsumeBool()) mj::append_field(out, name, value);
    else mj::append_binary_field(out, name, value);
    fields.emplace_back(std::move(name), std::move(value));
  }
  auto parsed = mj::test::parse_native(out);
  FUZZ_CHECK(parsed.has_value(), "encoder output of %d fields does not parse", count);
  FUZZ_CHECK(*parsed == fields, "round trip of %d fields gives %zu different fields", count, parsed->size());
}

struct Entry {
  std::multimap<std::string, std::string> fields;
  std::vector<std::pair<std::string, std::string>> ordered;
  std::size_t count(const std::string& n) const { return fields.count(n); }
  const std::string& get(const std::string& n) const { return fields.find(n)->second; }
};

// A piece handed to the writer, kept to check its entry against.
struct Piece {
  std::string data;
  bool first, last, unterminated;
};

// Forwards pieces to the writer and checks the datagrams they produce.
struct CheckingSink final : mj::PieceSink {
  mj::JournalStreamWriter* writer = nullptr;
  const mj::EntryTemplate* tmpl = nullptr;
  // At most this many pieces before the writer sends: this thread is also the receiver,
  // and more datagrams than the socket's queue (net.unix.max_dgram_qlen, 10 without
  // systemd) would wait for it forever; each piece is at most one datagram.
  std::size_t per_batch = 1;
  std::vector<Piece> pending;
  int line_priority = 6;
  std::string partial_id;
  unsigned ordinal = 0;

  void on_piece(const mj::LinePiece& p) override {
    writer->on_piece(p);
    pending.push_back(Piece{std::string(p.data), p.first, p.last, p.unterminated});
    if (pending.size() == per_batch) end_of_pieces();
  }

  void end_of_pieces() override {
    writer->end_of_pieces();
    std::vector<std::string> entries;
    std::string datagram;
    while (entries.size() < pending.size()) {
      FUZZ_CHECK(receive(datagram), "%zu entries for %zu pieces", entries.size(), pending.size());
      auto split = mj::test::split_native(datagram);
      FUZZ_CHECK(split.has_value(), "datagram of %zu bytes does not split into entries", datagram.size());
      std::vector<ParsedEntry> in_datagram;
      for (const std::string& bytes : *split) {
        auto parsed = mj::test::parse_native(bytes);
        FUZZ_CHECK(parsed.has_value(), "entry of %zu bytes does not parse", bytes.size());
        ParsedEntry key;
        for (auto& kv : *parsed)
          if (kv.first == "MESSAGE" || kv.first.rfind("CONTAINER_PARTIAL_", 0) == 0) key.push_back(kv);
        for (const ParsedEntry& other : in_datagram)
          FUZZ_CHECK(other != key, "two entries of one datagram differ only in their priority or not at all");
        in_datagram.push_back(std::move(key));
        entries.push_back(bytes);
      }
    }
    FUZZ_CHECK(entries.size() == pending.size(), "%zu entries for %zu pieces", entries.size(), pending.size());
    FUZZ_CHECK(!receive(datagram), "a datagram more than the pieces");
    for (std::size_t i = 0; i < pending.size(); ++i) check_entry(pending[i], *mj::test::parse_native(entries[i]));
    pending.clear();
  }

  using ParsedEntry = std::vector<std::pair<std::string, std::string>>;

  void check_entry(const Piece& p, const ParsedEntry& fields) {
    const ParsedEntry* parsed = &fields;
    Entry e;
    for (auto& [k, v] : *parsed) e.fields.emplace(k, v);
    e.ordered = *parsed;

    std::string_view message = p.data;
    if (p.first) {
      line_priority = tmpl->priority;
      if (tmpl->level_prefix)
        if (auto lp = mj::parse_level_prefix(message)) {
          line_priority = lp->priority;
          message.remove_prefix(lp->length);
        }
    }
    FUZZ_CHECK(e.count("MESSAGE") == 1, "%zu MESSAGE fields", e.count("MESSAGE"));
    FUZZ_CHECK(e.get("MESSAGE") == message, "MESSAGE differs from the line");
    FUZZ_CHECK(e.count("PRIORITY") == 1, "%zu PRIORITY fields", e.count("PRIORITY"));
    FUZZ_CHECK(e.get("PRIORITY") == std::to_string(line_priority), "PRIORITY=%s, expected %d",
               e.get("PRIORITY").c_str(), line_priority);
    FUZZ_CHECK(e.count("SYSLOG_IDENTIFIER") == 1 && e.get("SYSLOG_IDENTIFIER") == tmpl->identifier,
               "SYSLOG_IDENTIFIER wrong or repeated");
    FUZZ_CHECK(e.count("STREAM") == 1 && e.get("STREAM") == mj::stream_field_value(tmpl->stream),
               "STREAM wrong or repeated");

    std::size_t expected = 4 + tmpl->fields.size();
    // User fields, in their order, among the others.
    std::vector<std::pair<std::string, std::string>> user;
    for (auto& kv : e.ordered)
      if (!mj::is_reserved_field_name(kv.first)) user.push_back(kv);
    FUZZ_CHECK(user.size() == tmpl->fields.size(), "%zu user fields, %zu configured", user.size(),
               tmpl->fields.size());
    for (std::size_t i = 0; i < user.size(); ++i)
      FUZZ_CHECK(user[i].first == tmpl->fields[i].name && user[i].second == tmpl->fields[i].value,
                 "user field %zu differs", i);

    bool split = !(p.first && p.last);
    if (p.first) {
      ordinal = 0;
      partial_id.clear();
    }
    if (split) {
      ++ordinal;
      expected += p.last ? 3 : 4;
      FUZZ_CHECK(e.count("CONTAINER_PARTIAL_ID") == 1, "split line without one CONTAINER_PARTIAL_ID");
      const std::string& id = e.get("CONTAINER_PARTIAL_ID");
      FUZZ_CHECK(id.size() == 32, "CONTAINER_PARTIAL_ID '%s'", id.c_str());
      if (partial_id.empty()) partial_id = id;
      FUZZ_CHECK(id == partial_id, "CONTAINER_PARTIAL_ID changed within a line");
      FUZZ_CHECK(e.count("CONTAINER_PARTIAL_ORDINAL") == 1 &&
                     e.get("CONTAINER_PARTIAL_ORDINAL") == std::to_string(ordinal),
                 "CONTAINER_PARTIAL_ORDINAL wrong, expected %u", ordinal);
      FUZZ_CHECK(e.count("CONTAINER_PARTIAL_LAST") == 1 &&
                     e.get("CONTAINER_PARTIAL_LAST") == (p.last ? "true" : "false"),
                 "CONTAINER_PARTIAL_LAST wrong");
      FUZZ_CHECK(e.count("CONTAINER_PARTIAL_MESSAGE") == (p.last ? 0u : 1u), "CONTAINER_PARTIAL_MESSAGE wrong");
    }
    FUZZ_CHECK(e.count("MESOS_JOURNALD_NO_NEWLINE") == (p.unterminated ? 1u : 0u),
               "MESOS_JOURNALD_NO_NEWLINE wrong");
    if (p.unterminated) ++expected;
    FUZZ_CHECK(parsed->size() == expected, "%zu fields in the entry, expected %zu", parsed->size(), expected);
  }
};

void check_stream_writer(FuzzedDataProvider& in) {
  mj::EntryTemplate tmpl;
  tmpl.identifier = in.ConsumeRandomLengthString(300);
  if (!mj::check_identifier(tmpl.identifier)) tmpl.identifier = "fuzz-task";
  tmpl.stream = in.ConsumeBool() ? mj::StreamKind::kStdout : mj::StreamKind::kStderr;
  tmpl.priority = in.ConsumeIntegralInRange(0, 7);
  tmpl.level_prefix = in.ConsumeBool();
  int nfields = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < nfields; ++i) {
    // As --field / --fields-file accept them: names checked, values anything.
    std::string name = in.ConsumeBool() ? in.ConsumeRandomLengthString(20) : field_name(in);
    std::string value = in.ConsumeRandomLengthString(100);
    if (mj::check_user_field_name(name)) tmpl.fields.push_back({name, value});
  }
  std::size_t max_line = in.ConsumeIntegralInRange<std::size_t>(1, 600);

  NullDiagnostics diag;
  mj::JournalSocket socket(g_path, diag);
  mj::WaitForever wait;
  mj::PartialIdSource ids(42);
#ifdef MJ_FUZZ_HAS_DELIVERY
  mj::BlockingDelivery delivery(socket, wait);  // --overflow block, the default
  mj::JournalStreamWriter writer(tmpl, delivery, ids);
#else
  mj::JournalStreamWriter writer(tmpl, socket, wait, ids);
#endif
  CheckingSink sink;
  sink.writer = &writer;
  sink.tmpl = &tmpl;
  sink.per_batch = in.ConsumeIntegralInRange<std::size_t>(1, 8);
  mj::LineFramer framer(max_line, 512);
  while (in.remaining_bytes() > 0) {
    std::string chunk = in.ConsumeRandomLengthString(1000);
    framer.feed(chunk, sink);
    if (in.ConsumeIntegralInRange(0, 7) == 0) framer.flush_partial(sink);
  }
  framer.finish(sink);
  sink.end_of_pieces();  // whatever the framer left with the sink
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  g_path = std::string(tmp && *tmp ? tmp : "/tmp") + "/mj-fuzz-encoder-" + std::to_string(::getpid()) + ".sock";
  ::unlink(g_path.c_str());
  g_receiver = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, g_path.c_str(), sizeof addr.sun_path - 1);
  if (g_receiver < 0 || ::bind(g_receiver, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    std::perror("fuzz_entry_encoder: cannot bind the receiving socket");
    std::abort();
  }
  int rcv = 8 << 20;
  ::setsockopt(g_receiver, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv);
  std::atexit(remove_socket);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) check_encoding_round_trip(in);
  else check_stream_writer(in);
  return 0;
}
