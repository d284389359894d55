#include "reader/line_printer.h"

namespace mj {

bool LinePrinter::same_line(const JournalRecord& a, const JournalRecord& b) {
  return a.partial_id == b.partial_id && a.stream == b.stream && a.ids.container_id == b.ids.container_id;
}

bool LinePrinter::same_line(const JournalRecord& piece, const RejoinedLine& line) {
  return piece.partial_id == line.partial_id && piece.stream == line.stream &&
         piece.ids.container_id == line.ids.container_id;
}

void LinePrinter::on_piece(const JournalRecord& piece, bool first_of_line) {
  if (!stream_pieces_ || hold_ || piece.partial_id.empty()) return;
  if (!streaming_) {
    if (!first_of_line || !waiting_.empty()) return;  // printed whole once complete
    streaming_ = Streaming{piece, 0};
    streaming_->key.message.clear();
  } else if (!same_line(streaming_->key, piece)) {
    return;
  }
  out_.buffer() += piece.message;
  streaming_->printed += piece.message.size();
}

void LinePrinter::wait(Item item) {
  if (waiting_.empty()) waiting_since_usec_ = 0;  // from the next release_stalled() on
  waiting_.push_back(std::move(item));
}

void LinePrinter::print_waiting() {
  while (!waiting_.empty()) {
    print(waiting_.front());
    waiting_.pop_front();
  }
}

void LinePrinter::on_line(const RejoinedLine& line) {
  for (auto it = cut_.begin(); it != cut_.end(); ++it) {
    if (!same_line(it->key, line)) continue;
    // Ended early by release_stalled(): what is left of it is a line of its own.
    RejoinedLine rest = line;
    rest.message.erase(0, it->printed);
    cut_.erase(it);
    if (rest.message.empty() && !rest.no_newline) return;  // nothing came after the cut
    if (streaming_) wait(std::move(rest));
    else print(rest);
    ++records_;
    return;
  }
  ++records_;
  if (streaming_) {
    if (same_line(streaming_->key, line)) {
      // Its bytes are out already; only the end of the line is left.
      if (!line.no_newline && !line.unfinished) out_.buffer() += '\n';
      streaming_.reset();
      print_waiting();
    } else {
      wait(line);
    }
    return;
  }
  if (hold_) {
    held_.emplace_back(line);
    ++held_lines_;
    while (held_lines_ > *hold_) {
      if (std::holds_alternative<RejoinedLine>(held_.front())) --held_lines_;
      held_.pop_front();
    }
    return;
  }
  print(line);
}

void LinePrinter::release_stalled(std::uint64_t now_usec, std::uint64_t after_usec) {
  if (!streaming_ || waiting_.empty()) return;
  if (waiting_since_usec_ == 0) waiting_since_usec_ = now_usec;
  if (now_usec - waiting_since_usec_ < after_usec) return;
  out_.buffer() += '\n';
  cut_.push_back(std::move(*streaming_));
  streaming_.reset();
  print_waiting();
}

void LinePrinter::on_gap(const JournalRecord& gap) {
  ++records_;
  if (streaming_) {
    wait(gap);
  } else if (hold_) {
    held_.emplace_back(gap);
  } else {
    print(gap);
  }
}

void LinePrinter::release_held() {
  if (hold_ && *hold_ == 0) held_.clear();  // -n 0: the gaps before no line either
  hold_.reset();
  for (const Item& item : held_) print(item);
  held_.clear();
  held_lines_ = 0;
}

void LinePrinter::print(const Item& item) {
  if (const auto* line = std::get_if<RejoinedLine>(&item)) {
    std::string& out = out_.buffer();
    switch (format_) {
      case OutputFormat::kRaw: format_raw(*line, out); break;
      case OutputFormat::kShort: format_short(*line, out); break;
      case OutputFormat::kJson: format_json(*line, out); break;
      case OutputFormat::kCri: format_cri(*line, out); break;
    }
    return;
  }
  const JournalRecord& gap = std::get<JournalRecord>(item);
  switch (format_) {
    case OutputFormat::kShort: format_short_gap(gap, out_.buffer()); break;
    case OutputFormat::kJson: format_json_gap(gap, out_.buffer()); break;
    case OutputFormat::kRaw:
    case OutputFormat::kCri:
      // Their output is the task's bytes only; the gap must still not pass unnoticed.
      err_.buffer() += "mesos-journald-logs: " + describe_gap(gap) + "\n";
      break;
  }
}

}  // namespace mj
