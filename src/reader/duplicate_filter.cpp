#include "reader/duplicate_filter.h"

#include <string_view>

namespace mj {
namespace {

class Fnv {
 public:
  explicit Fnv(std::uint64_t start) : h_(start) {}
  // Each value with its length first, so that ("ab", "c") and ("a", "bc") differ.
  void add(std::string_view v) {
    add_u64(v.size());
    for (unsigned char c : v) byte(c);
  }
  void add_u64(std::uint64_t n) {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>(n >> (8 * i)));
  }
  std::uint64_t value() const { return h_; }

 private:
  void byte(unsigned char c) { h_ = (h_ ^ c) * 0x100000001b3ULL; }
  std::uint64_t h_;
};

template <typename F>
void hash_fields(const JournalRecord& r, F& f) {
  f.add(r.boot_id);
  // A copy the companion sent again after journald died is keyed with its original's
  // time, which makes it the original's equal (duplicate_filter.h).
  f.add_u64(r.resend_of_monotonic_usec != 0 ? r.resend_of_monotonic_usec : r.monotonic_usec);
  f.add(r.pid);
  f.add(r.message);
  f.add_u64(static_cast<std::uint64_t>(r.stream));
  f.add(r.ids.task_id);
  f.add(r.ids.framework_id);
  f.add(r.ids.executor_id);
  f.add(r.ids.container_id);
  f.add(r.ids.agent_id);
  f.add(r.partial_id);
  f.add_u64(r.ordinal);
  f.add_u64((r.partial_last ? 1u : 0u) | (r.no_newline ? 2u : 0u) | (r.gap ? 4u : 0u));
  if (r.gap) {
    f.add_u64(r.gap->entries);
    f.add_u64(r.gap->bytes);
    f.add_u64(r.gap->first_usec);
    f.add_u64(r.gap->last_usec);
  }
}

// Whether the key below is unique per write: only for the companion's native-protocol
// entries (duplicate_filter.h); a stream connection stamps many lines with one time.
bool keyed_per_write(const JournalRecord& r) {
  return r.native_protocol && r.stream != ReaderStream::kUnknown && !r.boot_id.empty() && r.monotonic_usec != 0;
}

}  // namespace

DuplicateFilter::Key DuplicateFilter::key_of(const JournalRecord& r) {
  Fnv a(0xcbf29ce484222325ULL), b(0x84222325cbf29ce4ULL);
  hash_fields(r, a);
  hash_fields(r, b);
  return Key{a.value(), b.value()};
}

bool DuplicateFilter::seen_before(const JournalRecord& r) {
  if (window_ == 0 || !keyed_per_write(r)) return false;
  Key k = key_of(r);
  if (keys_.count(k)) return true;
  keys_.insert(k);
  order_.push_back(k);
  if (order_.size() > window_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  return false;
}

}  // namespace mj
