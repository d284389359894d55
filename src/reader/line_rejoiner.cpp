#include "reader/line_rejoiner.h"

#include <algorithm>

namespace mj {

void LineRejoiner::add(JournalRecord record, LineSink& sink) {
  if (record.gap) {
    sink.on_gap(record);
    return;
  }
  if (record.partial_id.empty()) {  // a line that fits in one entry
    sink.on_piece(record, true);
    RejoinedLine line;
    line.time_usec = record.time_usec;
    line.stream = record.stream;
    line.no_newline = record.no_newline;
    line.pieces.push_back({record.time_usec, record.message.size()});
    line.message = std::move(record.message);
    line.ids = std::move(record.ids);
    sink.on_line(line);
    return;
  }
  Key key = key_of(record);
  auto [it, created] = open_.try_emplace(key);
  Open& open = it->second;
  if (created) open.sequence = sequence_++;
  if (open.pieces.count(record.ordinal)) return;  // the same piece stored twice: keep the first
  sink.on_piece(record, record.ordinal == 1);
  if (record.partial_last) open.last_ordinal = record.ordinal;
  unsigned ordinal = record.ordinal;
  open.pieces.emplace(ordinal, std::move(record));
  if (open.last_ordinal != 0 && open.pieces.size() == open.last_ordinal && open.pieces.begin()->first == 1) {
    assemble(open);
    sink.on_line(open.line);
    open_.erase(it);
  }
}

void LineRejoiner::assemble(Open& open) {
  RejoinedLine& line = open.line;
  const JournalRecord& first = open.pieces.begin()->second;
  line.time_usec = first.time_usec;
  line.stream = first.stream;
  line.ids = first.ids;
  line.partial_id = first.partial_id;
  std::size_t total = 0;
  for (const auto& [ordinal, piece] : open.pieces) total += piece.message.size();
  line.message.reserve(total);
  unsigned expected = 1;
  for (const auto& [ordinal, piece] : open.pieces) {
    if (ordinal != expected) line.missing_pieces = true;
    expected = ordinal + 1;
    line.message += piece.message;
    line.pieces.push_back({piece.time_usec, piece.message.size()});
  }
  line.unfinished = open.last_ordinal == 0;
  line.no_newline = open.pieces.rbegin()->second.no_newline;
}

void LineRejoiner::flush_open(LineSink& sink) {
  std::vector<std::map<Key, Open>::iterator> order;
  for (auto it = open_.begin(); it != open_.end(); ++it) order.push_back(it);
  std::sort(order.begin(), order.end(), [](auto a, auto b) { return a->second.sequence < b->second.sequence; });
  for (auto it : order) {
    assemble(it->second);
    sink.on_line(it->second.line);
  }
  open_.clear();
}

bool LineRejoiner::continues_open_line(const JournalRecord& record) const {
  return !record.partial_id.empty() && open_.count(key_of(record)) > 0;
}

}  // namespace mj
