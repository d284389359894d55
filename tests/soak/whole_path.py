#!/usr/bin/env python3
"""A soak of the whole path (issue 23): companions -> journald -> uploader -> collector,
with journald and the collector SIGKILLed and restarted over and over.

  whole_path.py --pipe PIPE --logs LOGS [--seconds S | --minutes M] [--streams N] [--seed N]

--streams companions (the real mesos-journald-pipe, one TASK_ID each) log into a private
journald namespace, each fed by a writer of numbered lines ("s<i> <seq><payload>", with
empty, blank and repeated lines in between) that writes bursts of --burst lines at full
speed, all writers at once, --rate lines a second on average (0: no pause at all).
Meanwhile:

  * journald (a standalone `systemd-journald NS`, persistent storage) is SIGKILLed and
    restarted every 2-5 s (random), a few ms into a burst: the companions must read the
    journal back and send again what its socket queue took with it;
  * the namespace's journal is uploaded by the project's uploader wrapper
    (packaging/systemd/mesos-journald-upload, which runs systemd-journal-upload with a
    saved cursor) to systemd-journal-remote on 127.0.0.1 (plain HTTP), whose listening
    socket this driver holds, as mesos-journald-collector.socket does in production;
  * journal-remote is SIGKILLed and restarted every 2-6 s, and the uploader every 5-10 s
    (both while a burst is being uploaded); the uploader, which also exits when its
    connection breaks, is restarted whenever it exits, 0.2-1 s later.

Then the writers stop, the companions must exit 0, and once the collector has every
stream's last line:

  * `mesos-journald-logs -D COLLECTOR --match TASK_ID=... -o raw` must give back each
    stream byte for byte: every line once, in order; nothing lost, nothing twice;
  * every entry on the collector is accounted for (journalctl -D, no match, so that an
    entry some index lacks is counted too): each line's copies are classified as
      upload    the same source entry stored again (same _BOOT_ID, __MONOTONIC_TIMESTAMP,
                _PID): an upload cut off by the collector's death and sent again. The
                reader prints those once (docs/reading.md#entries-held-twice);
      resend    the companion sent the line again after a journald SIGKILL (another
                source entry, a kill between the two copies' times): the open defect of
                docs/reliability.md (an entry journald had stored but not yet indexed
                under _PID). "marked" when the copy carries
                MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC naming the first copy's time (a
                reader that knows the mark prints it once); a mark naming no copy fails;
    and anything else is "unexplained", which fails the run.

Prints a summary, and the same as one JSON line starting `SOAK_SUMMARY `. As non-root it
prints `SKIP: ...` and exits 77 (as root that skip would fail CI: it is on no allow-list).
Everything it starts is stopped and everything it made removed, also when it fails or
gets SIGTERM/SIGINT.
"""
import argparse
import collections
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

SKIP = 77
JOURNALD = "/lib/systemd/systemd-journald"
REMOTE = "/lib/systemd/systemd-journal-remote"
UPLOAD = "/lib/systemd/systemd-journal-upload"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UPLOAD_WRAPPER = os.path.join(REPO, "packaging", "systemd", "mesos-journald-upload")
RESEND_MARK = "MESOS_JOURNALD_RESEND_OF_MONOTONIC_USEC"
NAME_PREFIX = "mjsoak"
KILL_SLACK_USEC = 20_000


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def wait_for(what, predicate, timeout, interval=0.05):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise Failure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def machine_id():
    with open("/etc/machine-id") as f:
        return f.read().strip()


def tail(path, n=2000):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - n))
            return f.read().decode(errors="replace")
    except OSError as e:
        return f"({path}: {e})"


