#include "core/journal_stream_writer.h"

#include <cstring>

#include "core/level_prefix.h"
#include "core/native_encoding.h"

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

  // MESSAGE always in the binary form: no scan of the line, and no byte of it can
  // be taken for a field separator.
  char message_head[kMessageNameLen + 8];
  std::memcpy(message_head, kMessageName, kMessageNameLen);
  put_le64(message_head + kMessageNameLen, message.size());

  std::string partial;
  bool split = !(piece.first && piece.last);
  if (split) {
    ++ordinal_;
    append_field(partial, "CONTAINER_PARTIAL_ID", partial_id_);
    append_field(partial, "CONTAINER_PARTIAL_ORDINAL", std::to_string(ordinal_));
    append_field(partial, "CONTAINER_PARTIAL_LAST", piece.last ? "true" : "false");
    if (!piece.last) append_field(partial, "CONTAINER_PARTIAL_MESSAGE", "true");
  }

  struct iovec iov[6] = {
      iov_of(common_.data(), common_.size()),
      iov_of(kPriorityFields[line_priority_], kPriorityFieldLen),
      iov_of(message_head, sizeof message_head),
      iov_of(message.data(), message.size()),
      iov_of("\n", 1),
      iov_of(partial.data(), partial.size()),
  };
  switch (delivery_.deliver(stream_index_, iov, split ? 6 : 5, message.size())) {
    case DeliveryOutcome::kQueued:
      ++stats_.queued;
      [[fallthrough]];
    case DeliveryOutcome::kSent:
      ++stats_.entries;
      stats_.bytes += message.size();
      if (piece.last) ++stats_.lines;
      break;
    case DeliveryOutcome::kLost:
      ++stats_.lost_entries;
      stats_.lost_bytes += message.size();
      break;
  }
}

}  // namespace mj
