#include "core/files/rotating_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string.h>  // memrchr

#include <chrono>
#include <cstdio>
#include <cstring>

namespace mj {
namespace {

// Read access too: an open line is copied back out of the file when it moves on rotation.
constexpr int kCreateFlags = O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
constexpr mode_t kFileMode = 0644;

std::string rotated_name(const std::string& name, unsigned i) { return name + "." + std::to_string(i); }

// A name the task cannot plant anything on in advance.
std::string unguessable_suffix() {
  std::uint64_t r = 0;
  if (::getrandom(&r, sizeof r, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof r))
    r = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) * 0x9e3779b97f4a7c15ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
  return hex;
}

}  // namespace

Result<RotatingFile> RotatingFile::open(int dir_fd, std::string name, RotationPolicy policy, Diagnostics& diag) {
  if (policy.max_file_size == 0) return Error{"max file size must be at least 1 byte"};
  UniqueFd dir(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 3));
  if (!dir) return Error::from_errno("cannot duplicate sandbox directory fd");
  RotatingFile file(std::move(dir), std::move(name), policy, diag);
  if (Status s = file.open_current(); !s) return s.error();
  return file;
}

Status RotatingFile::open_current() {
  UniqueFd fd(::openat(dir_.get(), name_.c_str(), kCreateFlags, kFileMode));
  if (!fd) return Error::from_errno("cannot open sandbox file " + name_);
  struct stat st{};
  if (::fstat(fd.get(), &st) < 0) return Error::from_errno("cannot stat sandbox file " + name_);
  if (!S_ISREG(st.st_mode)) return Error{"sandbox file " + name_ + " is not a regular file"};
  fd_ = std::move(fd);
  size_ = static_cast<std::uint64_t>(st.st_size);
  line_start_ = size_;  // what came before us is not ours to move
  return Status::success();
}

Status RotatingFile::shift_rotated() {
  if (policy_.max_files == 0) return remove_file(name_);
  // The oldest goes first, so that no rename below replaces a file: on ext4 a rename
  // over an existing file forces out the renamed file's delayed allocation
  // (auto_da_alloc), which cost 7 ms per rotation of 10 MiB files, doubling the time of
  // a fast writer.
  const std::string oldest = rotated_name(name_, policy_.max_files);
  if (Status s = remove_file(oldest); !s) diag_->report(s.error().message);
  // renameat() acts on links themselves, so a planted symlink is moved, never followed.
  for (unsigned i = policy_.max_files; i > 1; --i) {
    std::string from = rotated_name(name_, i - 1);
    if (::renameat(dir_.get(), from.c_str(), dir_.get(), rotated_name(name_, i).c_str()) < 0 && errno != ENOENT) {
      // Something the task put there (a directory, say); the oldest file is lost, the
      // newer ones still shift.
      diag_->report("cannot rename " + from + ": " + std::strerror(errno));
    }
  }
  if (::renameat(dir_.get(), name_.c_str(), dir_.get(), rotated_name(name_, 1).c_str()) < 0 && errno != ENOENT)
    return Error::from_errno("cannot rename " + name_ + " to " + rotated_name(name_, 1));
  return Status::success();
}

