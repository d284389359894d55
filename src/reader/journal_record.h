// One journal entry of the companion, reduced to what the reader uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mj {

enum class ReaderStream { kStdout, kStderr, kUnknown };  // kUnknown: no STREAM field

// The Mesos ids an entry carries (empty when absent).
struct MesosIds {
  std::string task_id;
  std::string framework_id;
  std::string executor_id;
  std::string container_id;
  std::string agent_id;
};

// MESOS_JOURNALD_DROPPED_*: the companion dropped entries under --overflow drop.
struct GapInfo {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t first_usec = 0;
  std::uint64_t last_usec = 0;
};

struct JournalRecord {
  std::uint64_t time_usec = 0;  // when journald stored it (realtime)
  // Where and when its journald stored it: the same on a collector (systemd-journal-remote
  // keeps them), so that copies of a native-protocol entry can be told (duplicate_filter.h).
  std::string boot_id;          // _BOOT_ID, 32 hex digits
  std::uint64_t monotonic_usec = 0;
  std::string pid;              // _PID
  // _TRANSPORT=journal: sent over the native protocol, where one datagram is one
  // journald event and the companion never puts two otherwise-equal entries into one.
  // Entries of a stream connection (_TRANSPORT=stdout) share the time of the read that
  // brought them, and nothing else tells two equal lines apart (duplicate_filter.h).
  bool native_protocol = false;
  ReaderStream stream = ReaderStream::kUnknown;
  std::string message;          // any bytes
  MesosIds ids;
  // CONTAINER_PARTIAL_*: set on the pieces of a split or flushed line.
  std::string partial_id;
  unsigned ordinal = 0;
  bool partial_last = false;
  bool no_newline = false;      // MESOS_JOURNALD_NO_NEWLINE=true
  // MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC: this entry is the companion's copy of one
  // that a journald killed while storing it had left partly indexed; the original's
  // monotonic time (same boot). 0 on every other entry.
  std::uint64_t resend_of_monotonic_usec = 0;
  std::optional<GapInfo> gap;
};

const char* stream_name(ReaderStream s);  // "stdout", "stderr", "-"

}  // namespace mj
