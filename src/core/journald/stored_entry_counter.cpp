#include "core/journald/stored_entry_counter.h"

#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string_view>
#include <thread>

#include "core/base/shared_library.h"
#include "core/base/wait_control.h"
#include "core/journald/journal_files.h"
#include "core/journald/settled_read.h"

namespace mj {

// libsystemd, loaded only when a journald has died: a companion starts and idles without
// mapping it and the half-dozen libraries it pulls in.
struct SdJournalApi {
  SharedLibrary lib;
  decltype(&::sd_journal_open_namespace) open_namespace = nullptr;
  decltype(&::sd_journal_close) close = nullptr;
  decltype(&::sd_journal_add_match) add_match = nullptr;
  decltype(&::sd_journal_seek_realtime_usec) seek_realtime_usec = nullptr;
  decltype(&::sd_journal_seek_cursor) seek_cursor = nullptr;
  decltype(&::sd_journal_seek_tail) seek_tail = nullptr;
  decltype(&::sd_journal_next) next = nullptr;
  decltype(&::sd_journal_previous) previous = nullptr;
  decltype(&::sd_journal_test_cursor) test_cursor = nullptr;
  decltype(&::sd_journal_get_cursor) get_cursor = nullptr;
  decltype(&::sd_journal_get_realtime_usec) get_realtime_usec = nullptr;
  decltype(&::sd_journal_has_runtime_files) has_runtime_files = nullptr;
  decltype(&::sd_journal_has_persistent_files) has_persistent_files = nullptr;
  decltype(&::sd_journal_flush_matches) flush_matches = nullptr;
  decltype(&::sd_journal_get_data) get_data = nullptr;
  decltype(&::sd_journal_get_monotonic_usec) get_monotonic_usec = nullptr;
  decltype(&::sd_journal_set_data_threshold) set_data_threshold = nullptr;
  decltype(&::sd_journal_restart_data) restart_data = nullptr;
  decltype(&::sd_journal_enumerate_data) enumerate_data = nullptr;
  decltype(&::sd_id128_get_machine) get_machine = nullptr;
  bool loaded = false;

  Status load() {
    if (loaded) return Status::success();
    if (Status s = lib.open("libsystemd.so.0"); !s) return s;
    bool ok = lib.resolve(open_namespace, "sd_journal_open_namespace") && lib.resolve(close, "sd_journal_close") &&
              lib.resolve(add_match, "sd_journal_add_match") &&
              lib.resolve(seek_realtime_usec, "sd_journal_seek_realtime_usec") &&
              lib.resolve(seek_cursor, "sd_journal_seek_cursor") && lib.resolve(seek_tail, "sd_journal_seek_tail") &&
              lib.resolve(next, "sd_journal_next") && lib.resolve(previous, "sd_journal_previous") &&
              lib.resolve(test_cursor, "sd_journal_test_cursor") && lib.resolve(get_cursor, "sd_journal_get_cursor") &&
              lib.resolve(get_realtime_usec, "sd_journal_get_realtime_usec") &&
              lib.resolve(has_runtime_files, "sd_journal_has_runtime_files") &&
              lib.resolve(has_persistent_files, "sd_journal_has_persistent_files") &&
              lib.resolve(flush_matches, "sd_journal_flush_matches") && lib.resolve(get_data, "sd_journal_get_data") &&
              lib.resolve(get_monotonic_usec, "sd_journal_get_monotonic_usec") &&
              lib.resolve(set_data_threshold, "sd_journal_set_data_threshold") &&
              lib.resolve(restart_data, "sd_journal_restart_data") &&
              lib.resolve(enumerate_data, "sd_journal_enumerate_data") &&
              lib.resolve(get_machine, "sd_id128_get_machine");
    if (!ok) return Error{"libsystemd lacks " + lib.missing()};
    loaded = true;
    return Status::success();
  }
};

namespace {

// What a cursor says of an entry but for its place: "b=boot;m=monotonic;t=realtime;x=hash
// of its contents" without "s=seqnum id;i=seqnum;", which a second copy has of its own.
// "" for a cursor of another form.
std::string same_entry_key(std::string_view cursor) {
  const std::size_t b = cursor.find(";b=");
  return b == std::string_view::npos || cursor.find(";x=", b) == std::string_view::npos ? std::string()
                                                                                        : std::string(cursor.substr(b + 1));
}

std::string id128_hex(const sd_id128_t& id) {
  std::string hex;
  for (std::uint8_t b : id.bytes) {
    hex.push_back("0123456789abcdef"[b >> 4]);
    hex.push_back("0123456789abcdef"[b & 15]);
  }
  return hex;
}

Result<std::string> boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string uuid, id;
  if (!(in >> uuid)) return Error{"cannot read /proc/sys/kernel/random/boot_id"};
  for (char c : uuid)
    if (c != '-') id.push_back(c);
  return id;
}

}  // namespace

