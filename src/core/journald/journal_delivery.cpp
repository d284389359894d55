#include "core/journald/journal_delivery.h"

#include "core/entry/native_encoding.h"

namespace mj {

void JournalDelivery::deliver_batch(int stream, const EntryIov* entries, const std::size_t* message_bytes,
                                    std::size_t n, DeliveryOutcome* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = deliver(stream, entries[i].iov, entries[i].iovcnt, message_bytes[i]);
}

DeliveryOutcome BlockingDelivery::deliver(int, const struct iovec* iov, int iovcnt, std::size_t) {
  return socket_.send(iov, iovcnt, wait_) == SendOutcome::kSent ? DeliveryOutcome::kSent : DeliveryOutcome::kLost;
}

void BlockingDelivery::deliver_batch(int, const EntryIov* entries, const std::size_t*, std::size_t n,
                                     DeliveryOutcome* out) {
  sent_.resize(n);
  socket_.send_batch(entries, n, wait_, sent_.data());
  for (std::size_t i = 0; i < n; ++i) out[i] = sent_[i] == SendOutcome::kSent ? DeliveryOutcome::kSent : DeliveryOutcome::kLost;
}

void BlockingDelivery::finish(WaitControl& wait) { (void)socket_.settle(wait); }

int DroppingDelivery::register_stream(const std::string& common_fields, StreamKind kind) {
  streams_.push_back(Stream{common_fields, kind, {}});
  return static_cast<int>(streams_.size() - 1);
}

std::string DroppingDelivery::gap_entry(const Stream& s) const {
  std::string e = s.common_fields;
  append_field(e, "PRIORITY", "4");
  append_field(e, "MESSAGE",
               "mesos-journald-pipe dropped " + std::to_string(s.gap.entries) + " entries (" +
                   std::to_string(s.gap.bytes) + " bytes) of " + stream_file_name(s.kind) +
                   ": journald did not keep up and the buffer was full");
  append_field(e, "MESOS_JOURNALD_DROPPED_ENTRIES", std::to_string(s.gap.entries));
  append_field(e, "MESOS_JOURNALD_DROPPED_BYTES", std::to_string(s.gap.bytes));
  append_field(e, "MESOS_JOURNALD_DROPPED_FIRST_USEC", std::to_string(s.gap.first_usec));
  append_field(e, "MESOS_JOURNALD_DROPPED_LAST_USEC", std::to_string(s.gap.last_usec));
  return e;
}

void DroppingDelivery::enqueue(std::string entry) {
  queued_bytes_ += entry.size();
  queue_.push_back(std::move(entry));
}

void DroppingDelivery::close_gaps() {
  // A gap entry goes where the gap is in the stream: after what was queued before the
  // drops, before what is queued after them. It may exceed the buffer by its own size.
  for (Stream& s : streams_) {
    if (s.gap.entries == 0) continue;
    enqueue(gap_entry(s));
    ++stats_.gaps;
    s.gap = Gap{};
  }
}

void DroppingDelivery::flush() {
  while (!queue_.empty()) {
    struct iovec iov = {queue_.front().data(), queue_.front().size()};
    last_ = socket_.try_send(&iov, 1);
    if (last_ == TryOutcome::kBusy || last_ == TryOutcome::kDown) return;
    if (last_ == TryOutcome::kRejected) ++stats_.lost_at_exit;  // cannot ever be sent
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
  }
}

DeliveryOutcome DroppingDelivery::deliver(int stream, const struct iovec* iov, int iovcnt, std::size_t message_bytes) {
  Stream& s = streams_[static_cast<std::size_t>(stream)];
  if (queue_.empty() && s.gap.entries == 0) {
    last_ = socket_.try_send(iov, iovcnt);  // the common case: no copy at all
    if (last_ == TryOutcome::kSent) return DeliveryOutcome::kSent;
    if (last_ == TryOutcome::kRejected) return DeliveryOutcome::kLost;
  }
  std::size_t size = iov_size(iov, iovcnt);
  if (queued_bytes_ + size <= capacity_) {
    if (dropping_reported_) {
      dropping_reported_ = false;
      diag_.report("journald keeps up again; gaps are marked in the journal");
    }
    close_gaps();
    enqueue(join_iov(iov, iovcnt));
    return DeliveryOutcome::kQueued;
  }
  if (!dropping_reported_) {
    dropping_reported_ = true;
    diag_.report("journald does not keep up and the buffer (" + std::to_string(capacity_) +
                 " bytes) is full: dropping entries, counting them");
  }
  std::uint64_t now = realtime_usec();
  if (s.gap.entries == 0) s.gap.first_usec = now;
  s.gap.last_usec = now;
  ++s.gap.entries;
  s.gap.bytes += message_bytes;
  ++stats_.dropped_entries;
  stats_.dropped_bytes += message_bytes;
  return DeliveryOutcome::kLost;
}

int DroppingDelivery::writable_fd() const {
  return !queue_.empty() && last_ == TryOutcome::kBusy ? socket_.fd() : -1;
}

std::optional<Clock::time_point> DroppingDelivery::wakeup_at() const {
  bool waiting = !queue_.empty();
  for (const Stream& s : streams_) waiting |= s.gap.entries > 0;
  if (!waiting || last_ == TryOutcome::kBusy) return std::nullopt;
  return last_ == TryOutcome::kDown ? socket_.retry_at() : Clock::now();
}

void DroppingDelivery::on_ready() {
  flush();
  if (queue_.empty()) {
    close_gaps();
    flush();
  }
}

void DroppingDelivery::finish(WaitControl& wait) {
  close_gaps();
  while (!queue_.empty()) {
    struct iovec iov = {queue_.front().data(), queue_.front().size()};
    if (socket_.send(&iov, 1, wait) != SendOutcome::kSent) break;
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
  }
  stats_.lost_at_exit += queue_.size();
  queue_.clear();
  queued_bytes_ = 0;
  (void)socket_.settle(wait);
}

}  // namespace mj
