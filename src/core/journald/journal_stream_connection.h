// One connection to journald's stream socket, the protocol behind systemd's own
// StandardOutput=journal and systemd-cat: a header of seven lines, then the output as
// it is. journald splits it into lines itself, and adds to every line the fields of the
// sending process's unit (LogExtraFields=), so the Mesos fields arrive without being
// sent per line (see docs/systemd.md, "Stream transport").
//
// Lossless as far as the socket can tell: while journald is absent or its buffer full,
// write() waits and retries (reconnecting and sending the header again) until the bytes
// are written or the caller's deadline passes. What a connection that breaks took with
// it cannot be known; it is bounded by the socket's buffer and reported as at risk.
// journald running under systemd keeps its stream connections across its own restarts
// (the fd store), so there they do not break; finish() keeps ours open until journald
// has read everything, so that the fd store does not drop unread bytes either.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/diagnostics.h"
#include "core/base/unique_fd.h"
#include "core/base/wait_control.h"
#include "core/journald/journal_socket.h"
#include "core/journald/reconnect.h"

namespace mj {

struct StreamHeader {
  std::string identifier;     // SYSLOG_IDENTIFIER of every line
  int priority = 6;           // PRIORITY of lines without a level prefix
  bool level_prefix = false;  // journald takes a leading <N> as the line's priority
};

// The header's bytes, as journald's stdout_stream_line() reads them.
std::string encode_stream_header(const StreamHeader& header);

// journald's stream socket next to a native socket path (".../socket" -> ".../stdout").
std::string stream_socket_path(const std::string& native_socket_path);

struct JournalStreamStats {
  std::uint64_t bytes = 0;           // output bytes written to journald
  std::uint64_t connections = 0;     // connections made (1 without trouble)
  std::uint64_t broken = 0;          // connections that broke under us
  std::uint64_t at_risk_bytes = 0;   // written to connections that broke: maybe not stored
  std::uint64_t lost_bytes = 0;      // never written: the deadline passed first
};

class JournalStreamConnection {
 public:
  JournalStreamConnection(std::string path, StreamHeader header, Diagnostics& diag);

  // Writes all of `data`. kGaveUp: the deadline passed; the rest counts as lost.
  SendOutcome write(std::string_view data, WaitControl& wait);

  // Before closing: waits (as `wait` allows) until journald has read everything written.
  // Closing earlier would be fine while journald runs, but while it restarts the
  // connection waits in systemd's fd store, which drops it, unread bytes and all, as
  // soon as our end closes. What is still unread at the deadline is counted at risk.
  void finish(WaitControl& wait);

  const JournalStreamStats& stats() const { return stats_; }
  const std::string& path() const { return path_; }

 private:
  bool connect_now();
  void on_broken(int err, const char* what);
  // Waits until the socket is writable, the interrupt fd handled on the way; false once
  // the deadline passed.
  bool wait_writable(WaitControl& wait);
  // Bytes written that journald has not read yet (the kernel's count, in buffer units).
  std::uint64_t unread() const;

  std::string path_;
  std::string header_;
  Diagnostics& diag_;
  UniqueFd fd_;
  std::size_t header_left_ = 0;      // header bytes still to send on this connection
  std::uint64_t connection_bytes_ = 0;  // output bytes written on this connection
  std::uint64_t risk_window_ = 0;    // what one connection can hold unread
  Reconnect reconnect_;
  JournalStreamStats stats_;
};

}  // namespace mj
