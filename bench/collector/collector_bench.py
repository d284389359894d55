#!/usr/bin/env python3
"""Shipping to a collector (docs/collecting.md), measured on one machine: entries/s from
an agent's journal through systemd-journal-upload, the TLS proxy (stunnel, client
certificates) and systemd-journal-remote, against one journald's ingestion rate of the
same lines; and the collector's CPU per entry. Started by scripts/bench-collector.sh (as
root); prints Markdown (docs/performance.md#shipping-to-a-collector has the last run).

The lines: --lines lines of 100 B of one task with the Mesos fields, written by
mesos-journald-pipe into a private journald namespace (standalone systemd-journald, as
the other benchmarks start it). That is "journald ingestion": from the companion's start
to the last entry stored, and journald's CPU.

Then the namespace's journal directory is uploaded (--follow=no: the catch-up rate of an
agent whose upload was down, the fastest an uploader goes) to a fresh collector on
loopback, for each variant:
  tls      systemd-journal-upload -> stunnel (verifies the client certificate) -> journal-remote
  tls x4   four uploaders of the same journal at once (four agents catching up)
  http     systemd-journal-upload -> journal-remote directly (no TLS, no proxy)
and, as agents send in steady state (each uploader follows its journal and posts what
is new whenever journald wakes it, a few entries at a time):
  trickle  four following uploaders (four agents) -> stunnel -> journal-remote while the
           companion writes --trickle-rate lines/s for 10 s; the collector's CPU per entry
Wall time until every uploader exited (each exits once the collector answered its last
upload, after writing it; the entries are counted afterwards);
CPU (user + system) of the uploaders, of stunnel, of journal-remote. Medians of --runs.
"""
import argparse
import collections
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "driver"))
from journald import Journald, cpu_seconds  # noqa: E402  (the other benchmarks' journald)

REMOTE = "/lib/systemd/systemd-journal-remote"
UPLOAD = "/lib/systemd/systemd-journal-upload"
TASK_ID = "collector-bench.1"
FIELDS = [
    "FRAMEWORK_ID=5b0b6a1e-8c2a-4d7f-9f1e-1c2d3e4f5a6b-0000",
    "EXECUTOR_ID=web.4f1c2d3e-0a1b-11ee-8c90-0242ac120002",
    "AGENT_ID=5b0b6a1e-8c2a-4d7f-9f1e-1c2d3e4f5a6b-S3",
    "CONTAINER_ID=0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
    f"TASK_ID={TASK_ID}",
    "TASK_NAME=web",
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, what):
    for _ in range(500):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start")
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"{what} did not listen on {port}")


def count_entries(args):
    p = subprocess.run(["journalctl", *args, "-o", "cat", "--no-pager", f"TASK_ID={TASK_ID}"], capture_output=True)
    return p.stdout.count(b"\n")


