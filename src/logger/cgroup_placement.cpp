#include "logger/cgroup_placement.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base/unique_fd.h"

namespace mj {
namespace {

// linux/magic.h
constexpr long kCgroupMagic = 0x27e0eb;
constexpr long kCgroup2Magic = 0x63677270;

constexpr const char* kCompanionPrefix = "mesos-journald-";
constexpr const char* kCompanionSuffix = ".scope";

enum class FsKind { kMissing, kCgroup1, kCgroup2, kOther };

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// By file system type: a directory named systemd or unified below a cgroup2 root is just
// a child cgroup, not a hierarchy.
FsKind kind_of(const std::string& path, bool fake, bool is_root) {
  if (fake) {
    if (!is_dir(path)) return FsKind::kMissing;
    if (exists(path + "/cgroup.controllers")) return FsKind::kCgroup2;
    return is_root ? FsKind::kOther : (path.size() >= 8 && path.compare(path.size() - 8, 8, "/unified") == 0
                                           ? FsKind::kCgroup2
                                           : FsKind::kCgroup1);
  }
  struct statfs fs;
  if (::statfs(path.c_str(), &fs) != 0) return FsKind::kMissing;
  if (static_cast<long>(fs.f_type) == kCgroup2Magic) return FsKind::kCgroup2;
  if (static_cast<long>(fs.f_type) == kCgroupMagic) return FsKind::kCgroup1;
  return FsKind::kOther;
}

std::string write_pid(const std::string& dir, pid_t pid) {
  std::string procs = dir + "/cgroup.procs";
  std::string text = std::to_string(pid) + "\n";
  std::string problem;
  // A concurrent launch may remove an empty companion cgroup between our mkdir() and
  // open() (it checks that the owner is gone, but the pid may be reused): retry once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return "cannot create cgroup " + dir + ": " + std::strerror(errno);
    // O_CREAT only matters for a test's plain directory; cgroupfs has the file already.
    UniqueFd fd(::open(procs.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) {
      problem = "cannot open " + procs + ": " + std::strerror(errno);
      if (errno == ENOENT) continue;
      return problem;
    }
    ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n == static_cast<ssize_t>(text.size())) return "";
    return "cannot move process " + std::to_string(pid) + " into " + dir + ": " +
           (n < 0 ? std::strerror(errno) : "short write");
  }
  return problem;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Removes <slice>/mesos-journald-<pid>.scope directories whose companion is gone.
// rmdir() of a cgroup that still has processes fails (EBUSY), so nothing in use is
// removed; a directory whose pid is alive is left alone (it may be a launch in
// progress).
void remove_stale_companion_cgroups(const std::string& slice_dir, bool fake) {
  DIR* d = ::opendir(slice_dir.c_str());
  if (!d) return;
  const std::string prefix = kCompanionPrefix;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0 || !ends_with(name, kCompanionSuffix)) continue;
    std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - std::strlen(kCompanionSuffix));
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t owner = static_cast<pid_t>(std::stol(digits));
    if (::kill(owner, 0) == 0 || errno == EPERM) continue;
    std::string path = slice_dir + "/" + name;
    if (fake) ::unlink((path + "/cgroup.procs").c_str());  // a plain directory in tests
    ::rmdir(path.c_str());
  }
  ::closedir(d);
}

}  // namespace

const char* cgroup_layout_name(CgroupLayout layout) {
  switch (layout) {
    case CgroupLayout::kNone: return "none";
    case CgroupLayout::kLegacy: return "legacy (cgroup v1)";
    case CgroupLayout::kHybrid: return "hybrid (cgroup v1 + cgroup2 at unified/)";
    case CgroupLayout::kUnified: return "unified (cgroup2)";
  }
  return "?";
}

CgroupLayout detect_cgroup_layout(const CgroupPlacement& p) {
  if (!p.enabled) return CgroupLayout::kNone;
  if (!p.systemd_marker.empty() && !exists(p.systemd_marker)) return CgroupLayout::kNone;
  FsKind root = kind_of(p.root, p.fake_filesystems, true);
  if (root == FsKind::kCgroup2) return CgroupLayout::kUnified;
  if (root != FsKind::kOther) return CgroupLayout::kNone;
  bool v1 = kind_of(p.root + "/systemd", p.fake_filesystems, false) == FsKind::kCgroup1;
  bool v2 = kind_of(p.root + "/unified", p.fake_filesystems, false) == FsKind::kCgroup2;
  if (v1 && v2) return CgroupLayout::kHybrid;
  if (v1) return CgroupLayout::kLegacy;
  // A lone cgroup2 at unified/ without name=systemd is no layout systemd uses.
  return CgroupLayout::kNone;
}

std::vector<std::string> slice_directories(const CgroupPlacement& p) {
  switch (detect_cgroup_layout(p)) {
    case CgroupLayout::kNone: return {};
    case CgroupLayout::kLegacy: return {p.root + "/systemd/" + p.slice};
    case CgroupLayout::kHybrid: return {p.root + "/systemd/" + p.slice, p.root + "/unified/" + p.slice};
    case CgroupLayout::kUnified: return {p.root + "/" + p.slice};
  }
  return {};
}

std::string companion_cgroup_name(pid_t pid, const CgroupPlacement& placement) {
  if (!placement.unit_per_companion) return "";
  return kCompanionPrefix + std::to_string(pid) + kCompanionSuffix;
}

std::vector<std::string> place_in_slice(pid_t pid, const CgroupPlacement& placement) {
  std::vector<std::string> warnings;
  const std::string own = companion_cgroup_name(pid, placement);
  for (const std::string& slice : slice_directories(placement)) {
    std::string problem;
    if (::mkdir(slice.c_str(), 0755) != 0 && errno != EEXIST)
      problem = "cannot create cgroup " + slice + ": " + std::strerror(errno);
    if (problem.empty() && !own.empty()) remove_stale_companion_cgroups(slice, placement.fake_filesystems);
    if (problem.empty()) problem = write_pid(own.empty() ? slice : slice + "/" + own, pid);
    if (!problem.empty())
      warnings.push_back(problem + "; the logger process may be stopped together with the agent's systemd unit");
  }
  return warnings;
}

}  // namespace mj
