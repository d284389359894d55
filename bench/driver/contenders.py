"""The contenders: how each one sends a container's lines, and how to run a load of
several containers at once and time it until the last line is readable in the journal."""
import json
import os
import shutil
import subprocess
import time

import counts
from journald import DefaultSocketView

# The fields the Mesos module gives a command task's entries (docs/module.md), so that
# the baseline and the companion send the same field set as in production.
MESOS_FIELDS = [
    "FRAMEWORK_ID=5b0b6a1e-8c2a-4d7f-9f1e-1c2d3e4f5a6b-0000",
    "EXECUTOR_ID=web.4f1c2d3e-0a1b-11ee-8c90-0242ac120002",
    "AGENT_ID=5b0b6a1e-8c2a-4d7f-9f1e-1c2d3e4f5a6b-S3",
    "CONTAINER_ID=0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
    "TASK_ID=web.4f1c2d3e-0a1b-11ee-8c90-0242ac120002",
    "TASK_NAME=web",
]

JOURNAL_CONTENDERS = ["native", "stream", "pipe", "pipe+files"]
# The DC/OS journald companion (dcos/dcos-mesos-modules, `mesos-journald-logger`) needs
# a Mesos installation to build; when this variable names a binary, it joins the
# contenders against journald.
DCOS_ENV = "MJ_BENCH_DCOS_COMPANION"
LABELS = {
    "native": "(1) native baseline",
    "stream": "(2) systemd-cat (stream)",
    "pipe": "(3) mesos-journald-pipe",
    "pipe+files": "(4) pipe + sandbox files",
    "pipe-nojournal": "(5) pipe --no-journal",
    "cat": "(5') cat > file",
    "dcos": "(6) DC/OS companion",
}


def journal_contenders(tools):
    """The contenders against journald of this run: (1)-(4), and (6) when given."""
    return JOURNAL_CONTENDERS + (["dcos"] if tools.dcos else [])


class Tools:
    def __init__(self, build_dir):
        b = os.path.abspath(build_dir)
        self.pipe = f"{b}/src/mesos-journald-pipe"
        self.native = f"{b}/bench/native_send_baseline"
        self.stream_cat = f"{b}/bench/stream_cat"
        self.line_gen = f"{b}/bench/line_gen"
        self.journal_wait = f"{b}/bench/journal_wait"
        self.spawn_latency = f"{b}/bench/spawn_latency"
        self.minimal = f"{b}/bench/minimal_sender"
        self.micro = f"{b}/bench/micro_bench"
        self.transport_bench = f"{b}/bench/transport_bench"
        self.dcos = os.environ.get(DCOS_ENV) or None
        if self.dcos and not os.access(self.dcos, os.X_OK):
            raise RuntimeError(f"{DCOS_ENV}={self.dcos}: not an executable")


def gen_args(tools, count, size, mode, hold=False):
    a = [tools.line_gen, "--count", str(count), "--size", str(size), "--mode", mode]
    return a + ["--hold"] if hold else a


def dcos_args(tools, view, ident, fields, sandbox):
    """The DC/OS companion as its module starts it for a task's stdout (lib_journald.cpp):
    flags in stout's --name=value form, the ids and STREAM as JSON labels, the
    sandbox's stdout as the logrotate file it changes into; `--destination_type=journald`,
    the module's default. It sends with sd_journal_sendv(), hence the mount namespace in
    which the default socket is this journald's."""
    labels = [{"key": k, "value": v} for k, _, v in (f.partition("=") for f in fields)]
    labels += [{"key": "SYSLOG_IDENTIFIER", "value": ident}, {"key": "STREAM", "value": "STDOUT"}]
    return ["nsenter", f"--mount={view.mount_ns}", "--", tools.dcos, "--destination_type=journald",
            "--journald_labels=" + json.dumps({"labels": labels}, separators=(",", ":")),
            f"--logrotate_filename={sandbox}/stdout", "--logrotate_path=logrotate",
            # Required whatever the destination (the module always passes its own); unused here.
            "--fluentbit_ip=127.0.0.1", "--fluentbit_port=24224"]


# The environment the DC/OS module gives its companion (libprocess needs an address).
DCOS_ENVIRONMENT = {"LIBPROCESS_IP": "127.0.0.1", "LIBPROCESS_NUM_WORKER_THREADS": "8"}


