// StoredEntryCounter, which tells the companion what a dead journald had stored, against
// journal files a real journald wrote: one of them changed to hold what a journald
// killed inside journal_file_link_entry() leaves behind, an entry in the file's list of
// entries that the index of its _PID value does not reach yet (journal_file_edit.h).
#include <signal.h>
#include <systemd/sd-id128.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "core/journald/stored_entry_counter.h"
#include "journal_file_edit.h"
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

std::string boot_id() {
  sd_id128_t id;
  char text[SD_ID128_STRING_MAX];
  return sd_id128_get_boot(&id) >= 0 ? sd_id128_to_string(id, text) : "";
}

// Counted as before (7 of 8: the eighth is sent again, so that a reader whose match does
// not find it still gets it), and reported as the partly indexed entry it is, with its
// own time, so that the copy can name it.
TEST(StoredEntryCounterTest, ReportsAnEntryJournaldListedButDidNotIndexBeforeItDied) {
  std::string why = journald_unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  JournaldInstance journald("partly");
  // A counter that counted three entries before (the companion's after an earlier
  // restart), resuming from the last of them, and, below, a new one.
  StoredEntryCounter before_the_death(journald.name());
  const std::string pid = "_PID=" + std::to_string(::getpid());
  send_entries(journald.socket_path(), 3);
  ASSERT_EQ(journald.entries({pid}, 3).size(), 3u);
  auto counted = before_the_death.count();
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(counted->count, 3u);
  EXPECT_TRUE(counted->partly_indexed.empty());
  send_entries(journald.socket_path(), 5);  // "entry 0" .. "entry 4": "entry 4" is the newest
  auto stored = journald.entries({pid}, 8);
  ASSERT_EQ(stored.size(), 8u);

  journald.stop(SIGTERM);  // its files closed, then changed as a SIGKILL could have left them
  ASSERT_EQ(unindex_newest_entry_in(journald.directory(), pid), "");
  // A match on _PID now finds seven; the eighth is still in the journal, and a match on
  // another of its values finds it.
  ASSERT_EQ(journald.entries({pid}, 8, std::chrono::milliseconds(500)).size(), 7u);
  auto newest = journald.entries({"MESSAGE=entry 4"}, 1);
  ASSERT_EQ(newest.size(), 1u);
  const std::uint64_t newest_usec = std::stoull(field(newest[0], "__MONOTONIC_TIMESTAMP"));
  EXPECT_EQ(field(stored[7], "__MONOTONIC_TIMESTAMP"), field(newest[0], "__MONOTONIC_TIMESTAMP"));

  // Seven each, and the eighth reported, every time it is asked.
  StoredEntryCounter fresh(journald.name());
  for (StoredEntryCounter* c : {&before_the_death, &fresh, &fresh}) {
    counted = c->count();
    ASSERT_TRUE(counted) << counted.error().message;
    EXPECT_EQ(counted->count, 7u);
    ASSERT_EQ(counted->partly_indexed.size(), 1u);
    EXPECT_EQ(counted->partly_indexed[0].monotonic_usec, newest_usec);
    EXPECT_EQ(counted->partly_indexed[0].message, "entry 4");
    EXPECT_EQ(counted->partly_indexed[0].boot_id, boot_id());
  }
}

// Entries the match finds are never reported, and another process's entries are not ours.
TEST(StoredEntryCounterTest, ReportsNothingWhenEveryEntryIsIndexed) {
  std::string why = journald_unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  JournaldInstance journald("indexed");
  StoredEntryCounter counter(journald.name());
  send_entries(journald.socket_path(), 3);
  ASSERT_EQ(journald.entries({"_PID=" + std::to_string(::getpid())}, 3).size(), 3u);
  journald.stop(SIGKILL);
  journald.start();
  auto counted = counter.count();
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(counted->count, 3u);
  EXPECT_TRUE(counted->partly_indexed.empty());
}

}  // namespace
}  // namespace mj::test
