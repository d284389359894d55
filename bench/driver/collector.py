"""The collector group: shipping to a collector (docs/collecting.md), measured on one
machine: entries/s from an agent's journal through systemd-journal-upload, the TLS proxy
(stunnel, client certificates) and systemd-journal-remote, against one journald's
ingestion rate of the same lines; and the collector's CPU per entry. Run by run_bench.py
(group `collector`; scripts/bench-prepare.sh installs systemd-journal-remote and
stunnel4). The latency group reuses its collector (Collector, make_certs).

The lines: 100,000 lines of 100 B (a fifth with --quick) of one task with the Mesos
fields, written by mesos-journald-pipe into a private journald namespace instance (the
driver's journald.Journald). That is "journald ingestion": from the companion's start to
the last entry readable (the driver's bench/journal_wait, which also counts them), and
journald's CPU.

Then the namespace's journal directory is uploaded (--follow=no: the catch-up rate of an
agent whose upload was down, the fastest an uploader goes) to a fresh collector on
loopback, for each variant:
  tls      systemd-journal-upload -> stunnel (verifies the client certificate) -> journal-remote
  tls x4   four uploaders of the same journal at once (four agents catching up)
  http     systemd-journal-upload -> journal-remote directly (no TLS, no proxy)
and, as agents send in steady state (each uploader follows its journal and posts what
is new whenever journald wakes it, a few entries at a time):
  trickle  four following uploaders (four agents) -> stunnel -> journal-remote while the
           companion writes 50 or 500 lines/s for 10 s; the collector's CPU per entry
Wall time until every uploader exited (each exits once the collector answered its last
upload, after writing it; the entries are counted afterwards);
CPU (user + system) of the uploaders, of stunnel, of journal-remote. Medians of the
repetitions (3 in a full run).
"""
import collections
import os
import resource
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

from contenders import MESOS_FIELDS, wait_readable
from journald import Journald, cpu_seconds

REMOTE = "/lib/systemd/systemd-journal-remote"
UPLOAD = "/lib/systemd/systemd-journal-upload"
TASK_ID = "collector-bench.1"
FIELDS = [f for f in MESOS_FIELDS if not f.startswith("TASK_ID=")] + [f"TASK_ID={TASK_ID}"]
TRICKLE_RATES = (50, 500)
SOURCE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def available():
    """None, or why the group cannot run here."""
    missing = [p for p in (REMOTE, UPLOAD) if not os.access(p, os.X_OK)]
    if shutil.which("stunnel4") is None:
        missing.append("stunnel4")
    return ("missing " + ", ".join(missing) + " (scripts/bench-prepare.sh installs them)") if missing else None


