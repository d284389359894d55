// Task logs of two agents shipped to one collector (docs/collecting.md) under a real
// systemd 252: three Debian 12 machines booted with systemd-nspawn, once for the whole
// suite (it is one ctest test), sharing one network namespace and talking HTTPS on its
// loopback with certificates made by packaging/collector/journal-certs.sh, with the units
// of packaging/systemd installed as a package installs them:
//
//   agent-a    companions log to the system journal; the stock systemd-journal-upload
//              .service with our drop-in uploads it.
//   agent-b    companions log to journal namespace "mesos"; mesos-journald-upload@mesos
//              .service uploads it, started by mesos-journald-upload-namespaces.path when
//              the namespace's directory appears.
//   collector  systemd-journal-remote (mesos-journald-collector.socket/.service) behind
//              stunnel checking client certificates (mesos-journald-collector-tls.service).
//
// The tasks' lines go through the real mesos-journald-pipe with the module's fields; the
// reader (mesos-journald-logs) runs on the collector's directory. As root, a suite that
// cannot run fails: it never skips there.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "nspawn_machine.h"
#include "process_runner.h"
#include "reader_output.h"
#include "systemd_test_util.h"
#include "temp_dir.h"

namespace mj::test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr const char* kRemoteDir = "/var/log/journal/remote";
constexpr const char* kNamespace = "mesos";

// Each look at the collector runs journalctl in its container: not more often than this.
constexpr std::chrono::milliseconds kCollectorPoll = 200ms;

std::vector<Json> parse_json_lines(const std::string& out) {
  std::vector<Json> entries;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) entries.push_back(Json::parse(line, nullptr, false));
  return entries;
}

// The deepest directory holding both the companion and the reader.
std::string build_dir() {
  std::filesystem::path a = std::filesystem::path(MJ_COMPANION).parent_path();
  std::filesystem::path b = std::filesystem::path(MJ_LOGS).parent_path();
  while (b.string().rfind(a.string(), 0) != 0) a = a.parent_path();
  return a.string();
}

struct Agent {
  std::string name;        // agent-a, agent-b
  std::string journal_ns;  // "" for the system journal
  std::unique_ptr<NspawnMachine> machine;
  std::string machine_id;
};

// Everything the suite shares; set up once.
struct Cluster {
  std::string error;  // why the suite cannot run
  std::string netns;
  TempDir certs;
  TempDir data;
  std::unique_ptr<NspawnMachine> collector;
  Agent a{"agent-a", "", nullptr, ""};
  Agent b{"agent-b", kNamespace, nullptr, ""};
  ~Cluster() {
    collector.reset();
    a.machine.reset();
    b.machine.reset();
    if (!netns.empty()) run({"/usr/sbin/ip", "netns", "delete", netns});
  }
};
Cluster* g = nullptr;

NspawnMachine::Result must(const NspawnMachine& m, const std::string& script) {
  auto r = m.sh(script);
  EXPECT_EQ(r.exit_code, 0) << m.name() << ": " << script << "\n" << r.out << r.err;
  return r;
}

// Each machine its own host name (systemd sets the rootfs's /etc/hostname at boot).
std::string hostname_script(const NspawnMachine& m) {
  return "echo " + m.name() + " >/etc/hostname && hostname " + m.name() + "\n";
}

std::string install_agent_script(const std::string& cert_name) {
  const std::string helpers = MJ_HELPER_DIR;
  return "set -e\n"
         "install -D -m755 /mj-packaging/systemd/mesos-journald-upload " + helpers + "/mesos-journald-upload\n"
         "install -D -m755 /mj-packaging/systemd/mesos-journald-upload-namespaces " + helpers +
         "/mesos-journald-upload-namespaces\n"
         "cp /mj-units/mesos-journald-upload@.service /mj-units/mesos-journald-upload-namespaces.service "
         "/mj-packaging/systemd/mesos-journald-upload-namespaces.path /etc/systemd/system/\n"
         "mkdir -p /etc/systemd/system/systemd-journal-upload.service.d\n"
         "cp /mj-units/systemd-journal-upload.service.d/mesos-journald.conf "
         "/etc/systemd/system/systemd-journal-upload.service.d/\n"
         "mkdir -p /etc/systemd/system/systemd-journald@.socket.d\n"
         "cp /mj-packaging/systemd/systemd-journald@.socket.d/mesos-journald.conf "
         "/etc/systemd/system/systemd-journald@.socket.d/\n"
         "install -d -m700 /etc/mesos-journald/tls\n"
         "install -m600 /mj-certs/" + cert_name + ".key /etc/mesos-journald/tls/upload.key\n"
         "install -m644 /mj-certs/" + cert_name + ".pem /etc/mesos-journald/tls/upload.pem\n"
         "install -m644 /mj-certs/ca.pem /etc/mesos-journald/tls/ca.pem\n"
         "printf '[Upload]\\nURL=https://127.0.0.1:19532\\n' >/etc/systemd/journal-upload.conf\n"
         "systemctl daemon-reload\n";
}

