"""Measurements of single companions: memory idle and busy, wake-ups while idle, and
the time from spawn to the first readable line."""
import json
import subprocess
import time

from contenders import MESOS_FIELDS, Container, wait_readable
from procmem import context_switches, peak_rss_kib, smaps_rollup
from journald import cpu_seconds


def companion_memory(tools, journald, run_id, workdir, size, busy_lines, idle_secs, with_files):
    """A companion that sends `busy_lines` lines (1 for the idle case), then sits idle
    with its container alive. Samples Private memory while busy, then measures memory
    and wake-ups (context switches) and CPU over `idle_secs` of idleness."""
    ident = f"{run_id}-mem"
    sandbox = None
    if with_files:
        import os
        sandbox = os.path.join(workdir, ident)
        os.makedirs(sandbox)
    c = Container(tools, "pipe+files" if with_files else "pipe", journald, ident, MESOS_FIELDS,
                  busy_lines, size, "steady", sandbox, hold=True)
    pid = c.sender.pid
    busy_private = 0
    time.sleep(0.05)
    # While it is busy: sample until the writer has written everything and gone idle.
    while c.writer.poll() is None:
        try:
            busy_private = max(busy_private, smaps_rollup(pid)["private_kib"])
        except (FileNotFoundError, ProcessLookupError):
            break
        wait_done = subprocess.run([tools.journal_wait, "--namespace", journald.name, "--timeout-s", "0",
                                    f"{ident}={busy_lines - 1}"], stdout=subprocess.DEVNULL).returncode == 0
        if wait_done:
            break
        time.sleep(0.1)
    wait_readable(tools, journald.name, {ident: busy_lines - 1})
    time.sleep(0.5)  # let it settle into poll()
    idle = smaps_rollup(pid)
    sw0, cpu0 = context_switches(pid), cpu_seconds(pid)
    time.sleep(idle_secs)
    sw1, cpu1 = context_switches(pid), cpu_seconds(pid)
    hwm = peak_rss_kib(pid)
    c.release()
    c.wait()
    return {"lines": busy_lines, "size": size, "files": with_files,
            "busy_private_kib": max(busy_private, idle["private_kib"]),
            "idle_private_kib": idle["private_kib"], "idle_private_dirty_kib": idle["private_dirty_kib"],
            "idle_rss_kib": idle["rss_kib"],
            "idle_pss_kib": idle["pss_kib"], "peak_rss_kib": hwm,
            "wakeups_per_s": (sw1 - sw0) / idle_secs, "idle_cpu_s": cpu1 - cpu0}


def spawn_to_first_line(tools, journald, runs, which):
    """Median time from posix_spawn() of a sender to its first line being readable."""
    field_args = [x for f in MESOS_FIELDS for x in ("--field", f)]
    where = ["--namespace", journald.name]
    if which == "pipe":
        cmd = [tools.pipe, "--namespace", journald.name, "-t", "{id}"] + field_args
    elif which == "pipe-probe":  # to a socket of spawn_latency's own: the companion's part alone
        cmd = [tools.pipe, "--journal-socket", "{socket}", "-t", "{id}"] + field_args
        where = ["--probe"]
    elif which == "minimal":  # the machine's floor: static, libc only, one sendto()
        cmd = [tools.minimal, journald.socket, "{id}"]
    elif which == "minimal-probe":
        cmd = [tools.minimal, "{socket}", "{id}"]
        where = ["--probe"]
    elif which == "native-probe":
        cmd = [tools.native, "--socket", "{socket}", "--identifier", "{id}"] + field_args
        where = ["--probe"]
    else:
        cmd = [tools.native, "--socket", journald.socket, "--identifier", "{id}"] + field_args
    out = subprocess.run([tools.spawn_latency, "--runs", str(runs)] + where + ["--"] + cmd,
                         stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(out.stdout)


def micro_benchmarks(tools, min_time):
    out = subprocess.run([tools.micro, "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)
    rows = []
    for b in json.loads(out.stdout)["benchmarks"]:
        rows.append({"name": b["name"], "ns": b["real_time"] if b["time_unit"] == "ns" else b["real_time"] * 1000,
                     "bytes_per_s": b.get("bytes_per_second"), "items_per_s": b.get("items_per_second"),
                     "lines_per_s": b.get("lines/s")})
    return rows
