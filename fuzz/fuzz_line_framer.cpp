// mj::LineFramer on random bytes, fed in random chunk sizes (through feed() and through
// write_ptr()/commit()), with random max_line_bytes and read sizes and random
// flush_partial()/finish() calls.
//
// Invariants:
//  - the pieces, each followed by '\n' when its line ended with a '\n' (a last piece
//    emitted by commit/feed; finish() ends a line without one), reproduce the input;
//  - no piece is longer than max_line_bytes, none contains '\n';
//  - first/last are consistent: a piece is first exactly when no line is open, and
//    line_open() agrees; only a last piece may be empty;
//  - pending_bytes() never exceeds max_line_bytes; after finish() nothing is pending.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>
#include <string>

#include "core/framing/line_framer.h"
#include "fuzz_check.h"

namespace {

struct CheckingSink final : mj::PieceSink {
  std::size_t max_line = 1;
  bool ending_by_finish = false;  // pieces now come from finish()
  bool open = false;
  std::string rebuilt;
  std::size_t pieces = 0;

  void on_piece(const mj::LinePiece& p) override {
    ++pieces;
    FUZZ_CHECK(p.data.size() <= max_line, "piece of %zu bytes, max_line_bytes %zu", p.data.size(), max_line);
    FUZZ_CHECK(std::memchr(p.data.data(), '\n', p.data.size()) == nullptr, "piece contains a newline");
    FUZZ_CHECK(p.first == !open, "first=%d while a line is %s", p.first, open ? "open" : "closed");
    FUZZ_CHECK(p.last || !p.data.empty(), "empty piece that does not end its line");
    rebuilt.append(p.data);
    if (p.last && !ending_by_finish) rebuilt.push_back('\n');
    open = !p.last;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // Mostly tiny lines, so that cutting happens; sometimes large ones.
  std::size_t max_line = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::size_t>(0, 16)
                                          : in.ConsumeIntegralInRange<std::size_t>(0, 5000);
  std::size_t read_size = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::size_t>(0, 16)
                                           : in.ConsumeIntegralInRange<std::size_t>(0, 70000);
  mj::LineFramer framer(max_line, read_size);
  CheckingSink sink;
  sink.max_line = max_line == 0 ? 1 : max_line;  // the framer's documented minimum
  std::size_t effective_read = read_size == 0 ? 1 : read_size;
  FUZZ_CHECK(framer.write_capacity() == effective_read, "write_capacity %zu, read size %zu",
             framer.write_capacity(), effective_read);

  std::string input;
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
        framer.flush_partial(sink);
        FUZZ_CHECK(framer.pending_bytes() == 0, "bytes pending after flush_partial");
        break;
      case 1:
        sink.ending_by_finish = true;
        framer.finish(sink);
        sink.ending_by_finish = false;
        FUZZ_CHECK(framer.pending_bytes() == 0 && !framer.line_open(), "state left after finish");
        break;
      case 2:
      case 3:
      case 4: {  // read() straight into the framer's buffer
        std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, framer.write_capacity());
        std::string chunk = in.ConsumeBytesAsString(n);
        char* p = framer.write_ptr();
        std::memcpy(p, chunk.data(), chunk.size());
        framer.commit(chunk.size(), sink);
        input += chunk;
        break;
      }
      default: {  // feed(): any size, copied through the buffer
        std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 3 * effective_read + 64);
        std::string chunk = in.ConsumeBytesAsString(n);
        framer.feed(chunk, sink);
        input += chunk;
        break;
      }
    }
    FUZZ_CHECK(framer.pending_bytes() <= sink.max_line, "%zu bytes pending, max_line_bytes %zu",
               framer.pending_bytes(), sink.max_line);
    FUZZ_CHECK(framer.line_open() == sink.open, "line_open() %d, pieces say %d", framer.line_open(), sink.open);
  }
  sink.ending_by_finish = true;
  framer.finish(sink);
  FUZZ_CHECK(!sink.open, "line still open after finish");
  FUZZ_CHECK(sink.rebuilt == input, "pieces rebuild %zu bytes, input was %zu bytes", sink.rebuilt.size(),
             input.size());
  return 0;
}
