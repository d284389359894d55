#include "logger/cgroup_placement.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/unique_fd.h"

namespace mj {
namespace {

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::string write_pid(const std::string& dir, pid_t pid) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return "cannot create cgroup " + dir + ": " + std::strerror(errno);
  std::string procs = dir + "/cgroup.procs";
  // O_CREAT only matters for a test's plain directory; cgroupfs has the file already.
  UniqueFd fd(::open(procs.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return "cannot open " + procs + ": " + std::strerror(errno);
  std::string text = std::to_string(pid) + "\n";
  ssize_t n = ::write(fd.get(), text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size()))
    return "cannot move process " + std::to_string(pid) + " into " + dir + ": " +
           (n < 0 ? std::strerror(errno) : "short write");
  return "";
}

}  // namespace

std::vector<std::string> slice_directories(const CgroupPlacement& p) {
  std::vector<std::string> dirs;
  if (!p.enabled) return dirs;
  if (!p.systemd_marker.empty() && !exists(p.systemd_marker)) return dirs;
  if (is_dir(p.root + "/systemd")) dirs.push_back(p.root + "/systemd/" + p.slice);
  if (is_dir(p.root + "/unified")) dirs.push_back(p.root + "/unified/" + p.slice);
  // Only a cgroup2 root has cgroup.controllers; a v1 root is a tmpfs of mount points.
  else if (exists(p.root + "/cgroup.controllers")) dirs.push_back(p.root + "/" + p.slice);
  return dirs;
}

std::vector<std::string> place_in_slice(pid_t pid, const CgroupPlacement& placement) {
  std::vector<std::string> warnings;
  for (const std::string& dir : slice_directories(placement)) {
    std::string problem = write_pid(dir, pid);
    if (!problem.empty())
      warnings.push_back(problem + "; the logger process may be stopped together with the agent's systemd unit");
  }
  return warnings;
}

}  // namespace mj
