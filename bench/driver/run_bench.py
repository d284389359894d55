#!/usr/bin/env python3
"""Runs the benchmarks of docs/performance.md, by group, against private journald
namespaces and writes the report. Started by scripts/bench.sh (as root); see
docs/performance.md#running-it.

Groups (--only GROUP[,GROUP], repeatable; default all, in this order):
  throughput  the contenders against journald, the cost as containers grow, start-up + exit
  counts      system calls and context switches per line: an untimed pass over the throughput
              and files cases (counts.py)
  lever       journald's CPU per line against the constant fields per entry
  probes      micro-benchmarks, one companion's memory and wake-ups, spawn to first line
  files       sandbox files only: --no-journal against cat > file
  namespaces  one load over 1, 2 and 4 journald instances
  transports  --transport stream against native under a real systemd (nspawn)
  reader      mesos-journald-logs against journalctl -o cat (reader.py)
  collector   upload → stunnel → journal-remote: rates and CPU per entry (collector.py)
  latency     write() to readable: journald and collector, idle and busy; partial lines (latency.py)

The raw results live in docs/performance-results.json, one set per group: a run with
--only replaces its groups' results there and keeps the others', and the page is
rendered from the merged file (each group's date, commit and quiet check are listed on
it). Only a full (not --quick) run of every group on a quiet machine (quiet.py) appends
its verdicts to docs/performance-runs.json."""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import counts  # noqa: E402
from contenders import MESOS_FIELDS, Load, Tools, journal_contenders, run_load  # noqa: E402
from journald import Journald  # noqa: E402
import probes  # noqa: E402
import report  # noqa: E402
import collector  # noqa: E402
import latency  # noqa: E402
import quiet  # noqa: E402
import reader  # noqa: E402

GROUPS = ["throughput", "counts", "lever", "probes", "files", "namespaces", "transports", "reader", "collector", "latency"]
# The results' keys each group writes (an --only run replaces these, keeps the rest).
GROUP_KEYS = {"throughput": ["throughput", "scale_ref", "startup"], "counts": ["counts", "counts_skipped", "counts_startup"],
              "lever": ["lever"],
              "probes": ["micro", "memory", "spawn"], "files": ["files"], "namespaces": ["namespaces"],
              "transports": ["transport", "transport_skipped"], "reader": ["reader"],
              "collector": ["collector", "collector_skipped"], "latency": ["latency"]}

SIZES = [20, 100, 1024, 16384]
# Containers at once for the cost-as-containers-grow rows (100 B, steady writers).
SCALE = [20, 100]


