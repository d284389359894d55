// StoredEntryCounter, which tells the companion what a dead journald had stored, against
// journal files a real journald wrote: one of them changed to hold what a journald
// killed inside journal_file_link_entry() leaves behind, an entry in the file's list of
// entries that the index of its _PID value does not reach yet. A count that misses it
// makes the companion send it again, and the journal then holds it twice.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "core/journald/stored_entry_counter.h"
#include "journald_instance.h"

namespace mj::test {
namespace {

// n entries "MESSAGE=entry <i>" from this process to a journald's native socket.
void send_entries(const std::string& socket_path, int n) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  struct sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  for (int i = 0; i < n; ++i) {
    std::string entry = "MESSAGE=entry " + std::to_string(i) + "\n";
    ASSERT_EQ(::sendto(fd, entry.data(), entry.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
              static_cast<ssize_t>(entry.size()));
  }
  ::close(fd);
}

std::uint64_t le64(const std::string& b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

void put_le64(std::string& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}

// Takes the newest entry out of the index of the data object `value` (e.g. "_PID=42")
// in a closed journal file: its n_entries one less, as when journald died between
// linking the entry and linking that item (systemd's journal-def.h: a DataObject is a
// 16-byte object header, then hash, next_hash_offset, next_field_offset, entry_offset,
// entry_array_offset and n_entries, 8 bytes each, then the payload; compact files, header
// incompatible flag 1 << 4, put two 32-bit fields before the payload). Returns "" or
// what went wrong.
std::string unindex_newest_entry(const std::string& path, const std::string& value) {
  std::string b;
  {
    std::ifstream in(path, std::ios::binary);
    b.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (b.size() < 16 || b.compare(0, 8, "LPKSHHRH") != 0) return path + " is not a journal file";
  const bool compact = (static_cast<unsigned char>(b[12]) & 0x10) != 0;
  const std::size_t payload_at = compact ? 72 : 64;
  for (std::size_t p = b.find(value); p != std::string::npos; p = b.find(value, p + 1)) {
    if (p < payload_at) continue;
    std::size_t object = p - payload_at;
    // A data object (type 1) whose payload is exactly `value`, not a longer one it begins.
    if (b[object] != 1 || le64(b, object + 8) != payload_at + value.size()) continue;
    std::uint64_t n = le64(b, object + 56);
    if (n < 2) return value + " is in fewer than two entries";
    put_le64(b, object + 56, n - 1);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
    return out ? "" : "cannot write " + path;
  }
  return "no data object " + value + " in " + path;
}

TEST(StoredEntryCounterTest, CountsAnEntryJournaldListedButDidNotIndexBeforeItDied) {
  std::string why = journald_unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  JournaldInstance journald("unindexed");
  StoredEntryCounter before_the_death(journald.name());
  const std::string pid = "_PID=" + std::to_string(::getpid());
  send_entries(journald.socket_path(), 5);
  ASSERT_EQ(journald.entries({pid}, 5).size(), 5u);
  auto counted = before_the_death.count();
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(*counted, 5u);

  journald.stop(SIGTERM);  // its files closed, then changed as a SIGKILL could have left them
  std::string changed = "no journal file";
  for (const auto& f : std::filesystem::directory_iterator(journald.directory()))
    if (f.path().extension() == ".journal") changed = unindex_newest_entry(f.path(), pid);
  ASSERT_EQ(changed, "");
  // A match on _PID now finds four; every entry is still in the journal.
  ASSERT_EQ(journald.entries({pid}, 5, std::chrono::milliseconds(500)).size(), 4u);
  ASSERT_EQ(journald.entries({"MESSAGE=entry 4"}, 1).size(), 1u);

  // The count of a counter made before, resuming from the entry it last counted, and of
  // a new one: five each, so that nothing is sent again.
  counted = before_the_death.count();
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(*counted, 5u);
  StoredEntryCounter fresh(journald.name());
  counted = fresh.count();
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(*counted, 5u);
  // Counting again finds nothing new, and counts nothing twice.
  EXPECT_EQ(*fresh.count(), 5u);
}

}  // namespace
}  // namespace mj::test