StoredEntryCounter::StoredEntryCounter(std::string journal_namespace)
    : namespace_(std::move(journal_namespace)),
      since_usec_(realtime_usec()),
      seek_usec_(since_usec_ > 10000000 ? since_usec_ - 10000000 : 0),
      api_(std::make_unique<SdJournalApi>()) {}

void StoredEntryCounter::start_over() {
  cursor_.clear();
  counted_ = 0;
  last_identity_.clear();
  struct timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  from_monotonic_usec_ = static_cast<std::uint64_t>(ts.tv_sec) * 1000000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
  const std::uint64_t now = realtime_usec();
  seek_usec_ = now > 10000000 ? now - 10000000 : 0;
}

StoredEntryCounter::~StoredEntryCounter() = default;

Result<StoredEntries> StoredEntryCounter::count() {
  if (Status s = api_->load(); !s) return s.error();
  if (directories_.empty()) {
    sd_id128_t machine{};
    if (int r = api_->get_machine(&machine); r < 0) return Error::from_errno("cannot read the machine id", -r);
    directories_ = journal_directories(id128_hex(machine), namespace_);
  }
  // A read that saw a file renamed or replaced may have missed it (settled_read.h): it is
  // read again, from where the last good one stopped.
  const std::string cursor = cursor_;
  const std::uint64_t counted = counted_;
  const std::string last_identity = last_identity_;
  auto restore = [&] {
    cursor_ = cursor;
    counted_ = counted;
    last_identity_ = last_identity;
  };
  Result<StoredEntries> stored = read_settled<StoredEntries>(
      [this] { return list_journal_files(directories_); },
      [&] {
        restore();
        return count_once();
      },
      [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); });
  if (!stored) {
    restore();
    return stored;
  }
  // The newest entry the match found, looked up by each of its own values (see
  // look_up_by_every_value()): a read of its own, taken only if no file changed under it,
  // as the count's are, but tried twice at most: the count that came before it just
  // found the files settled. If it cannot be done the entry stays counted, as before
  // the look-up.
  if (!unverified_.empty()) {
    Result<std::optional<PartlyIndexedEntry>> partly = read_settled<std::optional<PartlyIndexedEntry>>(
        [this] { return list_journal_files(directories_); }, [this] { return look_up_by_every_value(unverified_); },
        [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }, SettlePolicy{2});
    if (partly && *partly) {
      --stored->count;
      --counted_;  // and never counted later: the next read resumes after it
      stored->partly_indexed.insert(stored->partly_indexed.begin(), std::move(**partly));
    }
    unverified_.clear();
  }
  return stored;
}

bool StoredEntryCounter::received_since(::sd_journal* j, std::uint64_t monotonic_usec) const {
  std::uint64_t usec = 0;
  sd_id128_t boot{};
  // Our entries are this boot's (the match on _BOOT_ID): one clock.
  return api_->get_monotonic_usec(j, &usec, &boot) >= 0 && usec >= monotonic_usec;
}

Result<StoredEntryCounter::JournalPtr> StoredEntryCounter::open_journal() const {
  sd_journal* raw = nullptr;
  int r = api_->open_namespace(&raw, namespace_.empty() ? nullptr : namespace_.c_str(), SD_JOURNAL_LOCAL_ONLY);
  if (r < 0) return Error::from_errno("cannot open the journal to check what journald stored", -r);
  return JournalPtr(raw, JournalCloser{api_.get()});
}

void StoredEntryCounter::JournalCloser::operator()(::sd_journal* j) const {
  api->close(j);
}

