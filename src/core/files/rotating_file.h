// A sandbox log file (stdout or stderr) that rotates itself by size.
//
// The current file keeps its name; on rotation NAME.1 .. NAME.(N-1) move up one, NAME
// becomes NAME.1 and a fresh NAME is created. A line is never split across two files
// unless it is longer than the size limit: an unterminated line at the end of the old
// file moves to the new one. Everything is relative to a directory fd, nothing follows a
// symlink: the directory belongs to the task, which may plant links in it.
//
// Write errors never propagate: bytes that could not be written are counted and
// reported once per outage. While failing, writing is tried again at most once a second
// (a nearly full filesystem would otherwise take a few bytes now and then, garbling the
// file and the messages); what arrives in between is counted as lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/diagnostics.h"
#include "core/base/result.h"
#include "core/base/unique_fd.h"
#include "core/files/file_reaper.h"

namespace mj {

struct RotationPolicy {
  std::uint64_t max_file_size = 10 * 1024 * 1024;  // >= 1
  unsigned max_files = 5;                           // rotated files kept; 0 keeps none
};

struct RotatingFileStats {
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_lost = 0;
  std::uint64_t rotations = 0;
};

class RotatingFile {
 public:
  // dir_fd is borrowed for the call and duplicated.
  static Result<RotatingFile> open(int dir_fd, std::string name, RotationPolicy policy, Diagnostics& diag);

  void append(std::string_view data);

  const RotatingFileStats& stats() const { return stats_; }
  std::uint64_t size() const { return size_; }

 private:
  RotatingFile(UniqueFd dir, std::string name, RotationPolicy policy, Diagnostics& diag)
      : dir_(std::move(dir)), name_(std::move(name)), policy_(policy), diag_(&diag) {}

  // Writes as much as it can; returns how much, and leaves the reason in error_.
  std::size_t write_some(std::string_view data);
  Status open_current();
  Status shift_rotated();
  // Unlinks name; the inode is let go on the reaper thread (see FileReaper).
  Status remove_file(const std::string& name);
  Status rotate(bool carry_open_line);
  // A new, empty file under the current name, replacing whatever is there.
  Result<UniqueFd> create_replacement();
  void note_lost(std::size_t bytes, const std::string& why);
  void note_ok();

  UniqueFd dir_;
  std::string name_;
  RotationPolicy policy_;
  Diagnostics* diag_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
  std::uint64_t line_start_ = 0;  // offset where the unterminated last line begins
  std::string error_;
  bool failing_ = false;
  std::chrono::steady_clock::time_point retry_at_{};
  std::uint64_t lost_in_outage_ = 0;
  RotatingFileStats stats_;
  std::unique_ptr<FileReaper> reaper_;  // started at the first removal
};

}  // namespace mj