def stop(proc, timeout=10):
    """SIGTERM, then SIGKILL after `timeout` s: an uploader with a backlog, or a collector
    writing one, may take longer to finish than a measurement may wait."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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


def make_certs(work):
    """A CA, the collector's and an agent's certificate (packaging/collector/journal-certs.sh)."""
    certs = os.path.join(work, "certs")
    mk = os.path.join(SOURCE_DIR, "packaging", "collector", "journal-certs.sh")
    for a in (["ca"], ["server", "collector", "IP:127.0.0.1"], ["client", "agent"]):
        subprocess.run(["sh", mk, certs] + a, check=True, capture_output=True)
    return certs


def tls_args(certs):
    return [f"--key={certs}/agent.key", f"--cert={certs}/agent.pem", f"--trust={certs}/ca.pem"]


class Collector:
    """journal-remote on loopback (plain HTTP), optionally behind stunnel, as
    docs/collecting.md sets it up."""

    def __init__(self, work, certs, tls):
        self.out = tempfile.mkdtemp(dir=work, prefix="remote-")
        self.http_port = free_port()
        self.remote = subprocess.Popen([REMOTE, f"--listen-http=127.0.0.1:{self.http_port}", f"--output={self.out}/",
                                        "--split-mode=host"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.stunnel = None
        try:
            self._start(certs, tls)
        except BaseException:
            self.close()
            raise

    def _start(self, certs, tls):
        wait_port(self.http_port, self.remote, "journal-remote")
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
                stop(p)
        shutil.rmtree(self.out, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ingest(tools, name, lines):
    """The lines through the companion into a new journald namespace: (journald, wall, CPU).
    Each line starts with its 10-digit sequence number, so the driver's journal_wait
    times the last one and counts them all."""
    j = Journald(name, extra_config="RuntimeMaxUse=2G\n")
    try:
        text = b"".join(f"{i:010d} ".encode().ljust(100, b"x") + b"\n" for i in range(lines))
        ident = f"{name}-ingest"
        cpu0 = j.cpu()
        start = time.monotonic_ns()
        fields = [x for f in FIELDS for x in ("--field", f)]
        p = subprocess.run([tools.pipe, "--namespace", j.name, "-t", ident] + fields, input=text, capture_output=True)
        if p.returncode != 0:
            raise RuntimeError(f"companion failed: {p.stderr.decode()}")
        r = wait_readable(tools, j.name, {ident: lines - 1}, count=True)
        wall = (r["done_ns"] - start) / 1e9
        if r["counts"][ident] != lines:
            raise RuntimeError(f"journald stored {r['counts'][ident]} of {lines} lines")
        return j, wall, j.cpu() - cpu0
    except BaseException:
        j.close()
        raise


def upload(directory, collector, certs, uploaders, lines):
    """Wall until every uploader exited and the collector holds it all; CPU of each side."""
    tls = tls_args(certs) if collector.stunnel else []
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
    extra = len(out) - lines * uploaders
    if extra:
        print(f"  {extra} entries more than sent ({uploaders} uploader(s))", flush=True)
    upload_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "uploader_cpu_s": upload_cpu, "remote_cpu_s": remote1 - remote0,
            "stunnel_cpu_s": stunnel1 - stunnel0, "extra_entries": extra}


def trickle(tools, name, work, certs, rate, uploaders):
    """Following uploaders while lines come at `rate`/s: CPU µs/entry of uploader,
    stunnel, journal-remote; entries counted on the collector."""
    j = Journald(name, extra_config="RuntimeMaxUse=2G\n")
    c = Collector(work, certs, True)
    fields = [x for f in FIELDS for x in ("--field", f)]
    writer = subprocess.Popen([tools.pipe, "--namespace", j.name, "-t", "bench"] + fields, stdin=subprocess.PIPE)
    ups = []
    try:
        writer.stdin.write(b"trickle 0\n")
        writer.stdin.flush()
        while not os.path.isdir(j.directory) or count_entries([f"--namespace={j.name}"]) < 1:
            time.sleep(0.05)
        ups = [subprocess.Popen([UPLOAD, f"--url={c.url}", f"--directory={j.directory}"] + tls_args(certs),
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
        return {"entries": want, "uploader_us": (up1 - up0) / want * 1e6,
                "stunnel_us": (stunnel1 - stunnel0) / want * 1e6, "remote_us": (remote1 - remote0) / want * 1e6}
    finally:
        for u in ups:
            stop(u)
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        c.close()
        j.close()


def run(tools, tag, runs, quick, workdir):
    """The group's results: {lines, ingest: [...], upload: {variant: [...]}, trickle: {rate: [...]}}."""
    lines = 20000 if quick else 100000
    work = tempfile.mkdtemp(prefix="collector-", dir=workdir)
    res = {"lines": lines, "ingest": [], "upload": {"tls": [], "tls x4": [], "http": []},
           "trickle": {str(r): [] for r in TRICKLE_RATES}}
    try:
        certs = make_certs(work)
        for rep in range(runs):
            j, wall, cpu = ingest(tools, f"{tag}-coll{rep}", lines)
            res["ingest"].append({"wall_s": wall, "journald_cpu_s": cpu})
            print(f"  ingestion {lines / wall:9.0f} entries/s journald {cpu / lines * 1e6:.1f} µs/entry", flush=True)
            try:
                for name, tls, n in (("tls", True, 1), ("tls x4", True, 4), ("http", False, 1)):
                    with Collector(work, certs, tls) as c:
                        u = upload(j.directory, c, certs, n, lines)
                    res["upload"][name].append(u)
                    print(f"  {name:6} {lines * n / u['wall_s']:9.0f} entries/s journal-remote "
                          f"{u['remote_cpu_s'] / lines / n * 1e6:.1f} µs/entry", flush=True)
            finally:
                j.close()
            for r in TRICKLE_RATES:
                t = trickle(tools, f"{tag}-trk{rep}-{r}", work, certs, r, 4)
                res["trickle"][str(r)].append(t)
                print(f"  trickle {r}/s x4: journal-remote {t['remote_us']:.1f} µs/entry stunnel "
                      f"{t['stunnel_us']:.1f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def markdown(res):
    """The table and the capacity it implies."""
    if not res or not res.get("ingest"):
        return "Not measured yet: `sudo scripts/bench.sh --only collector`."
    med = statistics.median
    n = res["lines"]
    ing = res["ingest"]
    wall = med(r["wall_s"] for r in ing)
    out = ["| path | entries | entries/s | wall s (each run) | CPU µs/entry: uploader | stunnel | journal-remote "
           "| journald |", "|---|---:|---:|---|---:|---:|---:|---:|",
           f"| companion → journald (ingestion) | {n:,} | {n / wall:,.0f} | "
           f"{', '.join(format(r['wall_s'], '.2f') for r in ing)} | | | | "
           f"{med(r['journald_cpu_s'] for r in ing) / n * 1e6:.1f} |"]
    labels = {"tls": "upload → stunnel → journal-remote", "tls x4": "4 uploads at once → stunnel → journal-remote",
              "http": "upload → journal-remote (plain HTTP)"}
    capacity = {}
    for name, rs in res["upload"].items():
        if not rs:
            continue
        total = n * (4 if name == "tls x4" else 1)
        w = med(r["wall_s"] for r in rs)
        per = {k: med(r[k] for r in rs) / total * 1e6 for k in ("uploader_cpu_s", "stunnel_cpu_s", "remote_cpu_s")}
        capacity[name] = (total / w, per)
        out.append(f"| {labels[name]} | {total:,} | {total / w:,.0f} | {', '.join(format(r['wall_s'], '.2f') for r in rs)} | "
                   f"{per['uploader_cpu_s']:.1f} | {per['stunnel_cpu_s']:.1f} | {per['remote_cpu_s']:.1f} | |")
    steady = {}
    for rate, ts in res["trickle"].items():
        if not ts:
            continue
        t = steady[int(rate)] = {k: med(x[k] for x in ts) for k in ("uploader_us", "stunnel_us", "remote_us")}
        out.append(f"| 4 following uploads, {rate} lines/s each → stunnel → journal-remote | {ts[0]['entries']:,} | "
                   f"{int(rate) * 4:,} (offered) | | {t['uploader_us']:.1f} | {t['stunnel_us']:.1f} | "
                   f"{t['remote_us']:.1f} | |")
    extra = sum(r["extra_entries"] for rs in res["upload"].values() for r in rs)
    out.append("")
    out.append(f"Entries the collector held more than once, over all uploads of this run: {extra}.")
    if "tls x4" in capacity:
        rate, per = capacity["tls x4"]
        remote = per["remote_cpu_s"]
        out.append(f"Collector CPU per entry in bulk (stunnel + journal-remote, 4 uploads): "
                   f"{per['stunnel_cpu_s'] + remote:.1f} µs; journal-remote alone {remote:.1f} µs, one thread: at most "
                   f"{1e6 / remote:,.0f} entries/s per collector process.")
    for r, t in steady.items():
        out.append(f"Steady state, {r} lines/s per agent: collector CPU per entry {t['stunnel_us'] + t['remote_us']:.1f} µs "
                   f"(journal-remote {t['remote_us']:.1f}); agents at that rate one journal-remote takes at 100 % of a "
                   f"core: {1e6 / t['remote_us'] / r:,.0f}.")
    return "\n".join(out)