Result<StoredEntries> StoredEntryCounter::count_once() {
  const SdJournalApi& sd = *api_;
  auto j = open_journal();
  if (!j) return j.error();
  int r = 0;
  // sd-journal skips files it may not open (EACCES) without failing: a companion that
  // runs as the task's user sees an empty journal, which is not the same as a journal
  // without our entries.
  if (sd.has_runtime_files(j->get()) <= 0 && sd.has_persistent_files(j->get()) <= 0) {
    std::string journal = namespace_.empty() ? std::string("the default journal") : "namespace " + namespace_;
    return Error{"no journal file of " + journal + " is readable by uid " + std::to_string(::geteuid())};
  }

  auto boot = boot_id();
  if (!boot) return boot.error();
  std::string pid = "_PID=" + std::to_string(::getpid());
  std::string boot_match = "_BOOT_ID=" + *boot;
  // Whole MESSAGE values for the partly indexed entries (sd-journal cuts them at 64 KiB).
  (void)sd.set_data_threshold(j->get(), 0);
  if ((r = sd.add_match(j->get(), pid.data(), pid.size())) < 0 ||
      (r = sd.add_match(j->get(), boot_match.data(), boot_match.size())) < 0)
    return Error::from_errno("cannot filter the journal", -r);

  if (cursor_.empty()) {
    r = sd.seek_realtime_usec(j->get(), seek_usec_);
  } else {
    r = sd.seek_cursor(j->get(), cursor_.c_str());
    if (r >= 0) {
      r = sd.next(j->get());  // the entry the cursor names was counted already
      if (r > 0 && sd.test_cursor(j->get(), cursor_.c_str()) <= 0) {
        // The cursor's entry is gone (rotated away): count again from the start.
        cursor_.clear();
        counted_ = 0;
        last_identity_.clear();
        return count_once();
      }
    }
  }
  if (r < 0) return Error::from_errno("cannot seek in the journal", -r);

  std::uint64_t n = counted_;
  std::string newest_counted;  // the cursor of the last entry counted by this read
  while ((r = sd.next(j->get())) > 0) {
    std::uint64_t usec = 0;
    if (cursor_.empty() && sd.get_realtime_usec(j->get(), &usec) >= 0 && usec + 10000000 < since_usec_)
      continue;  // a pid-reusing predecessor's entries, received before we started
    if (from_monotonic_usec_ > 0 && !received_since(j->get(), from_monotonic_usec_)) continue;
    // journald stores an entry twice when its file fills up as it links the entry
    // (stored_entry_counter.h): the copy comes right after the first, with the same
    // times and contents. Two entries this process sent never share both (journald
    // stamps each datagram anew, and a datagram holds no two equal entries), so an entry
    // that does is that copy, and counting it would hide an entry that is missing.
    char* c = nullptr;
    std::string cursor;
    if (sd.get_cursor(j->get(), &c) >= 0 && c) {
      cursor = c;
      ::free(c);
      std::string identity = same_entry_key(cursor);
      if (!identity.empty() && identity == last_identity_) continue;
      last_identity_ = std::move(identity);
    }
    newest_counted = std::move(cursor);
    ++n;
  }
  if (r < 0) return Error::from_errno("cannot read the journal", -r);
  // The cursor of the last entry counted, to resume from. (sd_journal_previous() after
  // the end would step back past it: seek to the tail instead.)
  char* c = nullptr;
  std::string newest;
  if (n > counted_ && sd.seek_tail(j->get()) >= 0 && sd.previous(j->get()) > 0 &&
      sd.get_cursor(j->get(), &c) >= 0 && c) {
    newest = c;
    ::free(c);
  }
  // The newest entry of ours may be the one journald was linking when it died, with
  // _PID linked and another of its values not: count() looks it up.
  unverified_ = !newest.empty() && newest == newest_counted ? newest : std::string();
  if (!newest.empty()) {
    cursor_ = newest;
    counted_ = n;
  }
  StoredEntries stored;
  stored.count = n;
  // Without them the count still holds: a partly indexed entry is then sent again
  // unmarked, and a reader whose match found it prints it twice, as before the mark.
  if (Status s = find_partly_indexed(j->get(), pid, *boot, stored.partly_indexed); !s) stored.partly_indexed.clear();
  return stored;
}