Status RotatingFile::remove_file(const std::string& name) {
  // O_PATH opens nothing (no FIFO or device the task planted is touched) but keeps the
  // inode alive, so the unlink is cheap and the freeing of its blocks happens when the
  // reaper closes the descriptor. O_NOFOLLOW: a planted symlink is held, not its target;
  // unlinkat() removes the link, never what it points to.
  UniqueFd held(::openat(dir_.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (::unlinkat(dir_.get(), name.c_str(), 0) < 0) {
    const int err = errno;
    return err == ENOENT ? Status::success() : Status(Error::from_errno("cannot remove " + name, err));
  }
  if (held) {
    if (!reaper_) reaper_ = std::make_unique<FileReaper>();
    reaper_->close_later(std::move(held));
  }
  return Status::success();
}

Result<UniqueFd> RotatingFile::create_replacement() {
  // Made under a hidden name nobody can guess, then renamed onto the current name:
  // rename() replaces whatever the task planted there since the shift (a link, a FIFO, a
  // file) without following or opening it, so there is no window in which the name can
  // be taken from us.
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string hidden = "." + name_ + "." + unguessable_suffix();
    UniqueFd fd(::openat(dir_.get(), hidden.c_str(), kCreateFlags | O_EXCL, kFileMode));
    if (!fd && errno == EEXIST) continue;
    if (!fd) return Error::from_errno("cannot create " + hidden);
    if (::renameat(dir_.get(), hidden.c_str(), dir_.get(), name_.c_str()) < 0) {
      int err = errno;
      (void)::unlinkat(dir_.get(), hidden.c_str(), 0);
      return Error::from_errno("cannot rename " + hidden + " to " + name_, err);
    }
    return fd;
  }
  return Error{"cannot create a new " + name_ + ": every hidden name tried was taken"};
}

Status RotatingFile::rotate(bool carry_open_line) {
  if (Status s = shift_rotated(); !s) return s;
  UniqueFd old = std::move(fd_);
  const std::uint64_t old_size = size_;
  const std::uint64_t carry_from = carry_open_line ? line_start_ : old_size;
  auto fresh = create_replacement();
  if (!fresh) return fresh.error();
  fd_ = std::move(*fresh);
  size_ = 0;
  line_start_ = 0;
  ++stats_.rotations;
  // The unterminated line moves with its future: copy it over, then cut it from the
  // rotated file. Bytes of it that cannot be copied stay where they were.
  std::uint64_t off = carry_from;
  char buf[64 * 1024];
  while (off < old_size) {
    ssize_t n = ::pread(old.get(), buf, std::min<std::uint64_t>(sizeof buf, old_size - off), static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::string_view chunk(buf, static_cast<std::size_t>(n));
    if (write_some(chunk) != chunk.size()) break;
    off += static_cast<std::uint64_t>(n);
  }
  if (off > carry_from) {
    // A failed cut leaves those bytes in both files: twice, never lost. (A (void) cast
    // does not silence glibc's warn_unused_result, which _FORTIFY_SOURCE turns on.)
    [[maybe_unused]] const int cut = ::ftruncate(old.get(), static_cast<off_t>(carry_from));
  }
  return Status::success();
}

std::size_t RotatingFile::write_some(std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = std::string("cannot write ") + name_ + ": " + std::strerror(n < 0 ? errno : EIO);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += done;
  stats_.bytes_written += done;
  return done;
}

void RotatingFile::append(std::string_view data) {
  if (failing_ && std::chrono::steady_clock::now() < retry_at_) {
    stats_.bytes_lost += data.size();
    lost_in_outage_ += data.size();
    return;
  }
  if (!fd_) {
    // A failed rotation left no file: try again now.
    if (Status s = open_current(); !s) {
      note_lost(data.size(), s.error().message);
      return;
    }
  }
  // Writes data[0, n) and keeps line_start_ right; on failure accounts for all that is
  // left of data.
  auto put = [&](std::size_t n) {
    std::uint64_t before = size_;
    std::size_t done = write_some(data.substr(0, n));
    if (done != n) {
      note_lost(data.size() - done, error_);
      line_start_ = size_;  // the open line's bytes are no longer all ours to move
      return false;
    }
    const void* nl = n ? ::memrchr(data.data(), '\n', n) : nullptr;
    if (nl) line_start_ = before + static_cast<std::uint64_t>(static_cast<const char*>(nl) - data.data()) + 1;
    data.remove_prefix(n);
    return true;
  };
  auto roll = [&](bool carry) {
    Status s = rotate(carry);
    if (!s) note_lost(data.size(), s.error().message);
    return s.ok();
  };

  const std::uint64_t max = policy_.max_file_size;
  while (!data.empty()) {
    std::uint64_t room = size_ < max ? max - size_ : 0;
    if (data.size() <= room) {
      if (!put(data.size())) return;
      break;
    }
    // The chunk does not fit: fill the file up to the last line end that does.
    const void* nl = room ? ::memrchr(data.data(), '\n', static_cast<std::size_t>(room)) : nullptr;
    if (nl) {
      if (!put(static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) + 1) || !roll(false)) return;
      continue;
    }
    // No line ends within the room: the line open at the end of the file continues.
    std::uint64_t open_len = size_ - line_start_;
    const void* end = std::memchr(data.data(), '\n', data.size());
    std::uint64_t rest_len =
        end ? static_cast<std::uint64_t>(static_cast<const char*>(end) - data.data()) + 1 : data.size();
    if (open_len == 0 && size_ > 0) {
      if (!roll(false)) return;  // the next line starts a new file
      continue;
    }
    if (open_len > 0 && line_start_ > 0 && open_len + rest_len <= max) {
      if (!roll(true)) return;  // the line fits a file of its own
      continue;
    }
    // The line is longer than a file: fill this one and go on in the next.
    if (!put(static_cast<std::size_t>(room))) return;
    line_start_ = size_;
    if (!roll(false)) return;
  }
  note_ok();
}

void RotatingFile::note_lost(std::size_t bytes, const std::string& why) {
  stats_.bytes_lost += bytes;
  lost_in_outage_ += bytes;
  retry_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  if (failing_) return;
  failing_ = true;
  diag_->report(why + "; output for the sandbox file is dropped (and counted) until writing works again");
}

void RotatingFile::note_ok() {
  if (!failing_) return;
  failing_ = false;
  diag_->report("writing " + name_ + " works again; " + std::to_string(lost_in_outage_) + " bytes were not written to it");
  lost_in_outage_ = 0;
}

}  // namespace mj
