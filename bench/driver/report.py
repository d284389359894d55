"""Turns the driver's results into docs/performance.md and docs/performance.png."""
import datetime
import os
import platform
import statistics
import subprocess
import tempfile

from contenders import JOURNAL_CONTENDERS, LABELS


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def machine():
    def first(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, text=True, shell=True).stdout.strip().splitlines()[0]
        except (IndexError, OSError):
            return "?"
    return {
        "cpu": first("lscpu | sed -n 's/^Model name:[ ]*//p'"),
        "cores": os.cpu_count(),
        "ram": first("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo"),
        "kernel": platform.release(),
        "systemd": first("journalctl --version"),
        "os": first(". /etc/os-release && echo $PRETTY_NAME"),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def ratio_by_rep(rows, key, num, den, value="lines_per_s", by="contender"):
    """Median over repetitions of num/den, each pair from the same repetition."""
    out = []
    for rep in sorted({r["rep"] for r in rows}):
        a = [r[value] for r in rows if r["rep"] == rep and key(r) and r[by] == num]
        b = [r[value] for r in rows if r["rep"] == rep and key(r) and r[by] == den]
        if a and b and b[0]:
            out.append(a[0] / b[0])
    return med(out)


def throughput_table(res):
    rows = res["throughput"]
    cases = []
    for r in rows:
        c = (r["size"], r["mode"], r["containers"])
        if c not in cases:
            cases.append(c)
    out = ["| line | writer | containers | contender | lines/s | MB/s | × (1) | sender µs/line | journald µs/line | sender CPU ÷ journald CPU |",
           "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for size, mode, k in cases:
        def key(r):
            return (r["size"], r["mode"], r["containers"]) == (size, mode, k)
        for c in JOURNAL_CONTENDERS:
            sel = [r for r in rows if key(r) and r["contender"] == c]
            if not sel:
                continue
            s_us, j_us = med([r["sender_us_per_line"] for r in sel]), med([r["journald_us_per_line"] for r in sel])
            share = "–" if c == "stream" else f"{100 * s_us / j_us:.1f} %"
            out.append(f"| {size} B | {mode} | {k} | {LABELS[c]} | {fmt(med([r['lines_per_s'] for r in sel]))} | "
                       f"{fmt(med([r['mb_per_s'] for r in sel]), 1)} | {fmt(ratio_by_rep(rows, key, c, 'native'), 2)} | "
                       f"{'–' if c == 'stream' else fmt(s_us, 2)} | {fmt(j_us, 2)} | {share} |")
    return "\n".join(out)


def files_table(res):
    rows = res["files"]
    out = ["| line | (5) pipe --no-journal MB/s | cat > file MB/s | (5) ÷ cat | pipe µs/line | cat µs/line |",
           "|---:|---:|---:|---:|---:|---:|"]
    for size in sorted({r["size"] for r in rows}):
        def key(r):
            return r["size"] == size
        p = [r for r in rows if key(r) and r["contender"] == "pipe-nojournal"]
        c = [r for r in rows if key(r) and r["contender"] == "cat"]
        out.append(f"| {size} B | {fmt(med([r['mb_per_s'] for r in p]), 1)} | {fmt(med([r['mb_per_s'] for r in c]), 1)} | "
                   f"{fmt(ratio_by_rep(rows, key, 'pipe-nojournal', 'cat'), 2)} | "
                   f"{fmt(med([r['sender_us_per_line'] for r in p]), 2)} | {fmt(med([r['sender_us_per_line'] for r in c]), 2)} |")
    return "\n".join(out)


def namespaces_table(res):
    rows = res["namespaces"]
    out = ["| namespaces | aggregate lines/s | × 1 namespace | journald µs/line (all instances) | companion µs/line |",
           "|---:|---:|---:|---:|---:|"]
    for n in (1, 2, 4):
        sel = [r for r in rows if r["namespaces"] == n]
        ratios = []
        for rep in {r["rep"] for r in rows}:
            a = [r["lines_per_s"] for r in rows if r["rep"] == rep and r["namespaces"] == n]
            b = [r["lines_per_s"] for r in rows if r["rep"] == rep and r["namespaces"] == 1]
            if a and b:
                ratios.append(a[0] / b[0])
        out.append(f"| {n} | {fmt(med([r['lines_per_s'] for r in sel]))} | {fmt(med(ratios), 2)} | "
                   f"{fmt(med([r['journald_us_per_line'] for r in sel]), 2)} | {fmt(med([r['sender_us_per_line'] for r in sel]), 2)} |")
    return "\n".join(out)


def lever_table(res):
    rows = res["lever"]
    out = ["| fields per entry | lines/s | journald µs/line | companion µs/line |", "|---|---:|---:|---:|"]
    for v in dict.fromkeys(r["variant"] for r in rows):
        sel = [r for r in rows if r["variant"] == v]
        out.append(f"| {v} | {fmt(med([r['lines_per_s'] for r in sel]))} | {fmt(med([r['journald_us_per_line'] for r in sel]), 2)} | "
                   f"{fmt(med([r['sender_us_per_line'] for r in sel]), 2)} |")
    return "\n".join(out)


def transport_table(res):
    rows = res.get("transport") or []
    if not rows:
        return "Not measured in this run: " + res.get("transport_skipped", "no systemd container (see docs/testing.md)") + "."
    out = ["| transport | lines/s | × native | journald µs/line | × native | companion µs/line | companion / journald | writer + companion µs/line |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    names = {"native": "`--transport native` (6 Mesos fields per entry)",
             "stream": "`--transport stream` (the 6 fields as `LogExtraFields=`)",
             "systemd-cat": "`line_gen \\| systemd-cat` (stream, no fields)"}
    for t in ("native", "stream", "systemd-cat"):
        sel = [r for r in rows if r["transport"] == t]
        if not sel:
            continue
        def every(r):
            return True
        speed = ratio_by_rep(rows, every, t, "native", by="transport")
        cpu = ratio_by_rep(rows, every, t, "native", value="journald_us_per_line", by="transport")
        comp = [r["companion_us_per_line"] for r in sel if r.get("companion_us_per_line", -1) >= 0]
        share = [r["companion_us_per_line"] / r["journald_us_per_line"] for r in sel
                 if r.get("companion_us_per_line", -1) >= 0]
        out.append(f"| {names[t]} | {fmt(med([r['lines_per_s'] for r in sel]))} | {fmt(speed, 2)} | "
                   f"{fmt(med([r['journald_us_per_line'] for r in sel]), 1)} | {fmt(cpu, 2)} | "
                   f"{fmt(med(comp), 2) if comp else '–'} | {f'{100 * med(share):.1f} %' if share else '–'} | "
                   f"{fmt(med([r['sender_us_per_line'] for r in sel]), 1)} |")
    n = rows[0]["lines"]
    out.append("")
    out.append(f"{n:,} lines of {rows[0]['size']} B per measurement, every one stored (counted) in every run.")
    return "\n".join(out)


def memory_table(res):
    out = ["| companion | private KiB (idle) | of which dirty | private KiB (peak while busy) | RSS KiB (idle) | peak RSS KiB | wake-ups/s idle | CPU s idle |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for m in res["memory"]:
        what = ("idle after 1 line" if m["lines"] == 1 else f"after {m['lines']:,} lines of {m['size']} B") + \
            (", journald + files" if m["files"] else ", journald only")
        out.append(f"| {what} | {m['idle_private_kib']} | {m.get('idle_private_dirty_kib', '–')} | "
                   f"{m['busy_private_kib']} | {m['idle_rss_kib']} | "
                   f"{m['peak_rss_kib']} | {m['wakeups_per_s']:.1f} | {m['idle_cpu_s']:.2f} |")
    return "\n".join(out)


def micro_table(res):
    out = ["| benchmark | ns/op | throughput |", "|---|---:|---:|"]
    for b in res["micro"]:
        tp = ""
        if b.get("lines_per_s"):
            tp = f"{b['lines_per_s'] / 1e6:.1f} M lines/s"
        if b.get("bytes_per_s"):
            tp += ("; " if tp else "") + f"{b['bytes_per_s'] / 2**30:.2f} GiB/s"
        elif b.get("items_per_s"):
            tp = f"{b['items_per_s'] / 1e6:.2f} M entries/s"
        out.append(f"| `{b['name']}` | {b['ns']:,.0f} | {tp} |")
    return "\n".join(out)


def targets(res):
    """The issue's targets, each from ratios of the same run."""
    rows = res["throughput"]

    def k100(r):
        return (r["size"], r["mode"], r["containers"]) == (100, "steady", 1)
    t = []
    r3 = ratio_by_rep(rows, k100, "pipe", "native")
    t.append(("(3) ≥ 0.9 × (1) lines/s, 100 B lines", f"{fmt(r3, 2)} ×", r3 is not None and r3 >= 0.9))
    sel = [r for r in rows if k100(r) and r["contender"] == "pipe"]
    share = med([r["sender_us_per_line"] / r["journald_us_per_line"] for r in sel])
    t.append(("companion CPU/line ≤ 10 % of journald's (100 B)", f"{100 * share:.1f} %", share <= 0.10))
    st = [r["companion_us_per_line"] / r["journald_us_per_line"] for r in res.get("transport", [])
          if r["transport"] == "stream" and r.get("companion_us_per_line", -1) >= 0]
    if st:
        t.append(("… the same with `--transport stream` (under systemd, 100 B)", f"{100 * med(st):.1f} %",
                  med(st) <= 0.10))
    f = res["files"]
    fr = [ratio_by_rep(f, lambda r, s=s: r["size"] == s, "pipe-nojournal", "cat") for s in sorted({r["size"] for r in f})]
    worst = min(x for x in fr if x is not None)
    t.append(("(5) ≥ 0.8 × cat > file (worst line size)", f"{worst:.2f} ×", worst >= 0.8))
    idle = [m for m in res["memory"] if m["lines"] == 1]
    priv = max(m["idle_private_kib"] for m in idle)
    dirty = max(m.get("idle_private_dirty_kib", priv) for m in idle)
    t.append(("idle companion private memory ≤ 1 MiB (dirty; all private incl. clean file pages)",
              f"{dirty} KiB ({priv} KiB)", dirty <= 1024))
    wake = max(m["wakeups_per_s"] for m in res["memory"])
    t.append(("idle companion: zero wake-ups/s", f"{wake:.1f}/s", wake == 0))
    sp = res["spawn"]["pipe"]["median_us"] / 1000
    t.append(("spawn to first line readable ≤ 5 ms median", f"{sp:.2f} ms", sp <= 5))
    lines = ["| target | measured | met |", "|---|---:|---|"]
    lines += [f"| {a} | {b} | {'yes' if ok else '**no**'} |" for a, b, ok in t]
    return "\n".join(lines)


def plot(res, png):
    rows = [r for r in res["throughput"] if r["mode"] == "steady" and r["containers"] == 1]
    sizes = sorted({r["size"] for r in rows})
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as d:
        d.write("size " + " ".join(f'"{LABELS[c]}"' for c in JOURNAL_CONTENDERS) + "\n")
        for s in sizes:
            vals = [med([r["lines_per_s"] for r in rows if r["size"] == s and r["contender"] == c]) or 0
                    for c in JOURNAL_CONTENDERS]
            d.write(f'"{s} B" ' + " ".join(f"{v:.0f}" for v in vals) + "\n")
    script = f"""
set terminal pngcairo size 900,520 font ",10"
set output "{png}"
set title "Lines/s until the last line is readable, one journald, one container (median)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [1000:*]
set ylabel "lines/s (log)"
set xlabel "line size"
set key top right
set grid ytics
plot "{d.name}" using 2:xtic(1) title columnheader(2), '' using 3 title columnheader(3), \\
     '' using 4 title columnheader(4), '' using 5 title columnheader(5)
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    finally:
        os.unlink(d.name)


def write(res, out_md):
    m = res.get("machine") or machine()  # recorded at run time; older results lack it
    png = os.path.splitext(out_md)[0] + ".png"
    plot(res, png)
    loads = ", ".join(f"{x['when']}: {x['loadavg']}" for x in res["load"])
    spawn = res["spawn"]
    mode = "quick mode (`--quick`: fewer lines, one repetition)" if res["quick"] else f"full mode, median of {res['runs']} repetitions"
    text = TEMPLATE.format(
        mode=mode, duration=res["duration_s"], loads=loads, **m,
        targets=targets(res), throughput=throughput_table(res), files=files_table(res),
        namespaces=namespaces_table(res), lever=lever_table(res), memory=memory_table(res),
        transport=transport_table(res),
        spawn_pipe=spawn["pipe"]["median_us"] / 1000, spawn_pipe_p90=spawn["pipe"]["p90_us"] / 1000,
        spawn_native=spawn["native"]["median_us"] / 1000, spawn_n=len(spawn["pipe"]["samples_us"]),
        spawn_pipe_probe=spawn["pipe-probe"]["median_us"] / 1000,
        spawn_native_probe=spawn["native-probe"]["median_us"] / 1000,
        spawn_minimal=spawn["minimal"]["median_us"] / 1000,
        spawn_minimal_probe=spawn["minimal-probe"]["median_us"] / 1000,
        spawn_pipe_detected=spawn["pipe"]["detected_median_us"] / 1000,
        micro=micro_table(res), png=os.path.basename(png))
    findings = os.path.join(os.path.dirname(os.path.abspath(__file__)), "findings.md")
    if os.path.exists(findings):  # hand-written analysis of the committed run
        with open(findings) as f:
            text += "\n" + f.read()
    with open(out_md, "w") as f:
        f.write(text)


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "performance.md.in")) as _f:
    TEMPLATE = _f.read()