// A partly indexed entry (stored_entry_counter.h) can only come after the last entry the
// match found: journald had linked every entry before it completely. So that tail is
// read again without matches, and an entry of ours there is recognised by the values of
// its _PID and _BOOT_ID fields, read from the entry itself rather than through an index.
// After a death that tail is the rest of the dead journald's file: at most what it wrote
// of everyone's entries since our last stored one.
Status StoredEntryCounter::find_partly_indexed(::sd_journal* j, const std::string& pid_match,
                                               const std::string& boot_id, std::vector<PartlyIndexedEntry>& out) {
  const SdJournalApi& sd = *api_;
  sd.flush_matches(j);
  int r = cursor_.empty() ? sd.seek_realtime_usec(j, seek_usec_) : sd.seek_cursor(j, cursor_.c_str());
  if (r < 0) return Error::from_errno("cannot seek in the journal", -r);
  auto value_of = [&](const char* name, std::string_view& value) {
    const void* data = nullptr;
    std::size_t size = 0;
    const std::size_t prefix = std::strlen(name) + 1;  // "NAME="
    if (sd.get_data(j, name, &data, &size) < 0 || size < prefix) return false;
    value = std::string_view(static_cast<const char*>(data) + prefix, size - prefix);
    return true;
  };
  const std::string_view pid = std::string_view(pid_match).substr(std::strlen("_PID="));
  bool first = true;
  while ((r = sd.next(j)) > 0) {
    // The entry the cursor names, found by the match, is where the tail starts.
    if (first && !cursor_.empty() && sd.test_cursor(j, cursor_.c_str()) > 0) {
      first = false;
      continue;
    }
    first = false;
    std::string_view value;
    if (!value_of("_PID", value) || value != pid) continue;
    if (!value_of("_BOOT_ID", value) || value != boot_id) continue;
    std::uint64_t usec = 0;
    if (cursor_.empty() && sd.get_realtime_usec(j, &usec) >= 0 && usec + 10000000 < since_usec_)
      continue;  // a pid-reusing predecessor's entry
    PartlyIndexedEntry e;
    sd_id128_t boot{};
    if ((r = sd.get_monotonic_usec(j, &e.monotonic_usec, &boot)) < 0)
      return Error::from_errno("cannot read an entry's time in the journal", -r);
    if (e.monotonic_usec < from_monotonic_usec_) continue;  // before start_over()
    e.boot_id = boot_id;
    if (value_of("MESSAGE", value)) e.message.assign(value);
    out.push_back(std::move(e));
  }
  if (r < 0) return Error::from_errno("cannot read the journal", -r);
  return Status::success();
}

// journald links an entry into the index of each of its values in the order of their
// data objects in the file (journal_file_link_entry()). _PID's comes after the fields of
// ours when the first entry of ours in the file brought both, so a dying journald leaves
// _PID unlinked first (find_partly_indexed()); but _PID's value can be older than them
// (a pid an earlier process used in the same file), and then it is linked first, and
// the entry is found by our match and not by a reader's on TASK_ID. So the entry the match
// found last is looked up once by each of its own values: a value whose match does not
// find it is one journald had not linked yet. Only the newest needs it: journald links
// one entry at a time, and every entry before the last was linked completely.
Result<std::optional<PartlyIndexedEntry>> StoredEntryCounter::look_up_by_every_value(const std::string& cursor) {
  const SdJournalApi& sd = *api_;
  auto j = open_journal();
  if (!j) return j.error();
  int r = 0;
  (void)sd.set_data_threshold(j->get(), 0);  // whole values: a match takes nothing less
  // Whether the entry is where the current matches lead from its cursor: a match that
  // does not find it finds the next entry with the value, or none.
  auto finds_it = [&]() -> Result<bool> {
    int rr = sd.seek_cursor(j->get(), cursor.c_str());
    if (rr < 0) return Error::from_errno("cannot seek in the journal", -rr);
    if ((rr = sd.next(j->get())) < 0) return Error::from_errno("cannot read the journal", -rr);
    return rr > 0 && sd.test_cursor(j->get(), cursor.c_str()) > 0;
  };
  Result<bool> there = finds_it();
  if (!there) return there.error();
  if (!*there) return Error{"the newest entry of ours is no longer in the journal"};
  std::vector<std::string> values;
  const void* data = nullptr;
  std::size_t size = 0;
  sd.restart_data(j->get());
  while ((r = sd.enumerate_data(j->get(), &data, &size)) > 0) values.emplace_back(static_cast<const char*>(data), size);
  if (r < 0) return Error::from_errno("cannot read an entry in the journal", -r);
  PartlyIndexedEntry e;
  sd_id128_t boot{};
  if ((r = sd.get_monotonic_usec(j->get(), &e.monotonic_usec, &boot)) < 0)
    return Error::from_errno("cannot read an entry's time in the journal", -r);
  e.boot_id = id128_hex(boot);
  for (const std::string& value : values) {
    sd.flush_matches(j->get());
    if ((r = sd.add_match(j->get(), value.data(), value.size())) < 0)
      return Error::from_errno("cannot filter the journal", -r);
    Result<bool> found = finds_it();
    if (!found) return found.error();
    if (*found) continue;
    constexpr std::string_view kMessage = "MESSAGE=";
    for (const std::string& v : values)
      if (v.compare(0, kMessage.size(), kMessage) == 0) e.message = v.substr(kMessage.size());
    return std::optional<PartlyIndexedEntry>(std::move(e));
  }
  return std::optional<PartlyIndexedEntry>();
}

}  // namespace mj
