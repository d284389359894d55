"""The reader group: mesos-journald-logs against `journalctl -o cat` reading one task's
entries back from a journald namespace: lines/s and CPU. Run by run_bench.py (group
`reader`); docs/reading.md#speed cites it.

Two journals of 200,000 entries each (a fifth with --quick), written by the companion
with the Mesos fields:
  whole  200,000 lines of 100 B, one entry each;
  split   50,000 lines of 400 B at --max-line-bytes 100, four pieces each.
Each reader reads the task (same match, TASK_ID=...) into a pipe that this module
drains; lines/s and entries/s are per wall second, CPU is the reader's (user + system),
all medians; the reader's raw output is checked once against what was written (journalctl
-o cat prints pieces, one per line, so it is the floor of reading these entries, not
an equivalent). Median of the repetitions (5 in a full run), interleaved."""
import os
import resource
import statistics
import subprocess
import time

from contenders import MESOS_FIELDS
from journald import Journald

TASK_ID = "bench-task.1"
VARIANTS = {  # name: (lines, bytes per line without '\n', --max-line-bytes)
    "whole": (200000, 100, 48 * 1024),
    "split": (50000, 400, 100),
}
LABELS = {"whole": "{lines:,} lines of 100 B, one entry each",
          "split": "{lines:,} lines of 400 B split into 4 pieces ({entries:,} entries)"}


def task_output(lines, size):
    return b"".join(f"{i:09d} ".encode().ljust(size, b"x") + b"\n" for i in range(lines))


def fill(pipe, journald, text, max_line):
    mesos = [f for f in MESOS_FIELDS if not f.startswith("TASK_ID=")] + [f"TASK_ID={TASK_ID}"]
    fields = [x for f in mesos for x in ("--field", f)]
    p = subprocess.run([pipe, "--namespace", journald.name, "-t", "bench", "--max-line-bytes", str(max_line)]
                       + fields, input=text, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"companion failed: {p.stderr.decode()}")


def timed(argv):
    """Runs argv with its stdout drained; wall seconds, CPU seconds, output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {p.returncode}: {p.stderr.decode()[:300]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.stdout


def wait_stored(journald, entries):
    for _ in range(600):
        p = subprocess.run(["journalctl", f"--namespace={journald.name}", "-o", "cat", f"TASK_ID={TASK_ID}"],
                           capture_output=True)
        if p.stdout.count(b"\n") >= entries:
            return
        time.sleep(0.1)
    raise RuntimeError("the journal did not get every entry")


def run(tools, tag, runs, quick):
    """One row per (journal, reader): lines, entries, every repetition's wall and CPU."""
    logs = os.path.join(os.path.dirname(tools.pipe), "mesos-journald-logs")
    rows = []
    for name, (lines, size, max_line) in VARIANTS.items():
        if quick:
            lines //= 5
        with Journald(f"{tag}-reader-{name}") as j:
            text = task_output(lines, size)
            fill(tools.pipe, j, text, max_line)
            entries = lines * -(-size // max_line)
            wait_stored(j, entries)
            readers = {
                "mesos-journald-logs -o raw": [logs, "--namespace", j.name, TASK_ID],
                "journalctl -o cat": ["journalctl", f"--namespace={j.name}", "-o", "cat", f"TASK_ID={TASK_ID}"],
            }
            samples = {r: [] for r in readers}
            for rep in range(runs):
                for r, argv in readers.items():
                    wall, cpu, out = timed(argv)
                    if rep == 0 and r.startswith("mesos-journald-logs") and out != text:
                        raise RuntimeError(f"{name}: the reader's output differs from what was written")
                    printed = out.count(b"\n")
                    if rep == 0 and r.startswith("journalctl") and printed != entries:
                        raise RuntimeError(f"{name}: journalctl printed {printed} of {entries} entries")
                    samples[r].append((wall, cpu))
            for r, s in samples.items():
                row = {"journal": name, "lines": lines, "entries": entries, "reader": r,
                       "printed": lines if r.startswith("mesos") else entries,
                       "wall_s": [w for w, _ in s], "cpu_s": [c for _, c in s]}
                rows.append(row)
                wall = statistics.median(row["wall_s"])
                print(f"  {name:5} {r:28} {row['printed'] / wall:9.0f} lines/s  CPU "
                      f"{statistics.median(row['cpu_s']):.2f} s", flush=True)
    return rows


def markdown(rows):
    if not rows:
        return "Not measured yet: `sudo scripts/bench.sh --only reader`."
    out = ["| journal | reader | lines printed | lines/s | entries/s | CPU s | wall s (each run) |",
           "|---|---|---:|---:|---:|---:|---|"]
    last = None
    for r in rows:
        wall = statistics.median(r["wall_s"])
        label = LABELS[r["journal"]].format(**r) if r["journal"] != last else ""
        last = r["journal"]
        out.append(f"| {label} | `{r['reader']}` | {r['printed']:,} | {r['printed'] / wall:,.0f} | "
                   f"{r['entries'] / wall:,.0f} | {statistics.median(r['cpu_s']):.2f} | "
                   f"{', '.join(f'{w:.2f}' for w in r['wall_s'])} |")
    return "\n".join(out)