class Collector:
    """journal-remote on loopback (plain HTTP), optionally behind stunnel."""

    def __init__(self, work, certs, tls):
        self.out = tempfile.mkdtemp(dir=work, prefix="remote-")
        self.http_port = free_port()
        self.remote = subprocess.Popen([REMOTE, f"--listen-http=127.0.0.1:{self.http_port}", f"--output={self.out}/",
                                        "--split-mode=host"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.http_port, self.remote, "journal-remote")
        self.stunnel = None
        self.url = f"http://127.0.0.1:{self.http_port}"
        if tls:
            self.tls_port = free_port()
            conf = os.path.join(self.out, "..", f"stunnel-{self.tls_port}.conf")
            with open(conf, "w") as f:
                f.write(f"foreground = yes\npid =\nsyslog = no\n[journal]\naccept = 127.0.0.1:{self.tls_port}\n"
                        f"connect = 127.0.0.1:{self.http_port}\ncert = {certs}/collector.pem\n"
                        f"key = {certs}/collector.key\nCAfile = {certs}/ca.pem\nrequireCert = yes\n"
                        "verifyChain = yes\nsslVersionMin = TLSv1.2\n")
            self.stunnel = subprocess.Popen(["stunnel4", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_port(self.tls_port, self.stunnel, "stunnel")
            self.url = f"https://127.0.0.1:{self.tls_port}"

    def cpu(self):
        return (cpu_seconds(self.remote.pid), cpu_seconds(self.stunnel.pid) if self.stunnel else 0.0)

    def close(self):
        for p in (self.stunnel, self.remote):
            if p:
                p.send_signal(signal.SIGTERM)
                p.wait(10)
        shutil.rmtree(self.out, ignore_errors=True)


def ingest(pipe, lines):
    """The lines through the companion into a new journald namespace: (journald, wall, CPU)."""
    j = Journald(f"mjcb{os.getpid()}", extra_config="RuntimeMaxUse=2G\n")
    text = b"".join(f"{i:09d} ".encode().ljust(100, b"x") + b"\n" for i in range(lines))
    cpu0 = cpu_seconds(j.proc.pid)
    start = time.monotonic()
    fields = [x for f in FIELDS for x in ("--field", f)]
    p = subprocess.run([pipe, "--namespace", j.name, "-t", "bench"] + fields, input=text, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"companion failed: {p.stderr.decode()}")
    # Stored when the last line is (journald stores in order); -n 1 reads from the end.
    last = f"{lines - 1:09d} ".encode()
    while not subprocess.run(["journalctl", f"--namespace={j.name}", "-n", "1", "-o", "cat", f"TASK_ID={TASK_ID}"],
                             capture_output=True).stdout.startswith(last):
        time.sleep(0.02)
    wall = time.monotonic() - start
    if count_entries([f"--namespace={j.name}"]) != lines:
        raise RuntimeError("journald did not store every line")
    return j, wall, cpu_seconds(j.proc.pid) - cpu0


def upload(directory, collector, certs, uploaders, lines):
    """Wall until every uploader exited and the collector holds it all; CPU of each side."""
    tls = [f"--key={certs}/agent.key", f"--cert={certs}/agent.pem", f"--trust={certs}/ca.pem"] \
        if collector.stunnel else []
    remote0, stunnel0 = collector.cpu()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    procs = [subprocess.Popen([UPLOAD, f"--url={collector.url}", f"--directory={directory}", "--follow=no"] + tls,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(uploaders)]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"systemd-journal-upload exited {p.returncode}: {err.decode()[-300:]}")
    # An uploader exits after the collector answered its last POST, which it does once
    # every entry of it is written.
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    remote1, stunnel1 = collector.cpu()
    # Every line once per uploader; more is reported (duplicates), fewer is an error.
    out = subprocess.run(["journalctl", f"--directory={collector.out}", "-o", "cat", "--no-pager",
                          f"TASK_ID={TASK_ID}"], capture_output=True).stdout.splitlines()
    counts = collections.Counter(out)
    if len(counts) != lines or min(counts.values()) < uploaders:
        raise RuntimeError(f"the collector has {len(counts)} of {lines} lines, some fewer than {uploaders} times")
    extra = {m: n for m, n in counts.items() if n > uploaders}
    if extra:
        print(f"  {len(out) - lines * uploaders} entries more than sent ({uploaders} uploader(s)): "
              + ", ".join(f"'{m[:10].decode(errors='replace')}' x{n}" for m, n in list(extra.items())[:5]), flush=True)
    upload_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, upload_cpu, remote1 - remote0, stunnel1 - stunnel0


def trickle(pipe, work, certs, rate, uploaders):
    """Following uploaders while lines come at `rate`/s: CPU µs/entry of uploader,
    stunnel, journal-remote; entries counted on the collector."""
    j = Journald(f"mjct{os.getpid()}", extra_config="RuntimeMaxUse=2G\n")
    c = Collector(work, certs, True)
    fields = [x for f in FIELDS for x in ("--field", f)]
    writer = subprocess.Popen([pipe, "--namespace", j.name, "-t", "bench"] + fields, stdin=subprocess.PIPE)
    try:
        writer.stdin.write(b"trickle 0\n")
        writer.stdin.flush()
        while not os.path.isdir(j.directory) or count_entries([f"--namespace={j.name}"]) < 1:
            time.sleep(0.05)
        tls = [f"--key={certs}/agent.key", f"--cert={certs}/agent.pem", f"--trust={certs}/ca.pem"]
        ups = [subprocess.Popen([UPLOAD, f"--url={c.url}", f"--directory={j.directory}"] + tls,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(uploaders)]
        lines = max(rate * 10, 1000)  # at least 1000 a run: CPU times have 10 ms ticks
        remote0, stunnel0 = c.cpu()
        up0 = sum(cpu_seconds(u.pid) for u in ups)
        start = time.monotonic()
        for i in range(1, lines):
            writer.stdin.write(f"trickle {i} ".encode().ljust(100, b"x") + b"\n")
            writer.stdin.flush()
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
        writer.stdin.close()
        writer.wait(30)
        want = lines * uploaders
        deadline = time.monotonic() + 60
        while (got := count_entries([f"--directory={c.out}"])) < want:
            if time.monotonic() > deadline:
                raise RuntimeError(f"trickle: the collector has {got} of {want} entries")
            time.sleep(0.5)
        remote1, stunnel1 = c.cpu()
        up1 = sum(cpu_seconds(u.pid) for u in ups)
        for u in ups:
            u.terminate()
            u.wait(10)
        return [(up1 - up0) / want * 1e6, (stunnel1 - stunnel0) / want * 1e6, (remote1 - remote0) / want * 1e6]
    finally:
        if writer.poll() is None:
            writer.kill()
        c.close()
        j.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--lines", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--trickle-rates", default="50,500", help="lines/s per agent in steady state, comma-separated")
    args = ap.parse_args()
    pipe = os.path.join(os.path.abspath(args.build_dir), "src", "mesos-journald-pipe")
    work = tempfile.mkdtemp(prefix="mj-collector-bench-")
    certs = os.path.join(work, "certs")
    mk = os.path.join(args.source_dir, "packaging", "collector", "journal-certs.sh")
    for a in (["ca"], ["server", "collector", "IP:127.0.0.1"], ["client", "agent"]):
        subprocess.run(["sh", mk, certs] + a, check=True, capture_output=True)
    print(f"load average at start: {' '.join(open('/proc/loadavg').read().split()[:3])}; "
          f"{args.lines:,} lines of 100 B, medians of {args.runs} runs", flush=True)
    rates = [int(r) for r in args.trickle_rates.split(",")]
    ingests, results, trickles = [], {"tls": [], "tls x4": [], "http": []}, {r: [] for r in rates}
    try:
        for _ in range(args.runs):
            j, wall, cpu = ingest(pipe, args.lines)
            ingests.append((wall, cpu))
            try:
                for name, tls, n in (("tls", True, 1), ("tls x4", True, 4), ("http", False, 1)):
                    c = Collector(work, certs, tls)
                    try:
                        results[name].append(upload(j.directory, c, certs, n, args.lines))
                    finally:
                        c.close()
            finally:
                j.close()
            for r in rates:
                trickles[r].append(trickle(pipe, work, certs, r, 4))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    n = args.lines
    wall = statistics.median(w for w, _ in ingests)
    jcpu = statistics.median(c for _, c in ingests)
    print()
    print("| path | entries | entries/s | wall s (each run) | CPU µs/entry: uploader | stunnel | journal-remote | journald |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    print(f"| companion → journald (ingestion) | {n:,} | {n / wall:,.0f} | {', '.join(f'{w:.2f}' for w, _ in ingests)} "
          f"| | | | {jcpu / n * 1e6:.1f} |")
    capacity = {}
    for name, rs in results.items():
        total = n * (4 if name == "tls x4" else 1)
        w = statistics.median(r[0] for r in rs)
        med = [statistics.median(r[i] for r in rs) / total * 1e6 for i in (1, 2, 3)]
        capacity[name] = (total / w, med)
        label = {"tls": "upload → stunnel → journal-remote", "tls x4": "4 uploads at once → stunnel → journal-remote",
                 "http": "upload → journal-remote (plain HTTP)"}[name]
        print(f"| {label} | {total:,} | {total / w:,.0f} | {', '.join(f'{r[0]:.2f}' for r in rs)} | {med[0]:.1f} | "
              f"{med[2]:.1f} | {med[1]:.1f} | |")
    steady = {}
    for r in rates:
        t = steady[r] = [statistics.median(x[i] for x in trickles[r]) for i in range(3)]
        print(f"| 4 following uploads, {r} lines/s each → stunnel → journal-remote | {max(r * 10, 1000) * 4:,} | "
              f"{r * 4:,} (offered) | | {t[0]:.1f} | {t[1]:.1f} | {t[2]:.1f} | |")
    rate, (up, remote, stun) = capacity["tls x4"]
    collector_us = remote + stun
    print()
    print(f"collector CPU per entry (stunnel + journal-remote, 4 uploads): {collector_us:.1f} µs; "
          f"journal-remote alone {remote:.1f} µs (one thread: at most {1e6 / remote:,.0f} entries/s per collector "
          f"process)")
    for per_agent in (10, 100, 1000):
        print(f"agents at {per_agent} lines/s each that one journal-remote takes at 100% of a core: "
              f"{1e6 / remote / per_agent:,.0f}; at the measured 4-upload rate: {rate / per_agent:,.0f}")
    for r, t in steady.items():
        print(f"steady state, {r} lines/s per agent: collector CPU per entry {t[1] + t[2]:.1f} µs (journal-remote "
              f"{t[2]:.1f}); agents at that rate one journal-remote takes at 100% of a core: {1e6 / t[2] / r:,.0f}")
    print(f"load average at end: {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    sys.exit(main())
