// --transport stream under a real systemd 252 as PID 1 (a Debian 12 booted with
// systemd-nspawn): the companion started by a user or the module starts a transient
// service running the companion again, hands it the streams, and the service writes
// through journald's stream protocol; journald adds the unit's LogExtraFields= (the
// Mesos fields) to every line.
//
// * FieldsOnEveryLine (every cgroup layout): COMMAND mode, 2000 lines per stream; every
//   line in journald with every field (a value with a newline too), the sandbox files
//   byte-exact, the rate-limit properties set on the unit.
// * ContractChanges: exactly what journald's stream handling does to the lines that the
//   native transport keeps as they are (docs/systemd.md lists them from this test).
// * JournaldStops: `systemctl restart systemd-journald` and a SIGKILL of journald in the
//   middle of a stream.
// * SigtermDrains: SIGTERM to the front reaches the service, which drains and reports.
// * FallsBackToNativeWhenSystemdRefuses: a unit of that name exists; a front not root.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "nspawn_machine.h"
#include "systemd_test_util.h"
#include "temp_dir.h"

namespace mj::test {
namespace {

using namespace std::chrono_literals;

class StreamTransport : public ::testing::TestWithParam<CgroupLayout> {
 protected:
  void SetUp() override {
    std::string why = nspawn_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << "no systemd container: " << why;
    ::chmod(sandbox_.path().c_str(), 0755);
    std::string bin = std::filesystem::path(companion()).parent_path().string();
    machine_ = std::make_unique<NspawnMachine>("stream-" + std::string(layout_name(GetParam())), GetParam(),
                                               std::vector<Bind>{{bin, "/mj", true}, {sandbox_.path(), "/sandbox", false}});
    ASSERT_EQ(machine_->boot_error(), "");
  }

  std::string pipe_path() const { return "/mj/" + std::filesystem::path(companion()).filename().string(); }

  // The service the front started, from journald's point of view.
  static std::string unit_of(const std::vector<nlohmann::json>& entries) {
    return entries.empty() ? "" : json_field(entries.front(), "_SYSTEMD_UNIT");
  }

