"""Counts per line that a busy machine hardly moves: the system calls a sender makes and
the times it sleeps, where CPU times and lines/s wander with whatever else runs.

Context switches come from wait4() for every run. System calls are counted by perf (the
kernel's syscall tracepoints, per process) in a separate, untimed repetition: counting
costs each system call a little, and the timed runs stay as they were. The senders are
held in a gate before they exec, so that one perf attached to all of them counts
everything from their first instruction to their exit."""
import os
import shutil
import signal
import subprocess
import tempfile

# The system calls named in the report; "syscalls" is every one.
NAMED = ("read", "write", "sendmmsg", "sendmsg", "poll", "ppoll", "recvmsg", "epoll_wait")


def available():
    """Whether perf can count system calls here (root, tracefs, linux-perf)."""
    return shutil.which("perf") is not None and os.path.isdir("/sys/kernel/tracing/events/raw_syscalls")


def gated(argv, gate_fd):
    """argv, held until the gate's write end closes, then exec'd (same pid: what perf
    attached to it follows the exec)."""
    return ["sh", "-c", 'read _ <&"$0"; eval "exec $0<&-"; exec "$@"', str(gate_fd)] + argv


class Gate:
    def __init__(self):
        self.r, self.w = os.pipe()

    def release(self):
        if self.w >= 0:
            os.close(self.w)
            self.w = -1

    def close(self):
        self.release()
        if self.r >= 0:
            os.close(self.r)
            self.r = -1


class SyscallCount:
    """One perf stat over a set of processes (and the threads they start), started
    disabled and enabled through its control fifo, so that start() returns once perf is
    counting."""

    def __init__(self, pids, workdir):
        self.dir = tempfile.mkdtemp(prefix="perf-", dir=workdir)
        self.out = os.path.join(self.dir, "stat.csv")
        ctl, ack = os.path.join(self.dir, "ctl"), os.path.join(self.dir, "ack")
        os.mkfifo(ctl)
        os.mkfifo(ack)
        events = ["-e", "raw_syscalls:sys_enter"]
        for name in NAMED:
            events += ["-e", f"syscalls:sys_enter_{name}"]
        # A full queue, seen by a sender that does not block: EAGAIN (-11) from a send.
        for name in ("sendmmsg", "sendmsg"):
            events += ["-e", f"syscalls:sys_exit_{name}", "--filter", "ret == -11"]
        self.proc = subprocess.Popen(["perf", "stat", "-x", ",", "-o", self.out, "-D", "-1",
                                      "--control", f"fifo:{ctl},{ack}", *events,
                                      "-p", ",".join(str(p) for p in pids)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Opening a fifo blocks until perf opens the other end: it is up once both open.
        self.ctl = open(ctl, "w")
        self.ack = open(ack)
        self.ctl.write("enable\n")
        self.ctl.flush()
        if self.ack.readline().strip() != "ack":
            raise RuntimeError("perf stat did not acknowledge 'enable'")

    def stop(self):
        """The counts: {"syscalls": n, "read": n, ..., "sendmmsg_eagain": n, ...}."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)
        finally:
            self.ctl.close()
            self.ack.close()
        counts = {}
        exits = iter(("sendmmsg_eagain", "sendmsg_eagain"))
        with open(self.out) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) < 3 or not parts[2].startswith(("raw_syscalls:", "syscalls:")):
                    continue
                value = int(parts[0]) if parts[0].isdigit() else 0  # "<not counted>": none happened
                event = parts[2]
                if event == "raw_syscalls:sys_enter":
                    counts["syscalls"] = value
                elif event.startswith("syscalls:sys_enter_"):
                    counts[event[len("syscalls:sys_enter_"):]] = value
                else:
                    counts[next(exits)] = value
        shutil.rmtree(self.dir, ignore_errors=True)
        return counts


def context_switches(pid):
    """(voluntary, involuntary) context switches of a running process so far."""
    v = i = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                v = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                i = int(line.split()[1])
    return v, i


def per_line(counts, lines):
    """Counts divided by lines, and lines per sendmmsg() call."""
    r = {f"{k}_per_line": v / lines for k, v in counts.items()}
    r["lines_per_sendmmsg"] = lines / counts["sendmmsg"] if counts.get("sendmmsg") else None
    return r
