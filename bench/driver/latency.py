"""The latency group: from a task's write() to the line being readable, the figure users
feel. Run by run_bench.py (group `latency`).

A probe container (bench/latency_probe write) writes "LAT <seq> <CLOCK_MONOTONIC ns>"
lines, one every 10 ms, the stamp read just before each write(), into a companion
(mesos-journald-pipe --namespace NS, the Mesos fields, the pipe as --stdout-fd as the
module starts it). A follower (bench/latency_probe read) opened before the first line
waits with sd_journal_wait() (inotify, woken when the journal's writer posts a change:
no polling of its own) and, for each probe entry, takes now − stamp ("readable") and the
entry's own monotonic timestamp − stamp ("received": when the agent's journald got it).

Cases:
  journald, idle       the probe alone on a fresh journald namespace instance;
  journald, busy       the probe plus 19 containers of bench/line_gen (100 B, steady, as
                       fast as their companions take them) on the same instance;
  collector, idle/busy the same, with systemd-journal-upload following the namespace's
                       journal and posting to stunnel → systemd-journal-remote on loopback
                       (collector.Collector, as the collector group sets it up); the
                       follower reads the collector's output directory;
  partial line         the probe writes its line without the newline and adds the newline
                       2 s later: the entry readable in between is the companion's flush
                       of an unterminated line (--flush-partial-after, default 1 s).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from collector import UPLOAD, Collector, make_certs, stop, tls_args
from contenders import MESOS_FIELDS
from journald import Journald

INTERVAL_MS = 10
BUSY = 19
PARTIAL_GAP_MS = 2000
# Samples per case (full, quick): bounded, a few thousand at idle.
SAMPLES = {"journald idle": (3000, 500), "journald busy": (1000, 300),
           "collector idle": (2000, 300), "collector busy": (1000, 200), "partial": (10, 3)}
GOAL_S = 1.0  # the goal: p99 to the collector under one second


def probe_path(tools):
    return os.path.join(os.path.dirname(tools.line_gen), "latency_probe")


def companion(tools, j, ident, writer_argv):
    """writer_argv | mesos-journald-pipe, the pipe an fd of the companion's own."""
    w = subprocess.Popen(writer_argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    fd = w.stdout.fileno()
    fields = [x for f in MESOS_FIELDS for x in ("--field", f)]
    c = subprocess.Popen([tools.pipe, "--namespace", j.name, "-t", ident] + fields + ["--stdout-fd", str(fd)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=(fd,))
    w.stdout.close()
    return w, c


class BusyLoad:
    """BUSY containers writing 100 B lines as fast as their companions take them, until
    stopped."""

    def __init__(self, tools, j, tag):
        self.pairs = [companion(tools, j, f"{tag}-busy{i}", [tools.line_gen, "--count", str(10**9), "--size", "100",
                                                             "--mode", "steady"]) for i in range(BUSY)]

    def stop(self):
        for w, _ in self.pairs:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w, c in self.pairs:
            w.wait()
            try:
                c.wait(60)
            except subprocess.TimeoutExpired:
                c.kill()
                c.wait()


def follow(tools, ident, count, timeout_s, namespace=None, directory=None):
    """Starts the follower; returns it once its journal is open."""
    where = ["--namespace", namespace] if namespace else ["--directory", directory]
    r = subprocess.Popen([probe_path(tools), "read"] + where + ["--identifier", ident, "--count", str(count),
                                                               "--timeout-s", str(int(timeout_s))],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = r.stderr.readline()
    if line.strip() != "ready":
        r.kill()
        raise RuntimeError(f"latency_probe read did not start: {line}{r.stderr.read()}")
    return r


def percentile(sorted_xs, q):
    """Nearest rank; None when there are no samples."""
    if not sorted_xs:
        return None
    i = max(0, min(len(sorted_xs) - 1, int(-(-q * len(sorted_xs) // 1)) - 1))
    return sorted_xs[i]


def summary(samples_us, wanted):
    """p50/p99/max in ms over `wanted` samples; a sample that never arrived counts as
    later than every other (so p99 is unknown once more than 1 % are missing)."""
    xs = sorted(samples_us)
    missing = wanted - len(xs)
    full = xs + [float("inf")] * max(0, missing)

    def ms(v):
        return None if v is None or v == float("inf") else v / 1000

    return {"n": len(xs), "missing": max(0, missing), "p50_ms": ms(percentile(full, 0.5)),
            "p99_ms": ms(percentile(full, 0.99)), "max_ms": ms(full[-1]) if full else None}


def measure(tools, ident, count, timeout_s, writer_extra, j, follower_at):
    """One case: follower first, then the probe container; the follower's samples."""
    reader = follow(tools, ident, count, timeout_s, **follower_at)
    w, c = companion(tools, j, ident, [probe_path(tools), "write", "--count", str(count),
                                       "--interval-ms", str(INTERVAL_MS)] + writer_extra)
    try:
        out, err = reader.communicate(timeout=timeout_s + 30)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
        if w.poll() is None:
            w.kill()
        w.wait()
        c.wait(60)
    if reader.returncode != 0:
        raise RuntimeError(f"latency_probe read exited {reader.returncode}: {err}")
    r = json.loads(out)
    return {"readable": summary(r["seen_us"], count), "received": summary(r["stored_us"], count),
            "wanted": count}


def run(tools, tag, quick, workdir):
    res = {"interval_ms": INTERVAL_MS, "busy_containers": BUSY, "partial_gap_ms": PARTIAL_GAP_MS,
           "flush_partial_after": "1s (default)", "cases": {}}
    pick = 1 if quick else 0
    work = tempfile.mkdtemp(prefix="latency-", dir=workdir)
    try:
        certs = make_certs(work)
        for where in ("journald", "collector"):
            for load in ("idle", "busy"):
                name = f"{where} {load}"
                n = SAMPLES[name][pick]
                # Bounded: the samples' own time plus a margin; behind a busy uploader
                # the backlog can take minutes, and what is still missing then counts
                # as later than everything else.
                timeout = n * INTERVAL_MS / 1000 + (120 if where == "collector" and load == "busy" else 30)
                res["cases"][name] = case(tools, f"{tag}-lat-{where}-{load}", n, timeout, where, load, work, certs, [])
        n = SAMPLES["partial"][pick]
        res["cases"]["partial"] = case(tools, f"{tag}-lat-partial", n, n * (PARTIAL_GAP_MS + INTERVAL_MS) / 1000 + 30,
                                       "journald", "idle", work, certs, ["--partial-gap-ms", str(PARTIAL_GAP_MS)])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def case(tools, name, n, timeout, where, load, work, certs, writer_extra):
    ident = f"{name}-probe"
    with Journald(name) as j:
        coll, up, busy = None, None, None
        try:
            if where == "collector":
                # One entry first, so that the journal directory the uploader follows exists.
                subprocess.run([tools.pipe, "--namespace", j.name, "-t", f"{name}-warm"], input=b"warm\n", check=True)
                for _ in range(500):
                    if os.path.isdir(j.directory):
                        break
                    time.sleep(0.01)
                coll = Collector(work, certs, True)
                up = subprocess.Popen([UPLOAD, f"--url={coll.url}", f"--directory={j.directory}"] + tls_args(certs),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                at = {"directory": coll.out}
            else:
                at = {"namespace": j.name}
            if load == "busy":
                busy = BusyLoad(tools, j, name)
                time.sleep(1)  # at full speed before the first sample
            r = measure(tools, ident, n, timeout, writer_extra, j, at)
        finally:
            if busy:
                busy.stop()
            if up:
                stop(up)
            if coll:
                coll.close()
    rd, rc = r["readable"], r["received"]
    print(f"  {name}: readable p50 {fmt_ms(rd['p50_ms'])} p99 {fmt_ms(rd['p99_ms'])} max {fmt_ms(rd['max_ms'])} "
          f"({rd['n']}/{n}); received p50 {fmt_ms(rc['p50_ms'])} p99 {fmt_ms(rc['p99_ms'])}", flush=True)
    return r


def fmt_ms(v):
    if v is None:
        return "–"
    return f"{v:,.0f} ms" if v >= 100 else f"{v:.2f} ms"


LABELS = {
    "journald idle": "companion → journald, idle (the probe alone)",
    "journald busy": f"companion → journald, busy (probe + {BUSY} containers at full speed)",
    "collector idle": "… → upload → stunnel → journal-remote, idle",
    "collector busy": f"… → upload → stunnel → journal-remote, busy (probe + {BUSY} containers)",
    "partial": "unterminated line (no newline for 2 s), `--flush-partial-after` default 1 s, idle",
}


def markdown(res):
    if not res or not res.get("cases"):
        return "Not measured yet: `sudo scripts/bench.sh --only latency`."
    out = ["| path | samples (read / written) | readable p50 | p99 | max | received by the agent's journald p50 "
           "| p99 | max |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, label in LABELS.items():
        r = res["cases"].get(name)
        if not r:
            continue
        rd, rc = r["readable"], r["received"]
        out.append(f"| {label} | {rd['n']:,} / {r['wanted']:,} | {fmt_ms(rd['p50_ms'])} | **{fmt_ms(rd['p99_ms'])}** | "
                   f"{fmt_ms(rd['max_ms'])} | {fmt_ms(rc['p50_ms'])} | {fmt_ms(rc['p99_ms'])} | {fmt_ms(rc['max_ms'])} |")
    out.append("")
    out.append("A sample not read within the case's time limit counts as later than all others: with more than "
               "1 % of them missing, p99 shows as –.")
    return "\n".join(out)


def verdicts(res):
    """The issue's goal, for the idle collector path only (under the busy load the uploader
    is behind by design: 19 containers at full speed outrun one uploader)."""
    r = ((res.get("latency") or {}).get("cases") or {}).get("collector idle")
    if not r:
        return []
    p99 = r["readable"]["p99_ms"]
    return [("write() to readable on the collector: p99 < 1 s (idle agent, one line / 10 ms)",
             f"{fmt_ms(p99)} ({r['readable']['n']:,} of {r['wanted']:,} lines)",
             p99 is not None and p99 < GOAL_S * 1000)]