  TempDir sandbox_;
  std::unique_ptr<NspawnMachine> machine_;
};

TEST_P(StreamTransport, FieldsOnEveryLine) {
  const long kLines = 2000;
  std::filesystem::create_directory(sandbox_.file("s1"));
  machine_->write_file("/run/gen.sh", "seq -f 'out %g' 0 " + std::to_string(kLines - 1) + "\nseq -f 'err %g' 0 " +
                                          std::to_string(kLines - 1) + " >&2\n");
  // systemd would expand $VAR (and a unit file's %n) in ExecStart=; the identifier must
  // arrive as given.
  const std::string identifier = "-my$HOME%n-task";
  auto r = machine_->run({pipe_path(), "--transport", "stream", "--identifier=" + identifier, "--field", "FRAMEWORK_ID=fw-1",
                          "--field", "TASK_ID=task-1", "--field", "MULTI=a\nb", "--log-rate-limit-burst", "100000",
                          "--log-rate-limit-interval", "30s", "--sandbox", "/sandbox/s1", "--", "/bin/sh",
                          "/run/gen.sh"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "the front or the service complained";

  auto out = machine_->wait_journal({"TASK_ID=task-1", "PRIORITY=6"}, kLines, 30s);
  auto err = machine_->wait_journal({"TASK_ID=task-1", "PRIORITY=3"}, kLines, 30s);
  std::printf("[%s] %zu stdout and %zu stderr lines of %ld each; _SYSTEMD_UNIT=%s\n", layout_name(GetParam()),
              out.size(), err.size(), kLines, unit_of(out).c_str());
  ASSERT_EQ(out.size(), static_cast<std::size_t>(kLines));
  ASSERT_EQ(err.size(), static_cast<std::size_t>(kLines));
  for (long i = 0; i < kLines; ++i) {
    const auto& o = out[static_cast<std::size_t>(i)];
    ASSERT_EQ(json_field(o, "MESSAGE"), "out " + std::to_string(i));
    ASSERT_EQ(json_field(err[static_cast<std::size_t>(i)], "MESSAGE"), "err " + std::to_string(i));
    ASSERT_EQ(json_field(o, "FRAMEWORK_ID"), "fw-1");
    ASSERT_EQ(json_field(o, "MULTI"), "a\nb");
    ASSERT_EQ(json_field(o, "SYSLOG_IDENTIFIER"), identifier);
    ASSERT_EQ(json_field(o, "_TRANSPORT"), "stdout");
  }
  const std::string unit = unit_of(out);
  EXPECT_EQ(unit.rfind("mesos-journald-pipe-", 0), 0u) << unit;
  EXPECT_EQ(unit_of(err), unit);
  EXPECT_EQ(json_field(out.front(), "STREAM"), "<missing>");  // the one field the stream cannot carry

  EXPECT_EQ(read_file(sandbox_.file("s1/stdout")), numbered("out ", kLines));
  EXPECT_EQ(read_file(sandbox_.file("s1/stderr")), numbered("err ", kLines));

  // The unit is gone (CollectMode=inactive-or-failed) once the service finished.
  auto show = machine_->run({"/bin/systemctl", "show", "-p", "LoadState", unit});
  EXPECT_NE(show.out.find("not-found"), std::string::npos) << show.out;
}

INSTANTIATE_TEST_SUITE_P(Layouts, StreamTransport,
                         ::testing::Values(CgroupLayout::kHybrid, CgroupLayout::kLegacy, CgroupLayout::kUnified),
                         LayoutName());

class StreamTransportUnified : public StreamTransport {};

TEST_P(StreamTransportUnified, ContractChanges) {
  const std::string long_line(60000, 'x');
  const std::string input = std::string("  leading spaces kept\n") + "trailing spaces   \n" + "\n" +
                            std::string("before NUL\0after NUL\n", 21) + "<3>not a prefix here\n" + long_line + "\n" +
                            "\xff\xfe not UTF-8\n" + "last line without newline";
  write_file(sandbox_.file("input"), input);
  std::filesystem::create_directory(sandbox_.file("s2"));
  auto r = machine_->run({"/bin/sh", "-c", pipe_path() + " --transport stream --field CASE=contract --sandbox /sandbox/s2 "
                                           "--unit contract-test < /sandbox/input"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(sandbox_.file("s2/stdout")), input) << "the sandbox file is byte-exact in every mode";

  auto e = machine_->wait_journal({"CASE=contract"}, 9, 20s);
  std::vector<std::pair<std::string, std::string>> got;  // MESSAGE, _LINE_BREAK
  for (const auto& entry : e) got.emplace_back(json_field(entry, "MESSAGE"), json_field(entry, "_LINE_BREAK"));
  const std::size_t line_max = 48 * 1024;  // journald's LineMax default
  std::vector<std::pair<std::string, std::string>> want = {
      {"  leading spaces kept", "<missing>"},
      {"trailing spaces", "<missing>"},  // trailing whitespace stripped; the empty line dropped
      {"before NUL", "nul"},
      {"after NUL", "<missing>"},
      {"<3>not a prefix here", "<missing>"},
      {long_line.substr(0, line_max), "line-max"},
      {long_line.substr(line_max), "<missing>"},
      {"\xff\xfe not UTF-8", "<missing>"},
      {"last line without newline", "eof"},
  };
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].first.size(), want[i].first.size()) << i;
    EXPECT_EQ(got[i].first, want[i].first) << i;
    EXPECT_EQ(got[i].second, want[i].second) << i;
  }
  EXPECT_EQ(json_field(e.front(), "_SYSTEMD_UNIT"), "contract-test.service");
  EXPECT_EQ(json_field(e.front(), "PRIORITY"), "6");
}

TEST_P(StreamTransportUnified, LevelPrefixAsInTheNativeTransport) {
  const std::string input = "<3>an error\n<7>debug\nplain\n<9>not a level\n";
  write_file(sandbox_.file("input"), input);
  auto r = machine_->run({"/bin/sh", "-c", pipe_path() + " --transport stream --level-prefix --field CASE=prefix "
                                           "--stdout-priority notice < /sandbox/input"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto e = machine_->wait_journal({"CASE=prefix"}, 4, 20s);
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(json_field(e[0], "MESSAGE"), "an error");
  EXPECT_EQ(json_field(e[0], "PRIORITY"), "3");
  EXPECT_EQ(json_field(e[1], "PRIORITY"), "7");
  EXPECT_EQ(json_field(e[2], "MESSAGE"), "plain");
  EXPECT_EQ(json_field(e[2], "PRIORITY"), "5");
  EXPECT_EQ(json_field(e[3], "MESSAGE"), "<9>not a level");
}

// journald under systemd keeps stream connections in its fd store across a restart and
// a crash, so a stream keeps flowing; at risk is only what journald had read but not yet
// written when it stopped.
class JournaldStops : public StreamTransport {
 protected:
  // Streams kLines lines, the second half while `stop` runs; returns what arrived.
  std::vector<nlohmann::json> stream_across(const std::vector<std::string>& stop, const std::string& tag) {
    const long kBefore = kLines / 2;
    std::filesystem::create_directory(sandbox_.file(tag));
    machine_->write_file("/run/gen.sh", "seq -f 'line %g' 0 " + std::to_string(kBefore - 1) +
                                            "\nwhile [ ! -e /run/resume ]; do sleep 0.01; done\nseq -f 'line %g' " +
                                            std::to_string(kBefore) + " " + std::to_string(kLines - 1) + "\n");
    auto r = machine_->run({"/usr/bin/systemd-run", "--quiet", "--unit=front", "--service-type=exec", pipe_path(),
                            "--transport", "stream", "--log-rate-limit-burst", "1000000000", "--field", "CASE=" + tag,
                            "--sandbox", "/sandbox/" + tag,
                            "--", "/bin/sh", "/run/gen.sh"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(machine_->wait_journal({"CASE=" + tag}, kBefore, 30s).size(), static_cast<std::size_t>(kBefore));
    // The second half starts, and journald is stopped while it is being written.
    machine_->run({"/bin/touch", "/run/resume"});
    std::this_thread::sleep_for(20ms);
    auto stopped = machine_->run(stop);
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    // Until the last line is there (lines lost before it would make waiting for the count
    // wait for the timeout).
    const std::string last = "line " + std::to_string(kLines - 1);
    for (int i = 0; i < 300; ++i) {
      auto tail = machine_->run({"/bin/journalctl", "-q", "--no-pager", "-o", "cat", "-n", "1", "CASE=" + tag});
      if (tail.out == last + "\n") break;
      std::this_thread::sleep_for(100ms);
    }
    auto all = machine_->journal({"CASE=" + tag});
    EXPECT_EQ(read_file(sandbox_.file(tag + "/stdout")), numbered("line ", kLines));
    return all;
  }
  static constexpr long kLines = 20000;
};

TEST_P(JournaldStops, SystemctlRestartLosesNothing) {
  auto all = stream_across({"/bin/systemctl", "restart", "systemd-journald"}, "restart");
  std::printf("stream across `systemctl restart systemd-journald`: %zu of %ld lines in journald\n", all.size(), kLines);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kLines));
  for (long i = 0; i < kLines; ++i) ASSERT_EQ(json_field(all[static_cast<std::size_t>(i)], "MESSAGE"), "line " + std::to_string(i));
}

TEST_P(JournaldStops, SigkillLosesAtMostWhatJournaldHadRead) {
  auto all = stream_across({"/bin/systemctl", "kill", "-s", "KILL", "systemd-journald"}, "sigkill");
  // What journald had read and not yet stored is gone: one run of consecutive lines,
  // the last of them cut, its tail arriving as an entry of its own.
  std::size_t whole = 0, fragments = 0, gaps = 0, gap_lines = 0;
  long expect = 0;
  for (const auto& e : all) {
    const std::string m = json_field(e, "MESSAGE");
    if (m.rfind("line ", 0) != 0) {
      ++fragments;
      std::printf("  fragment: \"%s\"\n", m.c_str());
      continue;
    }
    ++whole;
    long n = std::stol(m.substr(5));
    if (n != expect) {
      ++gaps;
      gap_lines += static_cast<std::size_t>(n - expect);
      std::printf("  missing: lines %ld..%ld\n", expect, n - 1);
    }
    expect = n + 1;
  }
  std::printf("stream across SIGKILL of journald: %zu of %ld lines whole in journald, %zu missing, %zu fragments\n",
              whole, kLines, gap_lines, fragments);
  EXPECT_EQ(expect, kLines) << "lines after the kill are missing";
  EXPECT_LE(gaps, 1u);
  EXPECT_LE(fragments, 1u);
  // journald reads at most LineMax (48 KiB) of a stream at a time.
  EXPECT_LE(gap_lines * 12, 48u * 1024);
}

INSTANTIATE_TEST_SUITE_P(Unified, JournaldStops, ::testing::Values(CgroupLayout::kUnified), LayoutName());

// Where systemd refuses the service, the front says why and the native transport carries
// every line with every field: a unit of that name exists, and a front that is not root.
TEST_P(StreamTransportUnified, FallsBackToNativeWhenSystemdRefuses) {
  ASSERT_EQ(machine_->run({"/usr/bin/systemd-run", "--quiet", "--unit=taken", "/bin/sleep", "60"}).exit_code, 0);
  auto r = machine_->run({"/bin/sh", "-c", "echo first | " + pipe_path() +
                                               " --transport stream --unit taken --field CASE=refused -t refused"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--transport stream unavailable (StartTransientUnit taken.service: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("); using the native transport"), std::string::npos) << r.err;

  r = machine_->run({"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/bin/sh", "-c",
                     "echo second | " + pipe_path() + " --transport stream --field CASE=refused -t refused"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::printf("not root: %s", r.err.c_str());
  EXPECT_NE(r.err.find("--transport stream unavailable (StartTransientUnit mesos-journald-pipe-"), std::string::npos)
      << r.err;

  auto e = machine_->wait_journal({"CASE=refused"}, 2, 20s);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(json_field(e[0], "MESSAGE"), "first");
  EXPECT_EQ(json_field(e[1], "MESSAGE"), "second");
  for (const auto& entry : e) {
    EXPECT_EQ(json_field(entry, "_TRANSPORT"), "journal");
    EXPECT_EQ(json_field(entry, "STREAM"), "STDOUT");
  }
  EXPECT_EQ(json_field(e[1], "_UID"), "65534");
}

TEST_P(StreamTransportUnified, SigtermDrains) {
  // A writer that never ends: SIGTERM to the front goes to COMMAND, which dies; its
  // output up to then is delivered, and the front exits with COMMAND's status.
  machine_->write_file("/run/gen.sh", "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.01; done\n");
  auto r = machine_->run({"/usr/bin/systemd-run", "--quiet", "--unit=front2", "--service-type=exec",
                          "-p", "RemainAfterExit=yes", pipe_path(), "--transport", "stream", "--field",
                          "CASE=term", "--", "/bin/sh", "/run/gen.sh"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GE(machine_->wait_journal({"CASE=term"}, 20, 20s).size(), 20u);
  ASSERT_EQ(machine_->run({"/bin/systemctl", "kill", "--kill-who=main", "-s", "TERM", "front2"}).exit_code, 0);
  std::string status;
  for (int i = 0; i < 200; ++i) {
    status = machine_->run({"/bin/systemctl", "show", "-p", "ExecMainStatus", "-p", "ActiveState", "front2"}).out;
    if (status.find("ExecMainStatus=143") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(status.find("ExecMainStatus=143"), std::string::npos) << status;  // 128 + SIGTERM, COMMAND's
  auto ticks = machine_->journal({"CASE=term"});
  ASSERT_FALSE(ticks.empty());
  for (std::size_t i = 0; i < ticks.size(); ++i) ASSERT_EQ(json_field(ticks[i], "MESSAGE"), "tick " + std::to_string(i));
  // No service left behind.
  auto units = machine_->run({"/bin/systemctl", "list-units", "--all", "--no-legend", "mesos-journald-pipe-*"});
  EXPECT_EQ(units.out, "");
}

INSTANTIATE_TEST_SUITE_P(Unified, StreamTransportUnified, ::testing::Values(CgroupLayout::kUnified), LayoutName());

}  // namespace
}  // namespace mj::test