const char* kInstallCollector =
    "set -e\n"
    "cd /mj-packaging/systemd\n"
    "cp mesos-journald-collector.socket mesos-journald-collector.service mesos-journald-collector-tls.service "
    "mesos-journald-collector-vacuum.service mesos-journald-collector-vacuum.timer /etc/systemd/system/\n"
    "install -d -m700 /etc/mesos-journald/tls\n"
    "install -m600 /mj-certs/collector.key /etc/mesos-journald/tls/collector.key\n"
    "install -m644 /mj-certs/collector.pem /mj-certs/ca.pem /etc/mesos-journald/tls/\n"
    "cp /mj-packaging/collector/collector-stunnel.conf /etc/mesos-journald/collector-stunnel.conf\n"
    "systemctl daemon-reload\n"
    "systemctl start mesos-journald-collector.socket mesos-journald-collector-tls.service\n";

class Collector : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g = new Cluster;
    g->error = nspawn_unavailable_reason();
    if (!g->error.empty()) return;
    auto certs = [](const std::vector<std::string>& args) {
      std::vector<std::string> argv = {"/bin/sh", std::string(MJ_SOURCE_DIR) + "/packaging/collector/journal-certs.sh"};
      argv.insert(argv.end(), args.begin(), args.end());
      RunResult r = run(argv);
      if (r.exit_code != 0) g->error += "journal-certs.sh failed: " + r.err;
    };
    // The cluster's CA, the collector (its URL names 127.0.0.1), one key per agent; and
    // a second CA that signs a stranger's key.
    certs({g->certs.path(), "ca"});
    certs({g->certs.path(), "server", "collector", "IP:127.0.0.1"});
    certs({g->certs.path(), "client", "agent-a"});
    certs({g->certs.path(), "client", "agent-b"});
    certs({g->certs.path() + "/rogue", "ca"});
    certs({g->certs.path() + "/rogue", "client", "agent-a"});
    ::chmod(g->certs.path().c_str(), 0755);
    ::chmod(g->data.path().c_str(), 0755);
    if (!g->error.empty()) return;

    g->netns = "mj-collect-" + std::to_string(::getpid());
    RunResult r = run({"/usr/sbin/ip", "netns", "add", g->netns});
    if (r.exit_code != 0) {
      g->error = "ip netns add: " + r.err;
      g->netns.clear();
      return;
    }
    run({"/usr/sbin/ip", "-n", g->netns, "link", "set", "lo", "up"});

    std::vector<Bind> binds = {{build_dir(), build_dir(), true},
                               {std::string(MJ_SOURCE_DIR) + "/packaging", "/mj-packaging", true},
                               {MJ_UNITS_DIR, "/mj-units", true},
                               {g->certs.path(), "/mj-certs", true},
                               {g->data.path(), "/mj-data", true}};
    // The three boot at once.
    std::thread ta([&] { g->a.machine = std::make_unique<NspawnMachine>("agent-a", CgroupLayout::kUnified, binds, g->netns); });
    std::thread tb([&] { g->b.machine = std::make_unique<NspawnMachine>("agent-b", CgroupLayout::kUnified, binds, g->netns); });
    g->collector = std::make_unique<NspawnMachine>("collector", CgroupLayout::kUnified, binds, g->netns);
    ta.join();
    tb.join();
    for (const NspawnMachine* m : {g->collector.get(), g->a.machine.get(), g->b.machine.get()})
      if (!m->boot_error().empty()) g->error += m->name() + ": " + m->boot_error() + "\n";
  }

  static void TearDownTestSuite() {
    delete g;
    g = nullptr;
  }

  void SetUp() override {
    if (!g->error.empty()) {
      // As root every part of this can run; not running is a failure, not a skip.
      if (::geteuid() == 0 || std::getenv("CI")) FAIL() << "the collector suite cannot run: " << g->error;
      GTEST_SKIP() << "no systemd containers: " << g->error;
    }
    if (!installed_) {
      installed_ = true;
      must(*g->collector, hostname_script(*g->collector) + kInstallCollector);
      for (Agent* agent : {&g->a, &g->b}) {
        must(*agent->machine, hostname_script(*agent->machine) + install_agent_script(agent->name));
        agent->machine_id = trim(agent->machine->run({"/bin/cat", "/etc/machine-id"}).out);
        std::printf("[%s] %s, machine id %s\n", agent->name.c_str(), agent->machine->name().c_str(),
                    agent->machine_id.c_str());
      }
      // agent-a: the stock uploader of the system journal, with our drop-in.
      must(*g->a.machine, "systemctl start systemd-journal-upload.service");
      // agent-b: the namespace's journald, and what starts its uploader once its
      // directory appears (it does when the first companion connects).
      must(*g->b.machine, std::string("systemctl start mesos-journald-upload-namespaces.path systemd-journald@") +
                              kNamespace + ".socket");
    }
  }

  // Runs the companion on `agent` as the module would for task `task`: the module's
  // fields, its namespace; stdout and stderr from the files of /mj-data.
  static NspawnMachine::Result run_task(const Agent& agent, const std::string& task, const std::string& command,
                                        const std::vector<std::string>& extra = {}) {
    // A companion that cannot reach journald waits for it; a bounded wait here.
    std::vector<std::string> argv = {"/usr/bin/timeout", "60", MJ_COMPANION, "-t", "name-" + task,
                                     "--field", "FRAMEWORK_ID=fw-collect",
                                     "--field", "EXECUTOR_ID=ex-" + task,
                                     "--field", "AGENT_ID=" + agent.name + "-S0",
                                     "--field", "CONTAINER_ID=ct-" + task,
                                     "--field", "TASK_ID=" + task,
                                     "--field", "TASK_NAME=name " + task};
    if (!agent.journal_ns.empty()) argv.insert(argv.end(), {"--namespace", agent.journal_ns});
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"--", "/bin/sh", "-c", command});
    return agent.machine->run(argv);
  }

  // Starts the same as a transient unit (in the background), writing `lines` numbered
  // lines to stdout, one every `pause` seconds.
  static void start_task_unit(const Agent& agent, const std::string& task, long lines, const std::string& pause) {
    std::string loop = "i=0; while [ $i -lt " + std::to_string(lines) + " ]; do echo \"" + task +
                       " line $i\"; i=$((i+1)); sleep " + pause + "; done";
    std::vector<std::string> argv = {"/usr/bin/systemd-run", "--quiet", "--unit=mj-" + task, MJ_COMPANION,
                                     "-t", "name-" + task, "--field", "FRAMEWORK_ID=fw-collect",
                                     "--field", "TASK_ID=" + task, "--field", "AGENT_ID=" + agent.name + "-S0"};
    if (!agent.journal_ns.empty()) argv.insert(argv.end(), {"--namespace", agent.journal_ns});
    argv.insert(argv.end(), {"--", "/bin/sh", "-c", loop});
    auto r = agent.machine->run(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static bool task_unit_done(const Agent& agent, const std::string& task) {
    return agent.machine->run({"/bin/systemctl", "is-active", "--quiet", "mj-" + task + ".service"}).exit_code != 0;
  }

  static std::vector<Json> agent_entries(const Agent& agent, const std::string& match) {
    std::vector<std::string> argv = {"/bin/journalctl", "-o", "json", "--all", "--no-pager", "-q"};
    if (!agent.journal_ns.empty()) argv.push_back("--namespace=" + agent.journal_ns);
    argv.push_back(match);
    return parse_json_lines(agent.machine->run(argv).out);
  }
  static std::vector<Json> collector_entries(const std::string& match) {
    return parse_json_lines(g->collector
                                ->run({"/bin/journalctl", "-o", "json", "--all", "--no-pager", "-q",
                                       std::string("--directory=") + kRemoteDir, match})
                                .out);
  }
  static std::vector<Json> wait_collector(const std::string& match, std::size_t count, std::chrono::milliseconds timeout) {
    std::vector<Json> entries;
    wait_for([&] { return (entries = collector_entries(match)).size() >= count; }, timeout, kCollectorPoll);
    return entries;
  }
  // mesos-journald-logs on the collector's directory.
  static NspawnMachine::Result reader(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {MJ_LOGS, "--directory", kRemoteDir};
    argv.insert(argv.end(), args.begin(), args.end());
    return g->collector->run(argv);
  }
  // How many times each MESSAGE is in `entries`.
  static std::map<std::string, int> message_counts(const std::vector<Json>& entries) {
    std::map<std::string, int> n;
    for (const Json& e : entries) ++n[json_field(e, "MESSAGE")];
    return n;
  }

  // An entry as systemd-journal-upload sends it (the export format): one of a made-up
  // source (boot id, _PID) stored at time i, with the given message and TASK_ID. As the
  // companion sends it over the native protocol (_TRANSPORT=journal, STREAM), or
  // `stream_protocol`: as journald stores a line of a stream connection (_TRANSPORT=
  // stdout, no STREAM), where the lines of one read share a time.
  static std::string export_entry(const std::string& message, const std::string& task, int i,
                                  bool stream_protocol = false) {
    static const long long start_usec = static_cast<long long>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    return "__REALTIME_TIMESTAMP=" + std::to_string(start_usec + i) + "\n__MONOTONIC_TIMESTAMP=" +
           std::to_string(5000000 + i) + "\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_PID=4242\nMESSAGE=" + message +
           "\nTASK_ID=" + task + (stream_protocol ? "\n_TRANSPORT=stdout\n\n" : "\n_TRANSPORT=journal\nSTREAM=STDOUT\n\n");
  }

  // Uploads entries in the export format from agent-a, as systemd-journal-upload sends a
  // journal, with the TLS options given. From a file: 252's uploader drops what a pipe
  // still holds once its writer has closed it (it looks at the hangup first).
  static NspawnMachine::Result upload_export(const std::string& entries, const std::vector<std::string>& tls) {
    g->a.machine->write_file("/run/mj-upload.export", entries);
    // The URL is journal-upload.conf's (252 refuses --url beside it).
    std::vector<std::string> argv = {"/lib/systemd/systemd-journal-upload", "--trust=/mj-certs/ca.pem"};
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.push_back("/run/mj-upload.export");
    return g->a.machine->run(argv);
  }

  static bool installed_;
};
bool Collector::installed_ = false;

// Both agents' tasks arrive with every field the agent's journal has, ours and
// journald's trusted ones; the reader gives each stream back byte for byte.
TEST_F(Collector, EveryFieldOfBothAgentsAndTheBytesBack) {
  // Text, bytes that are not text (NUL, invalid UTF-8, \r, an escape), a line split into
  // pieces (--max-line-bytes 100), an empty line, and a last line without a newline.
  static constexpr char kBinary[] = "bin\0ary \xff\xfe\x01 \x1b[31m red\r";
  std::string binary = std::string(kBinary, sizeof kBinary - 1) + "\n";
  std::string out = "first line\n" + binary + std::string(350, 'x') + "-end of a long line\n\nlast, no newline";
  std::string err = "an error line\n" + std::string(250, 'e') + "\n";
  for (const char* task : {"fields-a", "fields-b"}) {
    write_file(g->data.file(std::string(task) + ".out"), out + " " + task);
    write_file(g->data.file(std::string(task) + ".err"), err);
  }
  for (Agent* agent : {&g->a, &g->b}) {
    const std::string task = agent == &g->a ? "fields-a" : "fields-b";
    auto r = run_task(*agent, task, "cat /mj-data/" + task + ".out; cat /mj-data/" + task + ".err >&2",
                      {"--max-line-bytes", "100"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::set<std::string> machine_ids;
  for (Agent* agent : {&g->a, &g->b}) {
    const std::string task = agent == &g->a ? "fields-a" : "fields-b";
    SCOPED_TRACE(agent->name);
    auto source = agent_entries(*agent, "TASK_ID=" + task);
    ASSERT_GE(source.size(), 10u);
    auto remote = wait_collector("TASK_ID=" + task, source.size(), 60s);
    std::printf("[%s] %zu entries in the agent's journal, %zu on the collector\n", agent->name.c_str(), source.size(),
                remote.size());
    ASSERT_EQ(remote.size(), source.size());
    // Same entries: keyed by the agent's monotonic time, which the collector keeps, and
    // what tells apart the entries of one datagram (they share a time; the companion
    // never puts two with the same stream, message and piece into one).
    auto key = [](const Json& e) {
      std::string k;
      for (const char* f : {"__MONOTONIC_TIMESTAMP", "STREAM", "MESSAGE", "CONTAINER_PARTIAL_ID",
                            "CONTAINER_PARTIAL_ORDINAL"})
        k += (e.contains(f) ? e[f].dump() : std::string("-")) + "\n";
      return k;
    };
    std::map<std::string, Json> by_time;
    for (const Json& e : remote) by_time[key(e)] = e;
    ASSERT_EQ(by_time.size(), remote.size());
    std::size_t pieces = 0;
    for (const Json& s : source) {
      auto it = by_time.find(key(s));
      ASSERT_NE(it, by_time.end()) << s.dump();
      const Json& c = it->second;
      for (auto f = s.begin(); f != s.end(); ++f) {
        if (f.key() == "__CURSOR" || f.key().rfind("__SEQNUM", 0) == 0) continue;
        EXPECT_EQ(c.contains(f.key()) ? c[f.key()] : Json(), f.value()) << f.key();
      }
      for (auto f = c.begin(); f != c.end(); ++f) {
        if (f.key() != "__CURSOR" && f.key().rfind("__SEQNUM", 0) != 0) {
          EXPECT_TRUE(s.contains(f.key())) << f.key();
        }
      }
      for (const char* name : {"FRAMEWORK_ID", "EXECUTOR_ID", "AGENT_ID", "CONTAINER_ID", "TASK_ID", "TASK_NAME",
                               "STREAM", "PRIORITY", "SYSLOG_IDENTIFIER", "_HOSTNAME", "_MACHINE_ID", "_PID",
                               "_BOOT_ID"})
        EXPECT_TRUE(c.contains(name)) << name;
      EXPECT_EQ(json_field(c, "_HOSTNAME"), agent->machine->name());
      EXPECT_EQ(json_field(c, "_MACHINE_ID"), agent->machine_id);
      EXPECT_EQ(json_field(c, "AGENT_ID"), agent->name + "-S0");
      if (c.contains("CONTAINER_PARTIAL_ID")) {
        ++pieces;
        EXPECT_TRUE(c.contains("CONTAINER_PARTIAL_ORDINAL") && c.contains("CONTAINER_PARTIAL_LAST"));
      }
    }
    EXPECT_GE(pieces, 7u) << "the long lines were not split";
    machine_ids.insert(agent->machine_id);

    auto o = reader({"--task", task, "--stream", "stdout", "-o", "raw"});
    ASSERT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.out, out + " " + task);
    auto e = reader({"--task", task, "--stream", "stderr", "-o", "raw"});
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_EQ(e.out, err);
  }
  EXPECT_EQ(machine_ids.size(), 2u) << "the agents share a machine id";
  // agent-b's uploader was started by the path unit when the namespace appeared.
  EXPECT_EQ(trim(g->b.machine->run({"/bin/systemctl", "is-active", std::string("mesos-journald-upload@") + kNamespace +
                                                                        ".service"}).out),
            "active");
  // And journalctl on the collector finds a task by its id (the long line in pieces).
  auto j = g->collector->run({"/bin/journalctl", std::string("--directory=") + kRemoteDir, "TASK_ID=fields-b",
                              "STREAM=STDERR", "-o", "cat", "--no-pager"});
  EXPECT_EQ(j.out, "an error line\n" + std::string(100, 'e') + "\n" + std::string(100, 'e') + "\n" +
                       std::string(50, 'e') + "\n");
}

// systemd-journal-upload 252 sends the entry at its saved cursor again each time it
// starts; the units move the cursor on first. Restarting the uploaders (as every outage
// of the collector does) must not put any entry on the collector twice.
TEST_F(Collector, UploaderRestartsSendNothingTwice) {
  for (Agent* agent : {&g->a, &g->b}) {
    SCOPED_TRACE(agent->name);
    const std::string task = "restart-" + agent->name;
    const std::string unit =
        agent->journal_ns.empty() ? "systemd-journal-upload.service" : "mesos-journald-upload@" + agent->journal_ns + ".service";
    const int kRounds = 3, kPerRound = 4;
    for (int round = 0; round < kRounds; ++round) {
      auto r = run_task(*agent, task, "for i in 1 2 3 4; do echo \"round " + std::to_string(round) + " line $i\"; done");
      ASSERT_EQ(r.exit_code, 0) << r.err;
      auto got = wait_collector("TASK_ID=" + task, static_cast<std::size_t>((round + 1) * kPerRound), 30s);
      ASSERT_EQ(got.size(), static_cast<std::size_t>((round + 1) * kPerRound)) << "round " << round;
      must(*agent->machine, "systemctl restart " + unit);
    }
    // Something after the last restart, so that a resent entry would be there by now.
    ASSERT_EQ(run_task(*agent, task, "echo after").exit_code, 0);
    auto all = wait_collector("TASK_ID=" + task, kRounds * kPerRound + 1, 30s);
    std::this_thread::sleep_for(1s);
    all = collector_entries("TASK_ID=" + task);
    std::printf("[%s] %d lines, %d uploader restarts: %zu entries on the collector\n", agent->name.c_str(),
                kRounds * kPerRound + 1, kRounds, all.size());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kRounds * kPerRound + 1));
    for (const auto& [message, n] : message_counts(all)) EXPECT_EQ(n, 1) << message;
  }
}

// The collector stopped, then SIGKILLed, while both agents write; agent-b's uploader is
// also down for a while; agent-a's journald is restarted (as in a reboot of the agent's
// logging). Every line arrives; the reader prints each once.
TEST_F(Collector, OutagesLoseNothingAndTheReaderPrintsEachLineOnce) {
  const long kLines = 600;
  const std::string pause = "0.02";  // about 15 s of writing
  auto restarts = [](const NspawnMachine& m, const std::string& unit) {
    return std::stol("0" + trim(m.run({"/bin/systemctl", "show", "-p", "NRestarts", "--value", unit}).out));
  };
  const long upload_a = restarts(*g->a.machine, "systemd-journal-upload.service");
  const long collector = restarts(*g->collector, "mesos-journald-collector.service");
  start_task_unit(g->a, "outage-a", kLines, pause);
  start_task_unit(g->b, "outage-b", kLines, pause);
  auto step = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  step(1000ms);
  // Stopped: the socket too, or the next connection would start journal-remote again.
  must(*g->collector, "systemctl stop mesos-journald-collector-tls.service mesos-journald-collector.socket "
                      "mesos-journald-collector.service");
  must(*g->b.machine, std::string("systemctl stop mesos-journald-upload@") + kNamespace + ".service");
  const std::size_t before_stop = collector_entries("TASK_ID=outage-a").size();
  step(1500ms);
  must(*g->collector, "systemctl start mesos-journald-collector.socket mesos-journald-collector-tls.service");
  must(*g->a.machine, "systemctl restart systemd-journald.service");
  // SIGKILL in the middle of the stream, once agent-a's uploader (restarted within 5 s)
  // is sending again; Restart= brings journal-remote back.
  ASSERT_TRUE(wait_for([&] { return collector_entries("TASK_ID=outage-a").size() > before_stop + 10; }, 20s, kCollectorPoll))
      << "agent-a's uploader did not resume";
  ASSERT_FALSE(task_unit_done(g->a, "outage-a")) << "the stream ended before the SIGKILL";
  must(*g->collector, "systemctl kill -s KILL mesos-journald-collector.service");
  step(1000ms);
  must(*g->b.machine, std::string("systemctl start mesos-journald-upload@") + kNamespace + ".service");

  for (Agent* agent : {&g->a, &g->b}) {
    SCOPED_TRACE(agent->name);
    const std::string task = agent == &g->a ? "outage-a" : "outage-b";
    ASSERT_TRUE(wait_for([&] { return task_unit_done(*agent, task); }, 60s, kCollectorPoll)) << "the task did not finish";
    std::string expected;
    for (long i = 0; i < kLines; ++i) expected += task + " line " + std::to_string(i) + "\n";
    // Every line on the collector (some may be there twice: see below).
    std::map<std::string, int> counts;
    wait_for([&] { return (counts = message_counts(collector_entries("TASK_ID=" + task))).size() >= kLines; }, 60s, kCollectorPoll);
    std::size_t total = 0, twice = 0;
    for (const auto& [m, n] : counts) total += static_cast<std::size_t>(n), twice += n > 1;
    std::printf("[%s] %ld lines written; on the collector %zu distinct, %zu entries (%zu lines more than once)\n",
                agent->name.c_str(), kLines, counts.size(), total, twice);
    EXPECT_EQ(counts.size(), static_cast<std::size_t>(kLines)) << "lines lost";
    // The agent's journal has each line once (the companion resends nothing journald kept).
    auto local = message_counts(agent_entries(*agent, "TASK_ID=" + task));
    EXPECT_EQ(local.size(), static_cast<std::size_t>(kLines));
    for (const auto& [m, n] : local) EXPECT_EQ(n, 1) << "twice in the agent's journal: " << m;
    // An upload cut off by the SIGKILL is resent from the last acknowledged cursor: what
    // journal-remote had written of it is on the collector twice. The reader prints
    // entries identical in their source fields once.
    auto o = reader({"--task", task, "-o", "raw"});
    ASSERT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.out, expected);
  }
  for (const char* unit : {"mesos-journald-collector.service", "mesos-journald-collector-tls.service"})
    EXPECT_EQ(trim(g->collector->run({"/bin/systemctl", "is-active", unit}).out), "active") << unit;
  // The outages did happen: agent-a's uploader failed and was restarted, the collector
  // was restarted after the SIGKILL.
  const long upload_a_after = restarts(*g->a.machine, "systemd-journal-upload.service");
  const long collector_after = restarts(*g->collector, "mesos-journald-collector.service");
  std::printf("restarts during the outages: agent-a's uploader %ld, journal-remote %ld\n", upload_a_after - upload_a,
              collector_after - collector);
  EXPECT_GT(upload_a_after, upload_a);
  EXPECT_GT(collector_after, collector);
}