def stop_process(proc, timeout=10, group=False):
    """SIGTERM (to its process group with `group`), SIGKILL after `timeout` seconds."""
    if proc is None or proc.poll() is not None:
        return
    send = (lambda s: os.killpg(proc.pid, s)) if group else proc.send_signal
    try:
        send(signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait(timeout)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------------------- the lines

# The payloads after "s<i> <seq>", in turn: short, long, binary, blank-ending, UTF-8.
PAYLOADS = [b"", b" x", b" " + b"y" * 120, b" \t ", b" \xc3\xa9t\xc3\xa9", b" \xff\xfe not UTF-8", b" " + b"z" * 400]
# Every EXTRA_EVERY-th numbered line is preceded by lines that carry no number: an empty
# line, a blank one and one line twice. The reader must give each back (two equal lines
# are two entries, never merged as copies of one), and their copies are checked like the
# numbered lines' (attributed to the numbered line after them).
EXTRA_EVERY = 500


def extras(stream):
    return [b"", b"   \t", f"s{stream} again".encode(), f"s{stream} again".encode()]


def units(stream, start, end):
    """The bytes of numbered lines start..end-1 of `stream`, with their extra lines."""
    out = []
    for seq in range(start, end):
        if seq % EXTRA_EVERY == 0 and seq > 0:
            out.extend(x + b"\n" for x in extras(stream))
        out.append(f"s{stream} {seq}".encode() + PAYLOADS[seq % len(PAYLOADS)] + b"\n")
    return b"".join(out)


def numbered(stream, message):
    """The sequence number of a numbered line of `stream`, else None."""
    prefix = f"s{stream} ".encode()
    if not message.startswith(prefix):
        return None
    digits = message[len(prefix):].split(b" ", 1)[0]
    return int(digits) if digits.isdigit() else None


class Beat:
    """When the writers' bursts start: all at once, every `burst / rate` seconds. The kills
    are timed by it, so that journald dies while a burst fills its socket queue (the
    companions must then find out what it lost and send it again) and journal-remote
    while it takes an upload (the uploader must send it again), rather than mostly
    between bursts, when there is nothing to lose. rate 0: no beat, no pause."""

    def __init__(self, rate, burst):
        self.start = time.monotonic()
        self.period = burst / rate if rate else 0.0

    def at(self, k):
        return self.start + k * self.period

    def next(self):
        """The start of the next burst (now, without a beat)."""
        now = time.monotonic()
        if not self.period:
            return now
        return self.at(int((now - self.start) / self.period) + 1)


class Schedule:
    """When a fault is next due: `every` (a range of seconds, drawn at random) after the
    last one, moved to `offset` (a range) after the start of a burst."""

    def __init__(self, rng, beat, every, offset):
        self.rng, self.beat, self.every, self.offset = rng, beat, every, offset
        self.at = self._pick()

    def _pick(self):
        at = time.monotonic() + self.rng.uniform(*self.every)
        if self.beat.period:
            k = int((at - self.beat.start) / self.beat.period) + 1
            at = self.beat.at(k) + self.rng.uniform(*self.offset)
        return at

    def due(self):
        if time.monotonic() < self.at:
            return False
        self.at = self._pick()
        return True


class Writer(threading.Thread):
    """Writes numbered lines into a companion's standard input in bursts of `burst`
    lines, each as fast as the pipe takes it (the companion, and so journald, sets the
    pace), on the beat."""

    def __init__(self, stream, fd, beat, burst):
        super().__init__(daemon=True)
        self.stream, self.fd, self.beat, self.burst = stream, fd, beat, burst
        self.stop = threading.Event()
        self.lines = 0  # numbered lines written completely, with their extras
        self.error = None

    def run(self):
        try:
            k = 0
            while not self.stop.is_set():
                delay = self.beat.at(k) - time.monotonic()
                if self.beat.period and delay > 0:
                    self.stop.wait(delay)
                    continue
                data = memoryview(units(self.stream, self.lines, self.lines + self.burst))
                while data:
                    data = data[os.write(self.fd, data):]
                self.lines += self.burst
                k += 1
        except OSError as e:
            self.error = f"writer {self.stream}: {e}"


# ------------------------------------------------------------------------ the processes

class Journald:
    """A standalone journald namespace instance, with persistent storage: a soak's
    journal is larger than /run may be (a tmpfs on most hosts), and journald vacuuming
    entries before they were uploaded would look like a loss."""

    def __init__(self, name, work):
        self.name = name
        self.conf = f"/etc/systemd/journald@{name}.conf"
        self.log = os.path.join(work, "journald.log")
        self.socket = f"/run/systemd/journal.{name}/socket"
        self.directory = f"/var/log/journal/{machine_id()}.{name}"
        self.proc = None
        self.kills = 0
        os.makedirs("/etc/systemd", exist_ok=True)
        with open(self.conf, "w") as f:
            # Files of 64 MiB: rotations happen, and the uploader has to follow them.
            f.write("[Journal]\nStorage=persistent\nRateLimitIntervalSec=0\nSystemMaxUse=8G\n"
                    "SystemKeepFree=1G\nSystemMaxFileSize=64M\n")
        self.start()

    def _connectable(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([JOURNALD, self.name], stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)

        def up():
            if self.proc.poll() is not None:
                raise Failure(f"journald exited {self.proc.returncode} at start: {tail(self.log)}")
            return self._connectable() and os.path.isdir(self.directory)
        wait_for(f"journald {self.name}'s socket", up, timeout=10, interval=0.005)

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)
        self.kills += 1
        # A dead journald leaves its socket file behind: removed, as after a crash and its
        # cleanup, so that the companions see the outage (tests/support/journald_instance).
        try:
            os.unlink(self.socket)
        except FileNotFoundError:
            pass

    def close(self):
        stop_process(self.proc)
        remove_namespace(self.name)


def remove_namespace(name):
    mid = machine_id()
    for path in (f"/etc/systemd/journald@{name}.conf",):
        if os.path.exists(path):
            os.remove(path)
    for d in (f"/run/systemd/journal.{name}", f"/run/log/journal/{mid}.{name}", f"/var/log/journal/{mid}.{name}"):
        shutil.rmtree(d, ignore_errors=True)


def remove_stale_namespaces():
    """What an earlier soak left when it was SIGKILLed (by ctest's timeout, say): its
    namespace is named after its pid, and that process is gone."""
    for conf in os.listdir("/etc/systemd") if os.path.isdir("/etc/systemd") else []:
        if conf.startswith(f"journald@{NAME_PREFIX}") and conf.endswith(".conf"):
            name = conf[len("journald@"):-len(".conf")]
            pid = name[len(NAME_PREFIX):]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                remove_namespace(name)


class Collector:
    """systemd-journal-remote on 127.0.0.1, plain HTTP, on a listening socket this
    driver keeps open across its deaths (production: mesos-journald-collector.socket),
    so an uploader connecting meanwhile waits in the backlog instead of being refused."""

    def __init__(self, work):
        self.out = os.path.join(work, "collector")
        os.makedirs(self.out)
        self.log = os.path.join(work, "journal-remote.log")
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.proc = None
        self.kills = 0
        self.start()

    def start(self):
        # Socket activation as systemd does it: the socket as fd 3, LISTEN_FDS=1 and
        # LISTEN_PID its own pid (journal-remote takes no other fd for --listen-http=-3).
        fd = self.listener.fileno()
        move = "" if fd == 3 else f"3<&{fd} {fd}<&-"
        argv = ["sh", "-c", f'export LISTEN_FDS=1 LISTEN_PID=$$; exec "$0" "$@" {move}', REMOTE,
                "--listen-http=-3", f"--output={self.out}/", "--split-mode=host"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, pass_fds=(fd,), stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)
        self.kills += 1

    def close(self):
        stop_process(self.proc)
        self.listener.close()


class Uploader:
    """The project's mesos-journald-upload --namespace NS, which runs
    systemd-journal-upload on the namespace's directory with a saved cursor (in its own
    process group: it runs journalctl before it execs the uploader)."""

    def __init__(self, namespace, port, work):
        self.argv = ["sh", UPLOAD_WRAPPER, "--namespace", namespace, f"--url=http://127.0.0.1:{port}"]
        self.env = dict(os.environ, STATE_DIRECTORY=os.path.join(work, "upload-state"))
        os.makedirs(self.env["STATE_DIRECTORY"])
        self.log = os.path.join(work, "journal-upload.log")
        self.proc = None
        self.exits = collections.Counter()  # exit status -> times
        self.start()

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def exited(self):
        """True (and counted) when it has exited since it was started."""
        if self.proc.poll() is None:
            return False
        self.exits[self.proc.returncode] += 1
        return True

    def kill(self):
        """SIGKILL to it and whatever the wrapper runs; False when it had exited already."""
        if self.proc.poll() is not None:
            return False
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        return True

    def close(self):
        stop_process(self.proc, group=True)


class Companion:
    def __init__(self, pipe, namespace, stream, run_id, work, beat, burst):
        self.stream = stream
        self.task = f"{run_id}-{stream}"
        self.err = os.path.join(work, f"companion-{stream}.err")
        with open(self.err, "wb") as err:
            self.proc = subprocess.Popen([pipe, "--namespace", namespace, "-t", "soak", "--field",
                                          f"TASK_ID={self.task}", "--field", f"SOAK_RUN={run_id}"],
                                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        self.writer = Writer(stream, self.proc.stdin.fileno(), beat, burst)

    def stderr(self):
        with open(self.err, "rb") as f:
            return f.read().decode(errors="replace")

    def close(self):
        self.writer.stop.set()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------- checking

def json_bytes(value):
    """A journalctl -o json value as bytes (a string, or an array of byte values; a
    field that occurs twice: its first value)."""
    if value is None:
        return None
    if isinstance(value, list) and value and isinstance(value[0], list):
        value = value[0]
    if isinstance(value, list) and (not value or isinstance(value[0], int)):
        return bytes(value)
    if isinstance(value, list):
        return json_bytes(value[0])
    return value.encode()


def journal_entries(args, fields):
    """Every entry journalctl finds with `args`, each a dict of `fields` (bytes) and the
    timestamps and boot id journalctl always gives."""
    p = subprocess.run(["journalctl", *args, "-o", "json", "--all", "--no-pager",
                        f"--output-fields={','.join(fields)}"], capture_output=True, timeout=600)
    if p.returncode not in (0, 1):
        raise Failure(f"journalctl {' '.join(args)}: {p.stderr.decode(errors='replace')[-500:]}")
    out = []
    for line in p.stdout.splitlines():
        if line.strip():
            e = json.loads(line)
            out.append({k: json_bytes(v) for k, v in e.items()})
    return out


def classify(stream_entries, stream, kills):
    """The copies of one stream's lines on the collector: counts of upload re-sends,
    companion resends (marked / not), unexplained copies, and evidence for each resend."""
    # Copies of one source entry: what an interrupted upload stores again.
    by_identity = {}
    upload = 0
    for e in stream_entries:
        key = (e.get("_BOOT_ID"), e.get("__MONOTONIC_TIMESTAMP"), e.get("_PID"), e.get("MESSAGE"))
        if key in by_identity:
            upload += 1
        else:
            by_identity[key] = e
    # One copy of each source entry, in the source's order; lines without a number belong
    # to the numbered line after them (their unit).
    distinct = sorted(by_identity.values(), key=lambda e: (e.get("_BOOT_ID"), int(e["__MONOTONIC_TIMESTAMP"])))
    units_seen = collections.defaultdict(list)
    pending = []
    for e in distinct:
        seq = numbered(stream, e["MESSAGE"])
        if seq is None:
            pending.append(e)
            continue
        for x in pending:
            units_seen[(seq, x["MESSAGE"])].append(x)
        pending = []
        units_seen[(seq, e["MESSAGE"])].append(e)
    unexplained = [f"a line without a number after the last numbered one: {x['MESSAGE'][:80]!r}" for x in pending]
    resend = {"marked": 0, "unmarked": 0}
    evidence = []
    want_extra = collections.Counter(extras(stream))
    for (seq, message), copies in units_seen.items():
        want = 1 if numbered(stream, message) is not None else want_extra.get(message, 0)
        if want == 0:
            unexplained.append(f"an entry no writer wrote: {message[:80]!r}")
            continue
        if len(copies) <= want:
            continue
        times = sorted(int(c["__REALTIME_TIMESTAMP"]) for c in copies)
        extra = len(copies) - want
        # The kill's time is noted just before the signal, and journald's time for an entry
        # is when its event loop woke for it: an entry it was storing as the signal landed
        # can be a little younger than the noted kill.
        if not any(times[0] - KILL_SLACK_USEC <= k <= times[-1] for k in kills):
            near = [k - times[0] for k in kills if abs(k - times[0]) < 2_000_000]
            unexplained.append(f"{message[:60]!r} {len(copies)} times from different source entries "
                               f"({times[0]}..{times[-1]}), no journald kill between them (kills near the first, "
                               f"µs after it: {near})")
            continue
        # A marked copy names the original's monotonic time; a mark naming no copy's
        # time would be a wrong mark.
        times_of = {c["__MONOTONIC_TIMESTAMP"] for c in copies}
        marks = [c[RESEND_MARK] for c in copies if c.get(RESEND_MARK)]
        wrong = [m for m in marks if m not in times_of]
        if wrong:
            unexplained.append(f"{message[:60]!r}: copies marked {RESEND_MARK} with times no copy has: {wrong}")
            continue
        marked = min(len(marks), extra)
        resend["marked"] += marked
        resend["unmarked"] += extra - marked
        evidence.append({"stream": stream, "seq": seq, "message": message.decode(errors="replace")[:60],
                         "journald_kills_between": [k for k in kills if times[0] - KILL_SLACK_USEC <= k <= times[-1]],
                         "copies": [{"realtime": int(c["__REALTIME_TIMESTAMP"]),
                                     "monotonic": int(c["__MONOTONIC_TIMESTAMP"]),
                                     "resend_of": (c.get(RESEND_MARK) or b"").decode()} for c in copies]})
    return upload, resend, unexplained, evidence


def source_indexing(namespace, pid, task, ev):
    """Which reads of the source journal find each copy of a resent line: with no match
    (the list of all entries, what the uploader reads), by the companion's _PID (what it
    counted when it decided to resend) and by TASK_ID (what a reader matches). Sets each
    copy's "found_by"."""
    t0 = min(c["realtime"] for c in ev["copies"]) - 2_000_000
    t1 = max(c["realtime"] for c in ev["copies"]) + 2_000_000
    window = [f"--namespace={namespace}", f"--since=@{t0 / 1e6:.6f}", f"--until=@{t1 / 1e6:.6f}"]
    found, cursors = {}, {}
    for label, matches in (("no match", []), ("_PID", [f"_PID={pid}"]), ("TASK_ID", [f"TASK_ID={task}"])):
        es = [e for e in journal_entries(window + matches, ["TASK_ID"]) if e.get("TASK_ID") == task.encode()]
        found[label] = {int(e["__MONOTONIC_TIMESTAMP"]) for e in es}
        if not matches:
            # The source cursors: s= the sequence the entry was numbered in, i= its number in it.
            cursors = {int(e["__MONOTONIC_TIMESTAMP"]): e["__CURSOR"].decode() for e in es}
    for c in ev["copies"]:
        c["found_by"] = [label for label, times in found.items() if c["monotonic"] in times]
        c["source_cursor"] = cursors.get(c["monotonic"], "")


def where_lost(companion, missing, collector_entries, source, namespace, kills):
    """Where the numbered lines `missing` from the reader's output of a stream are: on
    the collector (found without a match: in the file, not in the TASK_ID index), in the
    source journal (without a match, and by TASK_ID), nowhere; with the source times of
    the lines around the first gap and the kills of each kind near it."""
    stream, task = companion.stream, companion.task.encode()
    def seqs(entries):
        return {numbered(stream, e["MESSAGE"]) for e in entries if e.get("TASK_ID") == task}
    on_collector = seqs(collector_entries)
    in_source = seqs(source)
    by_task = seqs(journal_entries([f"--namespace={namespace}", f"TASK_ID={companion.task}"], ["MESSAGE", "TASK_ID"]))
    times = {numbered(stream, e["MESSAGE"]): int(e["__REALTIME_TIMESTAMP"]) for e in source
             if e.get("TASK_ID") == task}
    first = missing[0]
    before = times.get(first - 1)
    after = next((times[q] for q in range(first + 1, first + 100000) if q in times and q not in missing), None)
    near = {}
    if before:
        near = {kind: [k - before for k in ks if abs(k - before) < 3_000_000] for kind, ks in kills.items()}
    return {"stream": stream, "missing": len(missing), "first": missing[:5], "last": missing[-1],
            "on_collector_unindexed": sum(1 for q in missing if q in on_collector),
            "in_source": sum(1 for q in missing if q in in_source),
            "in_source_by_TASK_ID": sum(1 for q in missing if q in by_task),
            "source_realtime_before_gap": before, "source_realtime_after_gap": after,
            "kills_near_gap_usec_after_line_before": near}


# ---------------------------------------------------------------------------- the run

def unavailable():
    if os.geteuid() != 0:
        return ("needs root: it starts a private systemd-journald namespace instance (sockets under "
                "/run/systemd, a journal under /var/log/journal) and /etc/systemd/journald@NS.conf")
    return None


def run(opts, work):
    rng = random.Random(opts.seed)
    run_id = f"{NAME_PREFIX}{os.getpid()}"
    started = time.monotonic()
    journald = collector = uploader = None
    companions = []
    try:
        journald = Journald(run_id, work)
        collector = Collector(work)
        beat = Beat(opts.rate, opts.burst)
        companions = [Companion(opts.pipe, run_id, i, run_id, work, beat, opts.burst) for i in range(opts.streams)]
        for c in companions:
            c.writer.start()
        # The journal directory exists (Journald waits for it): the uploader can start.
        uploader = Uploader(run_id, collector.port, work)
        kill_times = []  # journald kills, µs since the epoch (journal realtime)
        collector_kill_times, uploader_kill_times = [], []
        uploader_restart_at = None
        # journald dies a few ms into a burst (its queue full), journal-remote and the
        # uploader a little later (an upload of the burst under way).
        journald_kill = Schedule(rng, beat, (2, 5), (0.005, 0.06))
        collector_kill = Schedule(rng, beat, (2, 6), (0.03, 0.3))
        uploader_kill = Schedule(rng, beat, (5, 10), (0.03, 0.3)) if opts.kill_uploader else None
        uploader_kills = 0
        soak_end = started + opts.seconds

        def tend_uploader():
            nonlocal uploader_restart_at
            if uploader_restart_at is None and uploader.exited():
                uploader_restart_at = time.monotonic() + rng.uniform(0.2, 1.0)
            if uploader_restart_at is not None and time.monotonic() >= uploader_restart_at:
                uploader.start()
                uploader_restart_at = None

        while time.monotonic() < soak_end:
            if journald_kill.due():
                kill_times.append(int(time.time() * 1e6))
                journald.kill()
                time.sleep(rng.uniform(0, 0.5))
                journald.start()
            if collector_kill.due():
                collector_kill_times.append(int(time.time() * 1e6))
                collector.kill()
                time.sleep(rng.uniform(0.1, 1.0))  # production: RestartSec=1s
                collector.start()
            if uploader_kill and uploader_kill.due() and uploader_restart_at is None and uploader.kill():
                uploader_kill_times.append(int(time.time() * 1e6))
                uploader_kills += 1
            tend_uploader()
            for c in companions:
                check(c.proc.poll() is None, f"companion {c.stream} exited {c.proc.returncode} mid-soak: {c.stderr()}")
                check(c.writer.error is None, c.writer.error or "")
            time.sleep(0.002)
        soak_seconds = time.monotonic() - started

        # The end: writers stop, companions deliver the rest and exit 0.
        for c in companions:
            c.writer.stop.set()
        for c in companions:
            c.writer.join(60)
            check(not c.writer.is_alive(), f"writer {c.stream} still blocked 60 s after the soak ended")
            check(c.writer.error is None, c.writer.error or "")
            c.proc.stdin.close()
        for c in companions:
            try:
                c.proc.wait(60)
            except subprocess.TimeoutExpired:
                raise Failure(f"companion {c.stream} still running 60 s after its input ended: {c.stderr()}")
            check(c.proc.returncode == 0, f"companion {c.stream} exited {c.proc.returncode}: {c.stderr()}")
        written = {c.stream: c.writer.lines for c in companions}
        total_lines = sum(len(units(i, 0, n).splitlines()) for i, n in written.items())

        # The collector catches up: every stream's last line is there (the uploader sends
        # in the journal's order, so everything before it is there too). Or it stalls: its
        # files and the uploader's cursor unchanged for `stall` s, a stream's last line not
        # there (lost, or not uploaded): the checks below then say where the lines are.
        failures = []
        stall = 15
        progress = {"mark": None, "since": time.monotonic()}

        def caught_up():
            tend_uploader()
            mark = []
            for d in (collector.out, uploader.env["STATE_DIRECTORY"]):
                for name in sorted(os.listdir(d)):
                    try:
                        st = os.stat(os.path.join(d, name))
                        mark.append((name, st.st_size, st.st_mtime_ns))
                    except FileNotFoundError:
                        pass
            if mark != progress["mark"]:
                progress["mark"], progress["since"] = mark, time.monotonic()
            elif time.monotonic() - progress["since"] > stall:
                return "stalled"
            for c in companions:
                last = units(c.stream, written[c.stream] - 1, written[c.stream]).splitlines(keepends=True)[-1]
                p = subprocess.run([opts.logs, "-D", collector.out, "--match", f"TASK_ID={c.task}", "-n", "1",
                                    "-o", "raw"], capture_output=True, timeout=60)
                if p.stdout != last:
                    return False
            return "caught up"
        catch_up_started = time.monotonic()
        if wait_for("the collector to hold every stream's last line", caught_up,
                    timeout=max(90, total_lines / 4000), interval=0.5) == "stalled":
            failures.append(f"the collector stopped growing for {stall} s without every stream's last line "
                            f"(uploader {'running' if uploader.proc.poll() is None else 'exited'}, "
                            f"{sum(uploader.exits.values())} restarts)")
        catch_up_seconds = time.monotonic() - catch_up_started
        uploader.close()
        collector.close()

        # What the reader gives back: each stream, byte for byte.
        reader_dups, reader_missing = 0, 0
        missing_by_stream = {}
        for c in companions:
            want = units(c.stream, 0, written[c.stream])
            p = subprocess.run([opts.logs, "-D", collector.out, "--match", f"TASK_ID={c.task}", "-o", "raw"],
                               capture_output=True, timeout=600)
            if p.returncode != 0:
                failures.append(f"reader on stream {c.stream} exited {p.returncode}: {p.stderr.decode()[-300:]}")
                continue
            if p.stdout == want:
                continue
            seqs = collections.Counter(s for s in (numbered(c.stream, l) for l in p.stdout.splitlines())
                                       if s is not None)
            missing = [s for s in range(written[c.stream]) if s not in seqs]
            twice = sorted(s for s, n in seqs.items() if n > 1)
            reader_missing += len(missing)
            if missing:
                missing_by_stream[c.stream] = missing
            reader_dups += sum(seqs[s] - 1 for s in twice)
            failures.append(f"stream {c.stream}: the reader's output differs from the {written[c.stream]} numbered "
                            f"lines written ({len(p.stdout)} bytes, {len(want)} wanted): {len(missing)} numbered "
                            f"lines missing {missing[:10]}, {len(twice)} more than once {twice[:10]}")

        # Every entry on the collector, classified.
        fields = ["MESSAGE", "TASK_ID", "SOAK_RUN", "_PID", RESEND_MARK]
        entries = [e for e in journal_entries([f"--directory={collector.out}"], fields)
                   if e.get("SOAK_RUN") == run_id.encode()]
        per_stream = {c.stream: [e for e in entries if e.get("TASK_ID") == c.task.encode()] for c in companions}
        dup_upload = 0
        dup_resend = {"marked": 0, "unmarked": 0}
        evidence, unexplained = [], []
        for c in companions:
            u, r, x, ev = classify(per_stream[c.stream], c.stream, kill_times)
            dup_upload += u
            for k in r:
                dup_resend[k] += r[k]
            unexplained += [f"stream {c.stream}: {m}" for m in x]
            for e in ev[:20]:
                source_indexing(run_id, c.proc.pid, c.task, e)
            evidence += ev
        # A line the reader did not give back: where was it lost? On the collector (in no
        # index), not uploaded (in the source journal), or never stored by journald.
        losses = []
        if missing_by_stream:
            source = [e for e in journal_entries([f"--namespace={run_id}"], ["MESSAGE", "TASK_ID"])
                      if e.get("SOAK_RUN", run_id.encode()) == run_id.encode()]
            kills = {"journald": kill_times, "collector": collector_kill_times, "uploader": uploader_kill_times}
            for c in companions:
                if c.stream not in missing_by_stream:
                    continue
                losses.append(where_lost(c, missing_by_stream[c.stream], per_stream[c.stream], source, run_id, kills))
            for loss in losses:
                print(f"soak: lost lines: {json.dumps(loss)}")
        stray = len(entries) - sum(len(v) for v in per_stream.values())
        if stray:
            unexplained.append(f"{stray} entries of this run with no stream's TASK_ID")
        if unexplained:
            failures.append(f"{len(unexplained)} unexplained copies on the collector: " + "; ".join(unexplained[:10]))

        resend_reports = collections.Counter()
        unchecked = []
        for c in companions:
            for line in c.stderr().splitlines():
                if "had lost" in line and "sending" in line:
                    resend_reports["resends"] += 1
                    resend_reports["entries"] += int(line.split("had lost ", 1)[1].split()[0])
                if "cannot check" in line:
                    # Not sent again: a loss if journald had not stored them after all.
                    resend_reports["unchecked"] += 1
                    unchecked.append(f"companion {c.stream}: {line}")
        uploader_restarts = sum(uploader.exits.values())
        if journald.kills == 0 or collector.kills == 0 or (opts.kill_uploader and uploader_restarts == 0):
            failures.append(f"too short to have every fault: {journald.kills} journald kills, {collector.kills} "
                            f"collector kills, {uploader_restarts} uploader restarts")

        summary = {
            "result": "FAIL" if failures else "PASS",
            "seed": opts.seed,
            "streams": opts.streams,
            "soak_seconds": round(soak_seconds, 1),
            "catch_up_seconds": round(catch_up_seconds, 1),
            "total_seconds": round(time.monotonic() - started, 1),
            "numbered_lines_per_stream": [written[c.stream] for c in companions],
            "lines_written": total_lines,
            "collector_entries": len(entries),
            "raw_duplicates": {"upload": dup_upload, "resend_marked": dup_resend["marked"],
                               "resend_unmarked": dup_resend["unmarked"], "unexplained": len(unexplained)},
            "reader_missing": reader_missing,
            "reader_duplicates": reader_dups,
            "journald_kills": journald.kills,
            "journald_kill_times": kill_times,
            "collector_kills": collector.kills,
            "uploader_restarts": uploader_restarts,
            "uploader_kills": uploader_kills,
            "uploader_exit_statuses": {str(k): v for k, v in sorted(uploader.exits.items())},
            "companion_resends": resend_reports["resends"],
            "companion_resent_entries": resend_reports["entries"],
            "companion_unchecked_restarts": resend_reports["unchecked"],
            "resend_evidence": evidence[:20],
            "losses": losses,
        }
        print(f"soak: {opts.streams} streams for {soak_seconds:.0f} s (seed {opts.seed}); lines written per stream "
              f"(numbered): {', '.join(str(written[c.stream]) for c in companions)}; {total_lines} lines in all")
        print(f"soak: survived {journald.kills} journald SIGKILLs, {collector.kills} journal-remote SIGKILLs, "
              f"{uploader_restarts} uploader restarts ({uploader_kills} after a SIGKILL; exit statuses "
              f"{dict(uploader.exits)})")
        print(f"soak: companions resent after {resend_reports['resends']} restarts ({resend_reports['entries']} "
              f"entries), {resend_reports['unchecked']} restarts they could not check")
        print(f"soak: {len(entries)} entries on the collector for {total_lines} lines: {dup_upload} upload re-sends, "
              f"{dup_resend['unmarked']} unmarked + {dup_resend['marked']} marked companion resends, "
              f"{len(unexplained)} unexplained; the collector caught up in {catch_up_seconds:.1f} s")
        for line in unchecked:
            print(f"soak: {line}")
        for e in evidence[:20]:
            print(f"soak: resent line: {json.dumps(e)}")
        print("SOAK_SUMMARY " + json.dumps(summary, sort_keys=True))
        if failures:
            raise Failure("; ".join(failures))
        return summary
    finally:
        for c in companions:
            c.close()
        for part in (uploader, collector, journald):
            if part:
                try:
                    part.close()
                except Exception as e:  # keep cleaning up
                    print(f"soak: cleanup: {e}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pipe", required=True, help="mesos-journald-pipe")
    ap.add_argument("--logs", required=True, help="mesos-journald-logs")
    ap.add_argument("--seconds", type=float, default=45, help="how long the writers write and the kills go on")
    ap.add_argument("--minutes", type=float, help="the same in minutes (the long run)")
    ap.add_argument("--streams", type=int, default=4, help="companions, each with its writer")
    ap.add_argument("--rate", type=int, default=1000,
                    help="numbered lines a second per stream, on average (0: as fast as journald takes them)")
    ap.add_argument("--burst", type=int, default=500, help="lines a writer writes at once")
    ap.add_argument("--no-uploader-kills", dest="kill_uploader", action="store_false",
                    help="do not SIGKILL the uploader (it is still restarted whenever it exits)")
    ap.add_argument("--seed", type=int, default=None, help="the kills' timing (default: new each run, printed)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, the collector's journal)")
    opts = ap.parse_args()
    if opts.minutes is not None:
        opts.seconds = opts.minutes * 60
    if opts.seed is None:
        opts.seed = random.SystemRandom().randrange(1 << 31)
    why = unavailable()
    if why:
        print(f"SKIP: {why}")
        return SKIP
    for binary in (JOURNALD, REMOTE, UPLOAD, opts.pipe, opts.logs):
        if not os.access(binary, os.X_OK):
            print(f"FAIL soak: {binary} is missing (Debian: systemd, systemd-journal-remote; scripts/install-deps.sh)")
            return 1
    # ctest's timeout and ^C: stop and clean up as on failure.
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda signo, _: (_ for _ in ()).throw(Failure(f"signal {signo}")))
    remove_stale_namespaces()
    work = tempfile.mkdtemp(prefix="mj-soak-")
    try:
        run(opts, work)
        print("PASS soak")
        return 0
    except Exception as e:  # a bug of this script too: reported with the processes' logs, cleaned up
        if not isinstance(e, (Failure, subprocess.TimeoutExpired)):
            traceback.print_exc(file=sys.stdout)
        print(f"FAIL soak: {e}")
        for name in ("journald.log", "journal-remote.log", "journal-upload.log"):
            print(f"--- {name} (end) ---\n{tail(os.path.join(work, name))}")
        return 1
    finally:
        if opts.keep:
            print(f"soak: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
