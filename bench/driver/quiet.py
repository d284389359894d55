"""Is the machine quiet enough for a verdict? The project's rule: a 1-minute load average
below 0.5 and nothing else running. Checked before the first group and between groups;
a run that fails any check still runs, but is marked busy (on the page and in the raw
results) and records no verdict."""
import collections
import os
import time

# 1-minute load average below this before the first group. Between groups the load
# average still carries the benchmark's own previous group (two busy cores decay to 0.5
# only after about 80 s), so there only the process sample counts.
LOAD_LIMIT = 0.5
# A process other than the benchmark's own using more than this share of one core over
# the sample makes the machine busy.
CPU_LIMIT = 0.05
SAMPLE_S = 1.0
# Build and test tools: their presence alone makes the machine busy (a build idles
# between compiles, so a one-second sample can miss it).
KNOWN_BUSY = {"cc1plus", "cc1", "ld", "ld.gold", "ld.lld", "collect2", "ctest", "make", "gmake", "cmake",
              "ninja", "clang", "clang++", "g++", "gcc", "c++", "as", "dpkg", "apt-get"}
# The benchmark's own processes are excluded by ancestry; a journald of another run
# or other helpers' tests are not.


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def _procs():
    """pid -> (ppid, comm, utime + stime ticks) of every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        fields = s[s.rindex(")") + 2:].split()
        out[int(d)] = (int(fields[1]), comm, int(fields[11]) + int(fields[12]))
    return out


def _mine(procs):
    """This process, its ancestors (bench.sh, nice, unshare, sudo, the shell; not their
    other children) and all its descendants."""
    me = os.getpid()
    own = {me}
    p = me
    while p in procs and p > 1:
        p = procs[p][0]
        own.add(p)
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    todo = [me]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in own:
                own.add(c)
                todo.append(c)
    return own


def sample(seconds=SAMPLE_S):
    """Processes other than the benchmark's own that used more than CPU_LIMIT of a core
    over `seconds`, and build/test tools present at all: a list of (comm, pid, share)."""
    a = _procs()
    time.sleep(seconds)
    b = _procs()
    own = _mine(b)
    hz = os.sysconf("SC_CLK_TCK")
    busy = []
    for pid, (_, comm, ticks) in b.items():
        if pid in own:
            continue
        share = (ticks - a[pid][2]) / hz / seconds if pid in a else 0.0
        if share > CPU_LIMIT or comm in KNOWN_BUSY:
            busy.append((comm, pid, round(share, 3)))
    return sorted(busy, key=lambda x: -x[2])


def check(when, first=False, settle_s=0):
    """One check: a dict {when, loadavg, busy: [...], quiet, reasons}. With first, the
    load average counts too, and when nothing else is busy the check waits up to
    settle_s for a load left by the benchmark's own build (bench-prepare.sh) to decay."""
    busy = sample()
    load = loadavg()
    if first and not busy and load[0] >= LOAD_LIMIT and settle_s > 0:
        print(f"[quiet] load {load[0]:.2f} ≥ {LOAD_LIMIT} with nothing else busy: waiting up to {settle_s} s "
              "for it to settle", flush=True)
        end = time.monotonic() + settle_s
        while load[0] >= LOAD_LIMIT and not busy and time.monotonic() < end:
            time.sleep(4)
            busy = sample()
            load = loadavg()
    reasons = []
    if first and load[0] >= LOAD_LIMIT:
        reasons.append(f"1-minute load average {load[0]:.2f} ≥ {LOAD_LIMIT}")
    cpu = [b for b in busy if b[2] > CPU_LIMIT]
    if cpu:
        reasons.append("other processes busy: " + ", ".join(f"{c} ({p}) {100 * s:.0f} %" for c, p, s in cpu[:6])
                       + (f" and {len(cpu) - 6} more" if len(cpu) > 6 else ""))
    tools = collections.Counter(c for c, _, s in busy if s <= CPU_LIMIT)
    if tools:
        reasons.append("build/test tools running: " + ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in tools.items()))
    r = {"when": when, "loadavg": " ".join(f"{x:.2f}" for x in load), "busy": busy, "quiet": not reasons,
         "reasons": reasons, "t": time.time()}
    print(f"[quiet] {when}: load {r['loadavg']}: " + ("quiet" if r["quiet"] else "BUSY — " + "; ".join(reasons)),
          flush=True)
    return r