def sender_args(tools, contender, journald, ident, fields, sandbox=None, view=None):
    """argv of the process that reads the container's stdout (None for the stream
    contender, where the container writes to journald's socket itself)."""
    field_args = [x for f in fields for x in ("--field", f)]
    if contender == "dcos":
        return dcos_args(tools, view, ident, fields, sandbox)
    if contender == "native":
        return [tools.native, "--socket", journald.socket, "--identifier", ident] + field_args
    if contender in ("pipe", "pipe+files"):
        a = [tools.pipe, "--namespace", journald.name, "-t", ident] + field_args
        return a + (["--sandbox", sandbox] if contender == "pipe+files" else [])
    if contender == "pipe-nojournal":
        return [tools.pipe, "--no-journal", "--sandbox", sandbox, "-t", ident]
    if contender == "cat":
        return ["sh", "-c", f'exec cat > "{sandbox}/stdout"']
    return None


class Container:
    """One container: a line_gen writer and the contender's reader on a pipe."""

    def __init__(self, tools, contender, journald, ident, fields, count, size, mode, sandbox, hold=False,
                 view=None, gate=None):
        """gate: a counts.Gate that holds the sender before it execs (counted runs)."""
        self.ident = ident
        gen = gen_args(tools, count, size, mode, hold)
        reader = sender_args(tools, contender, journald, ident, fields, sandbox, view)
        keep = (gate.r,) if gate else ()
        if reader is None:  # systemd-cat's way: the writer's stdout is the stream socket
            writer = [tools.stream_cat, "--socket", journald.stdout_socket, "--identifier", ident, "--"] + gen
            # Counted: no sender to count, but journald's counts must start with the writer.
            self.writer = subprocess.Popen(counts.gated(writer, gate.r) if gate else writer, pass_fds=keep,
                                           stdin=subprocess.PIPE if hold else subprocess.DEVNULL)
            self.sender = None
            return
        if gate:
            reader = counts.gated(reader, gate.r)
        self.writer = subprocess.Popen(gen, stdout=subprocess.PIPE,
                                       stdin=subprocess.PIPE if hold else subprocess.DEVNULL)
        if contender.startswith("pipe"):
            # As the module runs it: the container's pipe as an inherited fd of its own
            # (the companion may then enlarge it and read ahead), not a shared stdin.
            fd = self.writer.stdout.fileno()
            self.sender = subprocess.Popen(reader + ["--stdout-fd", str(fd)], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, pass_fds=(fd,) + keep)
        else:
            env = dict(os.environ, **DCOS_ENVIRONMENT) if contender == "dcos" else None
            self.sender = subprocess.Popen(reader, stdin=self.writer.stdout, stdout=subprocess.DEVNULL, env=env,
                                           pass_fds=keep)
        self.writer.stdout.close()

    def release(self):
        """Lets a --hold writer exit (closes its stdin)."""
        if self.writer.stdin:
            self.writer.stdin.close()

    def wait(self):
        """Waits for both; returns the sender's CPU seconds (user + system). Its voluntary
        context switches (times it slept: its wake-ups) and involuntary ones (times it
        was preempted) are left in self.csw."""
        cpu = 0.0
        self.csw = (0, 0)
        if self.sender:
            _, status, ru = os.wait4(self.sender.pid, 0)
            self.sender.returncode = os.waitstatus_to_exitcode(status)
            cpu = ru.ru_utime + ru.ru_stime
            self.csw = (ru.ru_nvcsw, ru.ru_nivcsw)
            self.sender_maxrss_kib = ru.ru_maxrss
        self.writer.wait()
        if self.sender and self.sender.returncode != 0:
            raise RuntimeError(f"{self.ident}: sender exited {self.sender.returncode}")
        return cpu


def wait_readable(tools, journald_name, last_by_ident, count=False, by_bytes=False):
    """Blocks until each identifier's last line is readable (by_bytes: until its MESSAGE
    fields add up to that many bytes); with count, also returns how many entries each
    has (a line split by --flush-partial-after counts twice)."""
    args = [tools.journal_wait, "--namespace", journald_name]
    args += ["--count"] if count else []
    args += ["--bytes"] if by_bytes else []
    args += [f"{i}={n}" for i, n in last_by_ident.items()]
    out = subprocess.run(args, stdout=subprocess.PIPE, check=False, text=True)
    r = json.loads(out.stdout)
    if not r["ok"]:
        raise RuntimeError(f"journal_wait timed out on {journald_name}")
    return r


class Load:
    """k containers of `count` lines each, spread round-robin over `journalds`."""

    def __init__(self, contender, size, mode, containers, count, fields=MESOS_FIELDS):
        self.contender, self.size, self.mode = contender, size, mode
        self.containers, self.count, self.fields = containers, count, fields


