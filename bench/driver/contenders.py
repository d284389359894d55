"""The contenders: how each one sends a container's lines, and how to run a load of
several containers at once and time it until the last line is readable in the journal."""
import json
import os
import shutil
import subprocess
import time

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
LABELS = {
    "native": "(1) native baseline",
    "stream": "(2) systemd-cat (stream)",
    "pipe": "(3) mesos-journald-pipe",
    "pipe+files": "(4) pipe + sandbox files",
    "pipe-nojournal": "(5) pipe --no-journal",
    "cat": "(5') cat > file",
}


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


def gen_args(tools, count, size, mode, hold=False):
    a = [tools.line_gen, "--count", str(count), "--size", str(size), "--mode", mode]
    return a + ["--hold"] if hold else a


def sender_args(tools, contender, journald, ident, fields, sandbox=None):
    """argv of the process that reads the container's stdout (None for the stream
    contender, where the container writes to journald's socket itself)."""
    field_args = [x for f in fields for x in ("--field", f)]
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

    def __init__(self, tools, contender, journald, ident, fields, count, size, mode, sandbox, hold=False):
        self.ident = ident
        gen = gen_args(tools, count, size, mode, hold)
        reader = sender_args(tools, contender, journald, ident, fields, sandbox)
        if reader is None:  # systemd-cat's way: the writer's stdout is the stream socket
            self.writer = subprocess.Popen([tools.stream_cat, "--socket", journald.stdout_socket,
                                            "--identifier", ident, "--"] + gen,
                                           stdin=subprocess.PIPE if hold else subprocess.DEVNULL)
            self.sender = None
            return
        self.writer = subprocess.Popen(gen, stdout=subprocess.PIPE,
                                       stdin=subprocess.PIPE if hold else subprocess.DEVNULL)
        if contender.startswith("pipe"):
            # As the module runs it: the container's pipe as an inherited fd of its own
            # (the companion may then enlarge it and read ahead), not a shared stdin.
            fd = self.writer.stdout.fileno()
            self.sender = subprocess.Popen(reader + ["--stdout-fd", str(fd)], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, pass_fds=(fd,))
        else:
            self.sender = subprocess.Popen(reader, stdin=self.writer.stdout, stdout=subprocess.DEVNULL)
        self.writer.stdout.close()

    def release(self):
        """Lets a --hold writer exit (closes its stdin)."""
        if self.writer.stdin:
            self.writer.stdin.close()

    def wait(self):
        """Waits for both; returns the sender's CPU seconds (user + system)."""
        cpu = 0.0
        if self.sender:
            _, status, ru = os.wait4(self.sender.pid, 0)
            self.sender.returncode = os.waitstatus_to_exitcode(status)
            cpu = ru.ru_utime + ru.ru_stime
            self.sender_maxrss_kib = ru.ru_maxrss
        self.writer.wait()
        if self.sender and self.sender.returncode != 0:
            raise RuntimeError(f"{self.ident}: sender exited {self.sender.returncode}")
        return cpu


def wait_readable(tools, journald_name, last_by_ident, count=False):
    """Blocks until each identifier's last line is readable; with count, also returns how
    many entries each has (a line split by --flush-partial-after counts twice)."""
    args = [tools.journal_wait, "--namespace", journald_name]
    args += ["--count"] if count else []
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


def run_load(tools, load, journalds, run_id, workdir, verify=False):
    """Runs one load; returns lines/s, MB/s and CPU per line of senders and journalds,
    timed from the first spawn until the last line of every container is readable."""
    files = load.contender in ("pipe+files", "pipe-nojournal", "cat")
    journal = load.contender not in ("pipe-nojournal", "cat")
    conts = []
    j_cpu0 = [j.cpu() for j in journalds]
    t0 = time.monotonic_ns()
    for i in range(load.containers):
        j = journalds[i % len(journalds)] if journalds else None
        ident = f"{run_id}-{i}"
        sandbox = None
        if files:
            sandbox = os.path.join(workdir, ident)
            os.makedirs(sandbox)
        conts.append((j, Container(tools, load.contender, j, ident, load.fields + [f"BENCH_RUN={run_id}"],
                                   load.count, load.size, load.mode, sandbox)))
    sender_cpu = sum(c.wait() for _, c in conts)
    t_exit = time.monotonic_ns()
    done = t_exit
    entries = 0
    if journal:
        for j in journalds:
            mine = {c.ident: load.count - 1 for jj, c in conts if jj is j}
            if mine:
                r = wait_readable(tools, j.name, mine, count=verify)
                done = max(done, r["done_ns"])
                if verify:
                    entries += sum(r["counts"].values())
    j_cpu = sum(j.cpu() - c0 for j, c0 in zip(journalds, j_cpu0))
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
            "entries": entries if verify else None}