// Copies of an entry on the collector, as an upload resent after it was cut off leaves
// them: journalctl shows both, the reader prints the line once.
TEST_F(Collector, TheReaderPrintsAnEntryTheCollectorHoldsTwiceOnce) {
  auto entry = [](int i) { return export_entry("held line " + std::to_string(i), "held-twice", i); };
  auto upload = [](const std::string& input) {
    return upload_export(input, {"--key=/mj-certs/agent-a.key", "--cert=/mj-certs/agent-a.pem"});
  };
  auto first = upload(entry(0) + entry(1) + entry(2));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto again = upload(entry(1) + entry(2) + entry(3));  // resent from entry 1 on
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto stored = wait_collector("TASK_ID=held-twice", 6, 20s);
  EXPECT_EQ(stored.size(), 6u);
  auto o = reader({"--task", "held-twice", "-o", "raw"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "held line 0\nheld line 1\nheld line 2\nheld line 3\n");
}

// The same for lines that came through journald's stream protocol (--transport stream,
// a service's stdout): there the copy of a line cannot be told from the same line
// written again in one read (both equal in every field and time), so the reader prints
// what the collector holds, copies too, rather than lose a line.
TEST_F(Collector, TheReaderPrintsAStreamEntryTheCollectorHoldsTwiceTwice) {
  auto entry = [](const std::string& message, int time) { return export_entry(message, "held-stream", time, true); };
  auto upload = [](const std::string& input) {
    return upload_export(input, {"--key=/mj-certs/agent-a.key", "--cert=/mj-certs/agent-a.pem"});
  };
  // One read brought "s", "s", "t"; the upload is resent from the second "s" on.
  auto first = upload(entry("s", 10) + entry("s", 10) + entry("t", 10));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto again = upload(entry("s", 10) + entry("t", 10) + entry("u", 11));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_EQ(wait_collector("TASK_ID=held-stream", 6, 20s).size(), 6u);
  auto o = reader({"--task", "held-stream", "-o", "raw"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  // Entries equal in boot and time come in the order of the files that hold them.
  std::vector<std::string> lines = split_lines(o.out);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"s", "s", "s", "t", "t", "u"})) << o.out;
}

