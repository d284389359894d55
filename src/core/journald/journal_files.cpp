#include "core/journald/journal_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <tuple>

namespace mj {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool operator==(const JournalFileName& a, const JournalFileName& b) {
  return std::tie(a.path, a.device, a.inode) == std::tie(b.path, b.device, b.inode);
}

std::vector<std::string> journal_directories(const std::string& machine_id, const std::string& journal_namespace) {
  const std::string name = journal_namespace.empty() ? machine_id : machine_id + "." + journal_namespace;
  return {"/run/log/journal/" + name, "/var/log/journal/" + name};
}

Result<JournalFileListing> list_journal_files(const std::vector<std::string>& directories) {
  JournalFileListing files;
  for (const std::string& directory : directories) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(directory.c_str()), ::closedir);
    if (!dir) {
      // Nothing to list, or nothing sd-journal can read either (a companion running as
      // the task's user): its count fails or does not depend on these files.
      if (errno == ENOENT || errno == EACCES) continue;
      return Error::from_errno("cannot list " + directory);
    }
    errno = 0;
    while (const struct dirent* e = ::readdir(dir.get())) {
      const std::string name = e->d_name;
      if (ends_with(name, ".journal") || ends_with(name, ".journal~")) {
        JournalFileName f;
        f.path = directory + "/" + name;
        struct stat st{};
        if (::fstatat(::dirfd(dir.get()), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
          f.device = st.st_dev;
          f.inode = st.st_ino;
        }
        files.push_back(std::move(f));
      }
      errno = 0;
    }
    if (errno != 0) return Error::from_errno("cannot list " + directory);
  }
  std::sort(files.begin(), files.end(),
            [](const JournalFileName& a, const JournalFileName& b) { return a.path < b.path; });
  return files;
}

}  // namespace mj