def run_load(tools, load, journalds, run_id, workdir, verify=False, counted=False):
    """Runs one load; returns lines/s, MB/s and CPU per line of senders and journalds,
    timed from the first spawn until the last line of every container is readable, and
    context switches per line. counted: also the system calls per line of the senders
    and of journald (counts.py; such a run's times are not used)."""
    files = load.contender in ("pipe+files", "pipe-nojournal", "cat", "dcos")  # dcos: its working directory
    journal = load.contender not in ("pipe-nojournal", "cat")
    views = {}
    if load.contender == "dcos":
        views = {j.name: DefaultSocketView(j, os.path.join(workdir, f"view-{j.name}")) for j in journalds}
    try:
        return _run_load(tools, load, journalds, run_id, workdir, verify, files, journal, views, counted)
    finally:
        for v in views.values():
            v.close()


def _run_load(tools, load, journalds, run_id, workdir, verify, files, journal, views, counted):
    conts = []
    j_cpu0 = [j.cpu() for j in journalds]
    j_csw0 = [counts.context_switches(j.pid) for j in journalds]
    gate = counts.Gate() if counted else None
    try:
        return _run_containers(tools, load, journalds, run_id, workdir, verify, files, journal, views, gate,
                               conts, j_cpu0, j_csw0)
    finally:
        if gate:
            gate.close()


def _run_containers(tools, load, journalds, run_id, workdir, verify, files, journal, views, gate, conts, j_cpu0,
                    j_csw0):
    t0 = time.monotonic_ns()
    for i in range(load.containers):
        j = journalds[i % len(journalds)] if journalds else None
        ident = f"{run_id}-{i}"
        sandbox = None
        if files:
            sandbox = os.path.join(workdir, ident)
            os.makedirs(sandbox)
        conts.append((j, Container(tools, load.contender, j, ident, load.fields + [f"BENCH_RUN={run_id}"],
                                   load.count, load.size, load.mode, sandbox, view=views.get(j.name) if j else None,
                                   gate=gate)))
    perf = {}
    if gate:
        senders = [c.sender.pid for _, c in conts if c.sender]
        if senders:
            perf["sender"] = counts.SyscallCount(senders, workdir)
        if journalds:
            perf["journald"] = counts.SyscallCount([j.pid for j in journalds], workdir)
        gate.release()
    sender_cpu = sum(c.wait() for _, c in conts)
    sender_csw = [sum(c.csw[k] for _, c in conts) for k in (0, 1)]
    t_exit = time.monotonic_ns()
    done = t_exit
    entries = 0
    reopened = 0
    # The DC/OS companion cuts a line that spans two of its 4 KiB reads into two entries,
    # so its last entry need not be the last line: wait for the bytes.
    by_bytes = load.contender == "dcos"
    want = load.count * load.size if by_bytes else load.count - 1
    if journal:
        for j in journalds:
            mine = {c.ident: want for jj, c in conts if jj is j}
            if mine:
                r = wait_readable(tools, j.name, mine, count=verify, by_bytes=by_bytes)
                done = max(done, r["done_ns"])
                reopened += r.get("reopened", 0)
                if verify:
                    entries += sum(r["counts"].values())
    j_cpu = sum(j.cpu() - c0 for j, c0 in zip(journalds, j_cpu0))
    j_csw = [sum(counts.context_switches(j.pid)[k] - c0[k] for j, c0 in zip(journalds, j_csw0)) for k in (0, 1)]
    syscalls = {who: p.stop() for who, p in perf.items()}
    if not all(j.alive() for j in journalds):
        raise RuntimeError("a journald died during the run (another process may have killed it)")
    if files:
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
    lines = load.containers * load.count
    secs = (done - t0) / 1e9
    return {"lines": lines, "seconds": secs, "lines_per_s": lines / secs,
            "mb_per_s": lines * (load.size + 1) / secs / 1e6,
            "sender_us_per_line": sender_cpu / lines * 1e6,
            "journald_us_per_line": j_cpu / lines * 1e6 if journal else None,
            # Share of the wall time journald (all instances) and the senders were on a CPU.
            "journald_busy": j_cpu / secs if journal else None, "sender_busy": sender_cpu / secs,
            "entries": entries if verify else None,
            # journal_wait found nothing new for a second and read on with a new handle
            "wait_reopened": reopened,
            # Times the senders slept (their wake-ups) and were preempted, per line.
            "sender_vcsw_per_line": sender_csw[0] / lines, "sender_ivcsw_per_line": sender_csw[1] / lines,
            "journald_vcsw_per_line": j_csw[0] / lines if journal else None,
            "journald_ivcsw_per_line": j_csw[1] / lines if journal else None,
            "sender_counts": counts.per_line(syscalls["sender"], lines) if "sender" in syscalls else None,
            "journald_counts": counts.per_line(syscalls["journald"], lines) if "journald" in syscalls else None}