// Repeated and empty lines, written at once through both transports on an agent, read
// on the collector in every output mode: every line as often as it was written. The
// stream protocol stores the lines of one read with one time (and no empty line); the
// native protocol up to 64 entries of a datagram, never two equal ones.
TEST_F(Collector, RepeatedLinesOfBothTransportsComeBackEveryOne) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "same\n";
  text += std::string(300, '\n') + "x\nx\nx\n";
  for (int i = 0; i < 100; ++i) text += "a\nb\n\n";
  write_file(g->data.file("repeat.out"), text);
  std::string without_empty;
  for (const std::string& line : split_lines(text))
    if (!line.empty()) without_empty += line + "\n";
  struct Case {
    std::string task;
    std::vector<std::string> args;
    std::string expected;
  };
  for (const Case& c : {Case{"repeat-native", {}, text}, Case{"repeat-stream", {"--transport", "stream"}, without_empty}}) {
    SCOPED_TRACE(c.task);
    auto r = run_task(g->a, c.task, "cat /mj-data/repeat.out", c.args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::size_t lines = split_lines(c.expected).size();
    auto stored = wait_collector("TASK_ID=" + c.task, lines, 60s);
    std::set<std::string> times;
    for (const Json& e : stored) times.insert(json_field(e, "__MONOTONIC_TIMESTAMP"));
    std::printf("[%s] %zu entries on the collector at %zu distinct times, transport %s\n", c.task.c_str(),
                stored.size(), times.size(), stored.empty() ? "-" : json_field(stored.front(), "_TRANSPORT").c_str());
    ASSERT_EQ(stored.size(), lines);
    auto o = reader({"--task", c.task, "-o", "raw"});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_TRUE(o.out == c.expected) << "raw: " << split_lines(o.out).size() << " lines of " << lines;
    for (std::string format : {"short", "json", "cri"}) {
      o = reader({"--task", c.task, "-o", format});
      EXPECT_EQ(o.exit_code, 0) << o.err;
      auto got = record_messages(format, o.out);
      EXPECT_TRUE(got == split_lines(c.expected)) << format << ": " << got.size() << " lines of " << lines;
    }
  }
}

