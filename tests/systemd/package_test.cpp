// The Debian package as an operator meets it, under a real systemd 252 as PID 1: build
// it with cpack from this build directory, `dpkg -i` it into a booted Debian 12, run a
// command through the companion into journald and read it back with the reader, then
// `dpkg -P` it and find nothing left behind but the journal.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "nspawn_machine.h"
#include "process_runner.h"
#include "temp_dir.h"

namespace mj::test {
namespace {

using namespace std::chrono_literals;

// Every file and directory a package could leave behind, one per line, sorted. Left
// out: what changes whenever anything runs (the journal, systemd's and dpkg's own
// bookkeeping of the last run; the package's dpkg/info files are in /var/lib/dpkg/info,
// which is listed).
std::string file_system_listing(const NspawnMachine& m) {
  auto r = m.sh(
      "find /usr /etc /lib /opt /srv /var -xdev "
      "-not -path '/var/log/journal*' -not -path '/var/lib/systemd/*' -not -path '/var/cache/*' "
      "-not -path '/var/tmp/*' -not -name '*-old' | sort");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

std::string build_package(const std::string& out_dir) {
  // As `cpack -G DEB` in the build directory, into a directory of the test's own.
  auto r = run({MJ_CPACK, "-G", "DEB", "--config", MJ_BINARY_DIR "/CPackConfig.cmake", "-B", out_dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string deb = out_dir + "/mesos-journald_" MJ_PROJECT_VERSION "_amd64.deb";
  EXPECT_TRUE(std::filesystem::exists(deb)) << r.out;
  return deb;
}

TEST(DebianPackage, InstallsRunsThroughJournaldAndPurgesWithoutATrace) {
  std::string why = nspawn_unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << "no systemd container: " << why;
  TempDir packages;
  ::chmod(packages.path().c_str(), 0755);
  std::string deb = build_package(packages.path());
  ASSERT_FALSE(::testing::Test::HasFailure());

  NspawnMachine machine("package", CgroupLayout::kUnified, {{packages.path(), "/pkg", true}});
  ASSERT_EQ(machine.boot_error(), "");
  std::string before = file_system_listing(machine);

  auto r = machine.run({"/usr/bin/dpkg", "-i", "/pkg/" + std::filesystem::path(deb).filename().string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // What the package put where this build's prefix says.
  const std::string bin = MJ_INSTALL_BINDIR;
  r = machine.run({bin + "/mesos-journald-pipe", "--version"});
  EXPECT_TRUE(std::regex_match(r.out, std::regex("mesos-journald-pipe " MJ_PROJECT_VERSION
                                                 " \\(commit ([0-9a-f]{12}(-dirty)?|unknown)\\)\n")))
      << r.out;
  r = machine.run({bin + "/mesos-journald-logs", "--version"});
  EXPECT_EQ(r.out.rfind("mesos-journald-logs " MJ_PROJECT_VERSION " (commit ", 0), 0u) << r.out;
  for (const char* page : {"mesos-journald-pipe", "mesos-journald-logs"}) {
    r = machine.sh(std::string("zcat " MJ_INSTALL_MANDIR "/man1/") + page + ".1.gz | grep '^\\.TH '");
    EXPECT_EQ(r.exit_code, 0) << page << r.err;
  }
  r = machine.sh("bash -n " MJ_INSTALL_DATADIR "/bash-completion/completions/mesos-journald-pipe && "
                 "test -f " MJ_INSTALL_DOCDIR "/copyright && test -f " MJ_INSTALL_DOCDIR "/examples/modules.json");
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // A command's output through the installed companion into this machine's journald,
  // and back through the installed reader, byte-exact (a binary line, no newline at
  // the end).
  r = machine.run({bin + "/mesos-journald-pipe", "-t", "pkgtest", "--field", "TASK_ID=pkg-task", "--", "/bin/sh",
                   "-c", "printf 'one\\n\\001\\377two\\n'; printf 'to stderr\\n' >&2; printf 'tail'"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string expected = std::string("one\n\001\377two\ntail");
  std::string got;
  for (auto until = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < until;) {
    got = machine.run({bin + "/mesos-journald-logs", "--stream", "stdout", "pkg-task"}).out;
    if (got == expected) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(machine.run({bin + "/mesos-journald-logs", "--stream", "stderr", "pkg-task"}).out, "to stderr\n");

  r = machine.run({"/usr/bin/dpkg", "-P", "mesos-journald"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string after = file_system_listing(machine);
  EXPECT_EQ(after, before) << "dpkg -P left files behind or removed others";
  EXPECT_NE(machine.run({"/bin/test", "-e", bin + "/mesos-journald-pipe"}).exit_code, 0);
}

}  // namespace
}  // namespace mj::test
