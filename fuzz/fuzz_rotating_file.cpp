// mj::RotatingFile with tiny limits, in a fresh directory on tmpfs (/dev/shm when it
// exists, else $TMPDIR or /tmp) per input: random appends of random sizes.
//
// Invariants: nothing is lost (stats, with a healthy filesystem); no file is larger
// than max_file_size; only NAME and NAME.1 .. NAME.max_files exist; the kept files,
// oldest first, concatenate to a suffix of everything appended; and a line is split
// across two files only when it is longer than max_file_size. Nothing is deleted too
// early: after R rotations exactly min(R, max_files) rotated files exist, and until
// more than max_files rotations happened the files hold everything appended.
#include <dirent.h>
#include <fcntl.h>
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "core/files/rotating_file.h"
#include "fuzz_check.h"

namespace {

struct NullDiagnostics final : mj::Diagnostics {
  void report(std::string_view) override {}
};

std::string g_base;

bool read_file(int dir, const std::string& name, std::string& out) {
  int fd = ::openat(dir, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  out.clear();
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  struct stat st{};
  g_base = ::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : (tmp && *tmp ? tmp : "/tmp");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  mj::RotationPolicy policy;
  policy.max_file_size = in.ConsumeIntegralInRange<std::uint64_t>(1, 64);
  policy.max_files = in.ConsumeIntegralInRange<unsigned>(0, 4);

  std::string dir_path = g_base + "/mj-fuzz-rotate-XXXXXX";
  FUZZ_CHECK(::mkdtemp(dir_path.data()) != nullptr, "mkdtemp in %s failed", g_base.c_str());
  int dir = ::open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  FUZZ_CHECK(dir >= 0, "cannot open %s", dir_path.c_str());

  std::string input;
  std::uint64_t rotations = 0;
  {
    NullDiagnostics diag;
    auto file = mj::RotatingFile::open(dir, "stdout", policy, diag);
    FUZZ_CHECK(file.ok(), "open failed: %s", file.error().message.c_str());
    while (in.remaining_bytes() > 0) {
      std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 3 * policy.max_file_size + 2);
      std::string chunk = in.ConsumeBytesAsString(n);
      // Mostly text with newlines, so that line handling is exercised.
      for (char& c : chunk)
        if (static_cast<unsigned char>(c) % 4 == 0) c = '\n';
      file->append(chunk);
      input += chunk;
    }
    rotations = file->stats().rotations;
    FUZZ_CHECK(file->stats().bytes_lost == 0, "%llu bytes lost", (unsigned long long)file->stats().bytes_lost);
  }

  // The files there are, and their contents, oldest first.
  std::set<std::string> expected_names = {"stdout"};
  for (unsigned i = 1; i <= policy.max_files; ++i) expected_names.insert("stdout." + std::to_string(i));
  DIR* d = ::fdopendir(::dup(dir));
  std::set<std::string> present;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    present.insert(name);
    FUZZ_CHECK(expected_names.count(name), "unexpected file %s", name.c_str());
  }
  ::closedir(d);
  FUZZ_CHECK(present.count("stdout"), "stdout missing");

  std::vector<std::string> files;  // oldest first
  for (unsigned i = policy.max_files; i >= 1; --i) {
    std::string content;
    if (read_file(dir, "stdout." + std::to_string(i), content)) files.push_back(content);
    else FUZZ_CHECK(files.empty(), "a gap: stdout.%u missing while older files exist", i);
  }
  FUZZ_CHECK(files.size() == std::min<std::uint64_t>(rotations, policy.max_files),
             "%zu rotated files after %llu rotations, max_files %u", files.size(), (unsigned long long)rotations,
             policy.max_files);
  std::string current;
  FUZZ_CHECK(read_file(dir, "stdout", current), "cannot read stdout");
  files.push_back(current);

  std::string kept;
  for (const std::string& f : files) {
    FUZZ_CHECK(f.size() <= policy.max_file_size, "a file of %zu bytes, limit %llu", f.size(),
               (unsigned long long)policy.max_file_size);
    kept += f;
  }
  if (rotations <= policy.max_files)
    FUZZ_CHECK(kept == input, "%llu rotations with max_files %u deleted %zu bytes", (unsigned long long)rotations,
               policy.max_files, input.size() - kept.size());
  FUZZ_CHECK(kept.size() <= input.size() && input.compare(input.size() - kept.size(), kept.size(), kept) == 0,
             "the kept files (%zu bytes) are not a suffix of the input (%zu bytes)", kept.size(), input.size());

  // A boundary between two files inside a line: only for lines longer than a file.
  std::size_t pos = input.size() - kept.size();
  for (std::size_t i = 0; i + 1 < files.size(); ++i) {
    pos += files[i].size();
    if (files[i].empty() || files[i].back() == '\n') continue;
    std::size_t begin = input.rfind('\n', pos - 1);
    begin = begin == std::string::npos ? 0 : begin + 1;
    std::size_t end = input.find('\n', pos);
    end = end == std::string::npos ? input.size() : end + 1;
    FUZZ_CHECK(end - begin > policy.max_file_size,
               "a line of %zu bytes, which fits a file of %llu, is split across two files", end - begin,
               (unsigned long long)policy.max_file_size);
  }

  for (const std::string& name : present) ::unlinkat(dir, name.c_str(), 0);
  ::close(dir);
  ::rmdir(dir_path.c_str());
  return 0;
}