// Only the cluster's agents get in: a certificate from another CA and no certificate are
// refused by the TLS proxy; the same upload with the agent's certificate goes through
// (so the refusals are the certificates' doing).
TEST_F(Collector, SendersWithoutTheClustersCertificateAreRefused) {
  auto upload = [](const std::string& marker, const std::vector<std::string>& tls) {
    return upload_export(export_entry(marker, marker, 0), tls);
  };
  auto rogue = upload("refused-rogue", {"--key=/mj-certs/rogue/agent-a.key", "--cert=/mj-certs/rogue/agent-a.pem"});
  auto none = upload("refused-none", {"--key=-", "--cert=-"});
  auto good = upload("admitted", {"--key=/mj-certs/agent-a.key", "--cert=/mj-certs/agent-a.pem"});
  std::printf("another CA's certificate: exit %d, %s\nno certificate: exit %d, %s\n", rogue.exit_code,
              trim(rogue.err).c_str(), none.exit_code, trim(none.err).c_str());
  EXPECT_NE(rogue.exit_code, 0);
  EXPECT_NE(none.exit_code, 0);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(wait_collector("TASK_ID=admitted", 1, 20s).size(), 1u);
  EXPECT_EQ(collector_entries("TASK_ID=refused-rogue").size(), 0u);
  EXPECT_EQ(collector_entries("TASK_ID=refused-none").size(), 0u);
  auto log = g->collector->run({"/bin/journalctl", "-u", "mesos-journald-collector-tls.service", "--no-pager", "-q"});
  EXPECT_NE(log.out.find("peer did not return a certificate"), std::string::npos) << log.out;
}

