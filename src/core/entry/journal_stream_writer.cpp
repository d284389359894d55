#include "core/entry/journal_stream_writer.h"

#include <cstring>
#include <functional>

#include "core/entry/native_encoding.h"
#include "core/framing/level_prefix.h"

namespace mj {
namespace {

constexpr const char* kPriorityFields[8] = {"PRIORITY=0\n", "PRIORITY=1\n", "PRIORITY=2\n", "PRIORITY=3\n",
                                            "PRIORITY=4\n", "PRIORITY=5\n", "PRIORITY=6\n", "PRIORITY=7\n"};
constexpr std::size_t kPriorityFieldLen = 11;
constexpr char kMessageName[] = "MESSAGE\n";
constexpr std::size_t kMessageNameLen = sizeof kMessageName - 1;

struct iovec iov_of(const void* p, std::size_t n) { return {const_cast<void*>(p), n}; }

}  // namespace

JournalStreamWriter::JournalStreamWriter(const EntryTemplate& tmpl, JournalDelivery& delivery, PartialIdSource& ids)
    : delivery_(delivery),
      ids_(ids),
      default_priority_(tmpl.priority),
      level_prefix_(tmpl.level_prefix),
      line_priority_(tmpl.priority) {
  append_field(common_, "SYSLOG_IDENTIFIER", tmpl.identifier);
  append_field(common_, "STREAM", stream_field_value(tmpl.stream));
  for (const Field& f : tmpl.fields) append_field(common_, f.name, f.value);
  stream_index_ = delivery_.register_stream(common_, tmpl.stream);
}

void JournalStreamWriter::on_piece(const LinePiece& piece) {
  std::string_view message = piece.data;
  if (piece.first) {
    line_priority_ = default_priority_;
    if (level_prefix_) {
      if (auto prefix = parse_level_prefix(message)) {
        line_priority_ = prefix->priority;
        message.remove_prefix(prefix->length);
      }
    }
    ordinal_ = 0;
    if (!piece.last) partial_id_ = ids_.next();
  }

  Staged& e = staged_[staged_count_++];
  e.priority = line_priority_;
  e.message = message;
  e.last = piece.last;
  // MESSAGE always in the binary form: no scan of the line, and no byte of it can
  // be taken for a field separator.
  static_assert(sizeof e.message_head == kMessageNameLen + 8);
  std::memcpy(e.message_head, kMessageName, kMessageNameLen);
  put_le64(e.message_head + kMessageNameLen, message.size());
  e.partial.clear();  // keeps its capacity: no allocation per split piece
  if (!(piece.first && piece.last)) {
    ++ordinal_;
    append_field(e.partial, "CONTAINER_PARTIAL_ID", partial_id_);
    append_field(e.partial, "CONTAINER_PARTIAL_ORDINAL", std::to_string(ordinal_));
    append_field(e.partial, "CONTAINER_PARTIAL_LAST", piece.last ? "true" : "false");
    if (!piece.last) append_field(e.partial, "CONTAINER_PARTIAL_MESSAGE", "true");
  }
  // Docker's convention has no way to say that the stream ended without '\n'; a field of
  // our own on the entry that ends the line does, and tools that do not know it see the
  // same entries as before.
  if (piece.unterminated) append_field(e.partial, "MESOS_JOURNALD_NO_NEWLINE", "true");
  if (staged_count_ == kBatch) end_of_pieces();
}

void JournalStreamWriter::end_of_pieces() {
  const std::size_t n = staged_count_;
  if (n == 0) return;
  staged_count_ = 0;
  struct iovec iov[kBatch][6];
  EntryIov entries[kBatch];
  std::size_t bytes[kBatch];
  DeliveryOutcome outcome[kBatch];
  // Entries of one datagram get one time from journald: an entry that repeats the
  // message and fields of one in its datagram must start a new one (see EntryIov). The
  // hash only decides where to split, so a collision costs a datagram, nothing else.
  std::size_t group_hashes[kBatch];
  std::size_t group_size = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Staged& e = staged_[i];
    const std::size_t h = std::hash<std::string_view>{}(e.message) ^ (std::hash<std::string>{}(e.partial) * 31);
    bool repeat = false;
    for (std::size_t g = 0; g < group_size && !repeat; ++g) repeat = group_hashes[g] == h;
    if (repeat) group_size = 0;
    group_hashes[group_size++] = h;
    iov[i][0] = iov_of(common_.data(), common_.size());
    iov[i][1] = iov_of(kPriorityFields[e.priority], kPriorityFieldLen);
    iov[i][2] = iov_of(e.message_head, sizeof e.message_head);
    iov[i][3] = iov_of(e.message.data(), e.message.size());
    iov[i][4] = iov_of("\n", 1);
    iov[i][5] = iov_of(e.partial.data(), e.partial.size());
    entries[i] = EntryIov{iov[i], e.partial.empty() ? 5 : 6, repeat};
    bytes[i] = e.message.size();
  }
  delivery_.deliver_batch(stream_index_, entries, bytes, n, outcome);
  for (std::size_t i = 0; i < n; ++i) {
    switch (outcome[i]) {
      case DeliveryOutcome::kQueued:
        ++stats_.queued;
        [[fallthrough]];
      case DeliveryOutcome::kSent:
        ++stats_.entries;
        stats_.bytes += bytes[i];
        if (staged_[i].last) ++stats_.lines;
        break;
      case DeliveryOutcome::kLost:
        ++stats_.lost_entries;
        stats_.lost_bytes += bytes[i];
        break;
    }
  }
}

}  // namespace mj