def lines_for(size, quick):
    """Lines per load: a few seconds of journald work per contender."""
    full = {20: 60000, 100: 60000, 1024: 30000, 16384: 6000}[size]
    return full // 3 if quick else full


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Bench:
    def __init__(self, args):
        self.args = args
        self.tools = Tools(args.build_dir)
        self.tag = f"mjb{os.getpid()}"
        self.seq = 0
        self.workdir = tempfile.mkdtemp(prefix="mj-bench-", dir="/var/tmp")
        self.rng = random.Random(args.seed)
        self.failed = []  # groups that raised
        self.results = dict(EMPTY, load=[], groups={}, seed=args.seed, dgram_qlen=dgram_qlen(),
                            dcos=self.tools.dcos and os.path.basename(self.tools.dcos))

    def run_id(self):
        self.seq += 1
        return f"{self.tag}-{self.seq}"

    def note_load(self, what):
        self.results["load"].append({"when": what, "loadavg": loadavg(), "t": time.time()})
        print(f"[bench] {what}: load {loadavg()}", flush=True)

    def measure(self, load, journalds, verify=False, counted=False):
        return run_load(self.tools, load, journalds, self.run_id(), self.workdir, verify, counted)

    def fresh(self, n=1, config=""):
        """n journald namespace instances of their own for one measured run: journald's
        CPU per entry grows and jumps as its journal files fill, so a journald shared by
        the contenders of a repetition favoured whichever ran on a fresh file. config:
        journald.conf lines beyond the benchmark's own."""
        js = []
        try:
            for i in range(n):
                js.append(Journald(f"{self.tag}-j{self.seq}-{i}", config))
        except BaseException:
            for j in js:
                j.close()
            raise
        return js

    def measure_fresh(self, load, n=1, verify=False, counted=False, config=""):
        js = self.fresh(n, config)
        try:
            return self.measure(load, js, verify, counted)
        finally:
            for j in js:
                j.close()

    @staticmethod
    def throughput_cases():
        return [(s, "steady", 1) for s in SIZES] + [(100, "bursty", 1)] + \
            [(100, mode, k) for k in SCALE for mode in ("steady", "bursty") if (k, mode) != (100, "bursty")]

    def throughput(self):
        """The contenders against journald, each run on a fresh journald, in an order
        shuffled anew for every case of every repetition (seeded: --seed)."""
        quick = self.args.quick
        cases = self.throughput_cases()
        for rep in range(self.args.runs):
            self.note_load(f"throughput repetition {rep + 1}/{self.args.runs}")
            for size, mode, k in cases:
                count = lines_for(size, quick) // k
                order = journal_contenders(self.tools)
                self.rng.shuffle(order)
                for c in order:
                    r = self.measure_fresh(Load(c, size, mode, k, count), verify=(rep == 0))
                    r.update(contender=c, size=size, mode=mode, containers=k, rep=rep)
                    self.results["throughput"].append(r)
                    print(f"  {c:11} {size:6} B {mode:6} x{k:<2} {r['lines_per_s']:9.0f} lines/s  "
                          f"sender {r['sender_us_per_line']:5.2f} us/line  journald "
                          f"{r['journald_us_per_line']:5.2f} us/line  entries {r['entries']}", flush=True)
                    if r["entries"] is not None and r["entries"] < r["lines"]:
                        raise RuntimeError(f"{c}: {r['lines'] - r['entries']} lines missing from the journal")
            self.scale_references(rep)

    def counts(self):
        """One more, untimed, pass over the throughput cases and the single-container
        references of the scale rows, counting system calls (counts.py)."""
        if not counts.available():
            self.results["counts_skipped"] = "perf or /sys/kernel/tracing is missing"
            print("  counts skipped: perf or /sys/kernel/tracing is missing", flush=True)
            return
        self.note_load("counts")
        quick = self.args.quick
        cases = [(size, mode, k, lines_for(size, quick) // k) for size, mode, k in self.throughput_cases()]
        cases += [(100, "steady", 1, lines_for(100, quick) // k) for k in SCALE]  # the references
        runs = [(c, size, mode, k, count, True) for size, mode, k, count in cases for c in journal_contenders(self.tools)]
        runs += [(c, size, "steady", 1, lines_for(size, quick) * (5 if size >= 16384 else 10), False)
                 for size in SIZES for c in ("pipe-nojournal", "cat")]  # as files() runs them
        for c, size, mode, k, count, journal in runs:
            load = Load(c, size, mode, k, count)
            r = self.measure_fresh(load, counted=True) if journal else self.measure(load, [], counted=True)
            r.update(contender=c, size=size, mode=mode, containers=k, count=count)
            self.results["counts"].append(r)
            sc, jc = r["sender_counts"] or {}, r["journald_counts"] or {}
            full = sc.get("sendmmsg_eagain_per_line", 0) + sc.get("sendmsg_eagain_per_line", 0)
            print(f"  counts {c:14} {size:6} B {mode:6} x{k:<3} {count:7} lines each: sender "
                  f"{sc.get('syscalls_per_line', 0):.4f} syscalls, {r['sender_vcsw_per_line']:.4f} sleeps, "
                  f"{r['sender_ivcsw_per_line']:.4f} preemptions, {full:.4f} queue full, "
                  f"{sc.get('lines_per_sendmmsg') or 0:.1f} lines/sendmmsg; journald "
                  f"{jc.get('syscalls_per_line', 0):.3f} syscalls, {r['journald_vcsw_per_line'] or 0:.4f} sleeps "
                  "(per line)", flush=True)
        # Start-up and exit alone: 20 senders of one line each, system calls per sender.
        self.results["counts_startup"] = {}
        for c in ("native", "pipe"):
            r = self.measure_fresh(Load(c, 100, "steady", 20, 1), counted=True)
            self.results["counts_startup"][c] = r["sender_counts"]["syscalls_per_line"]
        print(f"  counts start-up + exit: {self.results['counts_startup']} system calls per sender", flush=True)

    def scale_references(self, rep):
        """For the cost-as-containers-grow rows: one container of as many lines as each of
        the k containers writes, so that k containers are compared with one doing the same
        work. Against the 60,000-line single container, the start-up and exit each sender
        pays once are spread over k times fewer lines."""
        for k in SCALE:
            count = lines_for(100, self.args.quick) // k
            order = [c for c in journal_contenders(self.tools) if c != "stream"]  # stream: no sender
            self.rng.shuffle(order)
            for c in order:
                r = self.measure_fresh(Load(c, 100, "steady", 1, count))
                r.update(contender=c, size=100, mode="steady", containers=1, rep=rep, reference_for=k)
                self.results["scale_ref"].append(r)
                print(f"  {c:11} 100 B steady x1  {count:6} lines (as each of {k}): sender "
                      f"{r['sender_us_per_line']:5.2f} us/line", flush=True)

    def startup(self):
        """What a sender costs once, whatever it sends: start-up and exit, from k senders
        of one line each (CPU per sender). The rows with many containers divide this by
        fewer lines per container."""
        k = 5 if self.args.quick else 20
        for c in ("native", "pipe", "pipe+files"):
            vals = []
            for _ in range(self.args.runs):
                r = self.measure_fresh(Load(c, 100, "steady", k, 1))
                vals.append(r["sender_us_per_line"])  # one line each: CPU per sender
            self.results["startup"][c] = vals
            print(f"  start-up + exit {c:11} {report.med(vals):7.0f} us CPU per sender", flush=True)

    def files(self):
        """(5): files only, the companion against cat > file (no journald involved). Runs of
        0.15-0.35 s were too short to hold still (cat alone took 463-973 MB/s at 1 KiB in
        the three repetitions of one run): longer runs, and more repetitions than the
        journald rows, so that the median ratio holds from run to run."""
        for rep in range(self.args.runs * 2 + 1):
            for size in SIZES:
                # 16 KiB: 6,000 x 5 lines are 500 MB already; the page cache keeps them all.
                count = lines_for(size, self.args.quick) * (5 if size >= 16384 else 10)
                order = ["pipe-nojournal", "cat"]
                self.rng.shuffle(order)
                for c in order:
                    r = self.measure(Load(c, size, "steady", 1, count), [])
                    r.update(contender=c, size=size, mode="steady", containers=1, rep=rep)
                    self.results["files"].append(r)
                    print(f"  {c:14} {size:6} B {r['mb_per_s']:8.1f} MB/s {r['lines_per_s']:9.0f} lines/s "
                          f"sender {r['sender_us_per_line']:.2f} us/line", flush=True)

    def namespaces(self):
        """The same load (4 companions, 100 B) over 1, 2 and 4 fresh journald instances."""
        count = lines_for(100, self.args.quick) // 2
        for rep in range(self.args.runs):
            self.note_load(f"namespaces repetition {rep + 1}")
            order = [1, 2, 4]
            self.rng.shuffle(order)
            for n in order:
                r = self.measure_fresh(Load("pipe", 100, "steady", 4, count), n)
                r.update(namespaces=n, rep=rep)
                self.results["namespaces"].append(r)
                print(f"  {n} namespace(s): {r['lines_per_s']:9.0f} lines/s", flush=True)

    def lever(self):
        """journald's CPU per line against the constant fields each entry carries, and
        against its forwarding of every entry to a syslog socket (ForwardToSyslog=, yes in
        Debian's journald: two failed sendmsg() per entry where no syslog daemon listens,
        as here)."""
        labels = [f"LABEL_{i:02d}=value-of-label-{i:02d}" for i in range(20)]
        variants = {"4 fields (no --field)": ([], ""), "10 fields (Mesos ids)": (MESOS_FIELDS, ""),
                    "30 fields (ids + 20 labels)": (MESOS_FIELDS + labels, ""),
                    "10 fields, ForwardToSyslog=no": (MESOS_FIELDS, "ForwardToSyslog=no\n")}
        count = lines_for(100, self.args.quick)
        for rep in range(self.args.runs):
            order = list(variants)
            self.rng.shuffle(order)
            for name in order:
                fields, config = variants[name]
                r = self.measure_fresh(Load("pipe", 100, "steady", 1, count, fields), config=config)
                r.update(variant=name, rep=rep)
                self.results["lever"].append(r)
                print(f"  {name:28} {r['lines_per_s']:9.0f} lines/s journald {r['journald_us_per_line']:.2f} us/line",
                      flush=True)

    def transports(self):
        """--transport stream against native, under a real systemd (bench/transport_bench
        boots the systemd tests' Debian rootfs with systemd-nspawn)."""
        self.note_load("transports")
        count = lines_for(100, self.args.quick) * 2
        p = subprocess.run([self.tools.transport_bench, "--companion", self.tools.pipe, "--line-gen",
                            self.tools.line_gen, "--lines", str(count), "--size", "100",
                            "--runs", str(self.args.runs)] + [x for f in MESOS_FIELDS for x in ("--field", f)],
                           capture_output=True, text=True)
        if p.returncode == 77:
            self.results["transport_skipped"] = p.stderr.strip()
            print(f"  transports skipped: {p.stderr.strip()}", flush=True)
            return
        if p.returncode != 0:
            raise RuntimeError(f"transport_bench failed ({p.returncode}): {p.stderr}")
        for line in p.stdout.splitlines():
            r = json.loads(line)
            self.results["transport"].append(r)
            print(f"  {r['transport']:12} {r['lines_per_s']:9.0f} lines/s journald {r['journald_us_per_line']:.2f} "
                  f"us/line sender {r['sender_us_per_line']:.2f} us/line stored {r['stored']}", flush=True)
            if r["stored"] < r["lines"]:
                raise RuntimeError(f"{r['transport']}: {r['lines'] - r['stored']} lines missing from the journal")

    def probes(self):
        with Journald(f"{self.tag}-probes") as j:
            self._probes(j)

    def _probes(self, j):
        idle_secs = 2 if self.args.quick else 5
        for size, lines, files in ((100, 1, False), (100, 1, True), (100, 100000, True), (16384, 5000, True)):
            r = probes.companion_memory(self.tools, j, self.run_id(), self.workdir, size, lines, idle_secs, files)
            self.results["memory"].append(r)
            print(f"  memory {r}", flush=True)
        runs = 20 if self.args.quick else 50
        for which in ("pipe", "native", "minimal", "pipe-probe", "native-probe", "minimal-probe"):
            self.results["spawn"][which] = probes.spawn_to_first_line(self.tools, j, runs, which)
            print(f"  spawn {which}: median {self.results['spawn'][which]['median_us']} us", flush=True)

    def group_throughput(self):
        self.throughput()
        self.startup()

    def group_counts(self):
        self.counts()

    def group_lever(self):
        self.lever()

    def group_probes(self):
        self.results["micro"] = probes.micro_benchmarks(self.tools, 0.05 if self.args.quick else 0.3)
        self.probes()

    def group_files(self):
        self.files()

    def group_namespaces(self):
        self.namespaces()

    def group_transports(self):
        self.results["transport"] = []
        self.transports()

    def group_reader(self):
        self.results["reader"] = reader.run(self.tools, self.tag, self.args.runs + 2, self.args.quick)

    def group_collector(self):
        why = collector.available()
        if why:
            self.results["collector_skipped"] = why
            print(f"  collector skipped: {why}", flush=True)
            return
        self.results["collector"] = collector.run(self.tools, self.tag, self.args.runs, self.args.quick, self.workdir)

    def group_latency(self):
        why = collector.available()
        if why:
            raise RuntimeError(f"latency: {why}")
        self.results["latency"] = latency.run(self.tools, self.tag, self.args.quick, self.workdir)

    def run(self, groups):
        """Runs `groups` in order, a quiet check before the first and after each; records
        per group when, of which commit, and whether the machine was quiet around it."""
        try:
            self.note_load("start")
            print(f"[bench] groups {', '.join(groups)}; seed {self.args.seed} (--seed {self.args.seed} repeats this "
                  f"order); net.unix.max_dgram_qlen={self.results['dgram_qlen']}", flush=True)
            before = quiet.check(f"before {groups[0]}", first=True, settle_s=self.args.settle_s)
            self.results["quiet_checks"] = [before]
            for g in groups:
                for k in GROUP_KEYS[g]:
                    self.results.pop(k, None)
                self.results.update({k: v for k, v in EMPTY.items() if k in GROUP_KEYS[g]})
                print(f"[bench] group {g}", flush=True)
                started = time.time()
                error = None
                try:
                    getattr(self, "group_" + g)()
                except Exception as e:  # the other groups still run; this one keeps its last results
                    traceback.print_exc()
                    error = f"{type(e).__name__}: {e}"
                    self.failed.append(g)
                after = quiet.check(f"after {g}")
                self.results["quiet_checks"].append(after)
                reasons = before["reasons"] + [r for r in after["reasons"] if r not in before["reasons"]]
                self.results["groups"][g] = {
                    "date": report.machine()["date"], "commit": report.commit(), "quick": self.args.quick,
                    "runs": self.args.runs, "seed": self.args.seed, "duration_s": round(time.time() - started),
                    "quiet": before["quiet"] and after["quiet"], "busy_reasons": reasons,
                    "loadavg": [before["loadavg"], after["loadavg"]]}
                if error:
                    self.results["groups"][g]["error"] = error
                before = after
            self.note_load("end")
            return self.results
        finally:  # sandbox files of a failed run must not stay behind either
            shutil.rmtree(self.workdir, ignore_errors=True)


# What a group's keys hold before it ran (the report reads every key).
EMPTY = {"throughput": [], "scale_ref": [], "counts": [], "counts_startup": {}, "files": [], "namespaces": [], "lever": [], "memory": [], "spawn": {},
         "micro": [], "transport": [], "startup": {}, "reader": [], "collector": {}, "latency": {}}


def dgram_qlen():
    """net.unix.max_dgram_qlen of this network namespace (bench.sh sets it)."""
    with open("/proc/sys/net/unix/max_dgram_qlen") as f:
        return int(f.read())


def parse_groups(values):
    """--only values (repeatable, comma lists) in GROUPS' order; all without --only."""
    if not values:
        return list(GROUPS)
    want = {g.strip() for v in values for g in v.split(",") if g.strip()}
    unknown = want - set(GROUPS)
    if unknown:
        sys.exit(f"run_bench: unknown group(s) {', '.join(sorted(unknown))}; groups: {', '.join(GROUPS)}")
    return [g for g in GROUPS if g in want]


def results_path(out_md):
    return os.path.splitext(out_md)[0] + "-results.json"


def merge(previous, results, groups):
    """This run's groups over the previous results: every other group's keys and
    per-group record stay as they were."""
    merged = dict(previous)
    for g in groups:
        for k in GROUP_KEYS[g]:
            merged.pop(k, None)
            if k in results:
                merged[k] = results[k]
    merged.setdefault("groups", {}).update({g: results["groups"][g] for g in groups})
    for k in ("load", "seed", "dgram_qlen", "dcos", "quiet_checks", "duration_s", "quick", "runs", "machine",
              "commit", "ran_groups", "quiet", "verdict_note"):
        if k in results:
            merged[k] = results[k]
    return merged


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", required=True)
    p.add_argument("--out", required=True, help="docs/performance.md")
    p.add_argument("--only", action="append", metavar="GROUP[,GROUP]",
                   help="run only these groups (repeatable; default all): " + ", ".join(GROUPS))
    p.add_argument("--quick", action="store_true", help="fewer lines and one repetition")
    p.add_argument("--runs", type=int, help="repetitions (default 3, quick 1)")
    p.add_argument("--seed", type=int, help="seed of the contenders' order (default: random, printed)")
    p.add_argument("--settle-s", type=int, help="before the first group, wait up to this long for a load average "
                   "left by the build to fall below the limit when nothing else is busy (default 120, quick 0)")
    p.add_argument("--from-json", help="only rewrite the page from a results file (default: docs/performance-results.json)",
                   nargs="?", const="")
    args = p.parse_args()
    raw = results_path(args.out)
    if args.from_json is not None:
        with open(args.from_json or raw) as f:
            report.write(json.load(f), args.out)
        return
    groups = parse_groups(args.only)
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.settle_s is None:
        args.settle_s = 0 if args.quick else 120
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 10**6)
    if os.geteuid() != 0:
        sys.exit("run_bench: needs root (it starts journald namespace instances)")
    started = time.time()
    bench = Bench(args)
    results = bench.run(groups)
    results["duration_s"] = time.time() - started
    results["quick"], results["runs"] = args.quick, args.runs
    results["machine"] = report.machine()
    results["commit"] = report.commit()
    results["ran_groups"] = groups
    results["quiet"] = all(results["groups"][g]["quiet"] for g in groups)
    # A verdict needs every group, measured in full, on a quiet machine.
    why_not = [w for w, bad in (("--quick", args.quick), ("not every group (--only)", groups != GROUPS),
                                ("the machine was not quiet", not results["quiet"]),
                                ("failed: " + ", ".join(bench.failed), bench.failed)) if bad]
    results["verdict_note"] = ("verdicts recorded in docs/performance-runs.json" if not why_not else
                               "no verdict recorded: " + "; ".join(why_not))
    previous = {}
    if (groups != GROUPS or bench.failed) and os.path.exists(raw):
        with open(raw) as f:
            previous = json.load(f)
    # A group that failed keeps its previous results (its record says it failed).
    results = merge(previous, results, [g for g in groups if g not in bench.failed])
    for g in bench.failed:
        now = bench.results["groups"][g]
        prev = (previous.get("groups") or {}).get(g)
        results["groups"][g] = dict(prev, last_error=now["error"], last_error_date=now["date"]) if prev else now
    with open(raw, "w") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
        f.write("\n")
    if not why_not:
        report.record_verdicts(results, args.out)
    report.write(results, args.out)
    if not results["quiet"]:
        print("[bench] NOT QUIET: " + "; ".join(sorted({r for g in groups for r in results["groups"][g]["busy_reasons"]})),
              flush=True)
    print(f"[bench] {results['verdict_note']}")
    print(f"[bench] wrote {args.out} (raw results in {raw}) in {results['duration_s']:.0f} s")
    if bench.failed:
        sys.exit(f"[bench] failed groups (their previous results kept): {', '.join(bench.failed)}")


if __name__ == "__main__":
    main()
