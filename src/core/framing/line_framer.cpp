#include "core/framing/line_framer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace mj {

LineFramer::LineFramer(std::size_t max_line_bytes, std::size_t read_size)
    : max_line_(std::max<std::size_t>(max_line_bytes, 1)), read_size_(std::max<std::size_t>(read_size, 1)) {}

char* LineFramer::write_ptr() {
  if (!buf_) buf_.reset(new char[max_line_ + read_size_]);
  return buf_.get() + end_;
}

void LineFramer::emit(std::size_t len, bool last, PieceSink& sink, bool unterminated) {
  sink.on_piece(LinePiece{std::string_view(buf_.get() + begin_, len), !line_open_, last, unterminated});
  line_open_ = !last;
}

void LineFramer::commit(std::size_t n, PieceSink& sink) {
  assert(n <= read_size_);
  end_ += n;
  for (;;) {
    const char* base = buf_.get();
    std::size_t pending = end_ - begin_;
    const char* nl = static_cast<const char*>(
        std::memchr(base + begin_ + scanned_, '\n', pending - scanned_));
    std::size_t line_len = nl ? static_cast<std::size_t>(nl - (base + begin_)) : pending;
    if (nl && line_len <= max_line_) {
      emit(line_len, true, sink);
      begin_ += line_len + 1;
      scanned_ = 0;
      continue;
    }
    if (line_len > max_line_) {  // more than a piece's worth without '\n'
      emit(max_line_, false, sink);
      begin_ += max_line_;
      scanned_ = 0;
      continue;
    }
    scanned_ = pending;
    break;
  }
  sink.end_of_pieces();
  // Keep room for a full read: pending bytes never exceed max_line_, so moving them to
  // the front always frees read_size_ bytes.
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (max_line_ + read_size_ - end_ < read_size_) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
}

void LineFramer::feed(std::string_view data, PieceSink& sink) {
  while (!data.empty()) {
    std::size_t n = std::min(data.size(), read_size_);
    std::memcpy(write_ptr(), data.data(), n);
    commit(n, sink);
    data.remove_prefix(n);
  }
}

void LineFramer::flush_partial(PieceSink& sink) {
  if (begin_ == end_) return;
  emit(end_ - begin_, false, sink);
  sink.end_of_pieces();
  begin_ = end_ = scanned_ = 0;
}

void LineFramer::finish(PieceSink& sink) {
  if (begin_ == end_ && !line_open_) return;
  if (!buf_) write_ptr();
  emit(end_ - begin_, true, sink, /*unterminated=*/true);
  sink.end_of_pieces();
  begin_ = end_ = scanned_ = 0;
}

}  // namespace mj