// The collector's disk full: journal-remote cannot write, the upload in progress fails,
// the uploader retries from its cursor every 5 s; once there is space again every line
// arrives, and the reader prints each once. (A 3 MiB tmpfs over the collector's
// directory, grown to 64 MiB; the other tests' files are hidden meanwhile.)
TEST_F(Collector, DiskFullThenFreedLosesNothing) {
  const long kLines = 4000;  // about 4 MB in the collector's journal files
  must(*g->collector, "systemctl stop mesos-journald-collector-tls.service mesos-journald-collector.socket "
                      "mesos-journald-collector.service && "
                      "mkdir -p /var/log/journal/remote && mount -t tmpfs -o size=3M,mode=0755 mj-full /var/log/journal/remote && "
                      "chown systemd-journal-remote:systemd-journal-remote /var/log/journal/remote && "
                      "systemctl start mesos-journald-collector.socket mesos-journald-collector-tls.service");
  auto restore = [] {
    must(*g->collector, "systemctl stop mesos-journald-collector-tls.service mesos-journald-collector.socket "
                        "mesos-journald-collector.service; umount /var/log/journal/remote && "
                        "systemctl start mesos-journald-collector.socket mesos-journald-collector-tls.service");
  };
  const std::string unit = std::string("mesos-journald-upload@") + kNamespace + ".service";
  auto restarts = [&] {
    return std::stol("0" + trim(g->b.machine->run({"/bin/systemctl", "show", "-p", "NRestarts", "--value", unit}).out));
  };
  const long before = restarts();
  auto r = run_task(g->b, "diskfull-b",
                    "i=0; while [ $i -lt " + std::to_string(kLines) + " ]; do printf 'diskfull-b line %05d %0300d\\n' $i 0; "
                    "i=$((i+1)); done");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  bool failed = wait_for([&] { return restarts() > before; }, 30s, kCollectorPoll);
  auto df = g->collector->run({"/bin/df", "-h", "/var/log/journal/remote"});
  std::printf("%s", df.out.c_str());
  if (!failed) restore();
  ASSERT_TRUE(failed) << "the uploader never failed: the disk did not fill";
  const std::size_t while_full = collector_entries("TASK_ID=diskfull-b").size();
  must(*g->collector, "mount -o remount,size=64M /var/log/journal/remote");
  std::string expected;
  for (long i = 0; i < kLines; ++i) {
    char line[400];
    std::snprintf(line, sizeof line, "diskfull-b line %05ld %0300d\n", i, 0);
    expected += line;
  }
  std::map<std::string, int> counts;
  wait_for([&] { return (counts = message_counts(collector_entries("TASK_ID=diskfull-b"))).size() >= kLines; }, 60s, kCollectorPoll);
  std::size_t total = 0;
  for (const auto& [m, n] : counts) total += static_cast<std::size_t>(n);
  std::printf("disk full: %zu of %ld lines stored while full, uploader restarts %ld; after: %zu distinct, %zu entries\n",
              while_full, kLines, restarts() - before, counts.size(), total);
  EXPECT_EQ(counts.size(), static_cast<std::size_t>(kLines));
  auto o = reader({"--task", "diskfull-b", "-o", "raw"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(o.out == expected) << "the reader's output differs (" << o.out.size() << " bytes, " << expected.size()
                                 << " expected)";
  restore();
}

// Retention: the vacuum service (the timer's) runs on the collector's directory.
TEST_F(Collector, TheVacuumServiceRuns) {
  auto r = g->collector->run({"/bin/systemctl", "start", "mesos-journald-collector-vacuum.service"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(trim(g->collector->run({"/bin/systemctl", "show", "-p", "Result", "--value",
                                    "mesos-journald-collector-vacuum.service"}).out),
            "success");
  // Its output reaches the journal a moment after the unit finished.
  NspawnMachine::Result log;
  EXPECT_TRUE(wait_for(
      [&] {
        log = g->collector->run({"/bin/journalctl", "-u", "mesos-journald-collector-vacuum.service", "--no-pager", "-q"});
        return log.out.find("Vacuuming done") != std::string::npos;
      },
      10s, kCollectorPoll))
      << log.out;
}

}  // namespace
}  // namespace mj::test
