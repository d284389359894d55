"""Turns the driver's results into docs/performance.md and docs/performance.png."""
import datetime
import json
import os
import platform
import statistics
import subprocess
import tempfile

from contenders import JOURNAL_CONTENDERS, LABELS
import collector
import latency
import reader


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def spread(xs, digits=0):
    """The median and, with more than one value, the min–max over repetitions."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return "–"
    if len(xs) == 1:
        return fmt(xs[0], digits)
    return f"{fmt(med(xs), digits)} ({fmt(min(xs), digits)}–{fmt(max(xs), digits)})"


def each(rows, value, digits=1):
    """Every repetition's value, in repetition order."""
    return " / ".join(fmt(r[value], digits) for r in sorted(rows, key=lambda r: r["rep"]))


def commit():
    """The checked-out commit, with "+" when tracked files other than the benchmark's own
    output (docs/performance*, which each run rewrites) have changes."""
    def git(*a):  # not strip(): a status line starts with a space
        return subprocess.run(["git", *a], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              cwd=os.path.dirname(os.path.abspath(__file__))).stdout.rstrip("\n")
    head = git("rev-parse", "--short", "HEAD")
    changed = [line for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
               if not line[3:].startswith("docs/performance")]
    return head + ("+" if changed else "") if head else "?"


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


def ratios_by_rep(rows, key, num, den, value="lines_per_s", by="contender"):
    """num/den of every repetition, each pair from the same repetition."""
    out = []
    for rep in sorted({r["rep"] for r in rows}):
        a = [r[value] for r in rows if r["rep"] == rep and key(r) and r[by] == num]
        b = [r[value] for r in rows if r["rep"] == rep and key(r) and r[by] == den]
        if a and b and b[0] and a[0] is not None:
            out.append(a[0] / b[0])
    return out


def ratio_by_rep(rows, key, num, den, value="lines_per_s", by="contender"):
    """Median over repetitions of num/den, each pair from the same repetition."""
    return med(ratios_by_rep(rows, key, num, den, value, by))


def contenders_of(res):
    return JOURNAL_CONTENDERS + (["dcos"] if any(r["contender"] == "dcos" for r in res["throughput"]) else [])


def case_key(size, mode, k):
    return lambda r: (r["size"], r["mode"], r["containers"]) == (size, mode, k)


def throughput_table(res):
    rows = res["throughput"]
    cases = []
    for r in rows:
        c = (r["size"], r["mode"], r["containers"])
        if c not in cases:
            cases.append(c)
    out = ["| line | writer | containers | contender | lines/s | × (1) | MB/s | sender µs/line | sender CPU ÷ (1)'s "
           "| journald µs/line, each run | sender CPU ÷ journald CPU |",
           "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for size, mode, k in cases:
        key = case_key(size, mode, k)
        for c in contenders_of(res):
            sel = [r for r in rows if key(r) and r["contender"] == c]
            if not sel:
                continue
            sender = c != "stream"  # systemd-cat's writer talks to journald itself
            share = [r["sender_us_per_line"] / r["journald_us_per_line"] for r in sel] if sender else []
            cpu_vs_1 = ratios_by_rep(rows, key, c, "native", "sender_us_per_line") if sender else []
            out.append(f"| {size} B | {mode} | {k} | {LABELS[c]} | {spread([r['lines_per_s'] for r in sel])} | "
                       f"{spread(ratios_by_rep(rows, key, c, 'native'), 2)} | {fmt(med([r['mb_per_s'] for r in sel]), 1)} | "
                       f"{spread([r['sender_us_per_line'] for r in sel], 2) if sender else '–'} | "
                       f"{spread(cpu_vs_1, 2) if cpu_vs_1 else '–'} | {each(sel, 'journald_us_per_line')} | "
                       f"{f'{100 * med(share):.1f} %' if share else '–'} |")
    return "\n".join(out)


def startup_us(res, c):
    vals = (res.get("startup") or {}).get(c)
    return med(vals) if vals else None


def cpu_growth(res, c, k, refs):
    """Per repetition: c's CPU per line with k containers (100 B steady) ÷ its CPU per line
    in the reference row of that repetition among refs; [] when not measured."""
    out = []
    for r in res["throughput"]:
        if not (case_key(100, "steady", k)(r) and r["contender"] == c):
            continue
        ref = [x["sender_us_per_line"] for x in refs if x["contender"] == c and x["rep"] == r["rep"]]
        if ref:
            out.append(r["sender_us_per_line"] / ref[0])
    return out


def same_work_growth(res, c, k):
    """… against one container of as many lines as each of the k (the run's scale_ref rows)."""
    return cpu_growth(res, c, k, [x for x in res.get("scale_ref", []) if x["reference_for"] == k])


def count_growth(res, c, k):
    """c's system calls per line with k containers (100 B steady) ÷ one container of as
    many lines, from the counted pass; None when not counted."""
    per = {}
    for r in res.get("counts") or []:
        if (r["contender"], r["size"], r["mode"]) == (c, 100, "steady") and r.get("sender_counts"):
            per[(r["containers"], r["count"])] = r["sender_counts"]["syscalls_per_line"]
    mine = [(n, v) for (kk, n), v in per.items() if kk == k]
    if not mine or (1, mine[0][0]) not in per:
        return None
    return mine[0][1] / per[(1, mine[0][0])]


def scaling_table(res):
    """Cost as containers grow: 100 B steady writers, 1, 20 and 100 containers."""
    rows = res["throughput"]
    ks = sorted({r["containers"] for r in rows if (r["size"], r["mode"]) == (100, "steady")})
    out = ["| contender | containers | lines per container | lines/s | sender µs/line | × 1 container "
           "of as many lines | × 1 container of 60,000 | of which start-up + exit | journald µs/line "
           "| journald on a CPU | senders on a CPU |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in [c for c in contenders_of(res) if c != "stream"]:
        for k in ks:
            sel = [r for r in rows if case_key(100, "steady", k)(r) and r["contender"] == c]
            if not sel:
                continue
            per = sel[0]["lines"] // k
            grow = cpu_growth(res, c, k, [r for r in rows if case_key(100, "steady", 1)(r)])  # the 60,000 lines
            st = startup_us(res, c)
            fixed = f"{st * k / sel[0]['lines']:.2f}" if st is not None else "–"
            same = same_work_growth(res, c, k) if k > 1 else []
            out.append(f"| {LABELS[c]} | {k} | {per:,} | {spread([r['lines_per_s'] for r in sel])} | "
                       f"{spread([r['sender_us_per_line'] for r in sel], 2)} | "
                       f"{spread(same, 2) if same else '–'} | {spread(grow, 2)} | {fixed} | "
                       f"{spread([r['journald_us_per_line'] for r in sel], 1)} | "
                       f"{fmt(100 * med([r.get('journald_busy') for r in sel]), 0)} % | "
                       f"{fmt(100 * med([r.get('sender_busy') for r in sel]), 0)} % |")
    st = {c: startup_us(res, c) for c in ("native", "pipe", "pipe+files")}
    if all(v is not None for v in st.values()):
        out.append("")
        out.append(f"Start-up + exit, CPU per sender (senders of one line each, median): native baseline "
                   f"{st['native'] / 1000:.2f} ms, companion {st['pipe'] / 1000:.2f} ms, with sandbox files "
                   f"{st['pipe+files'] / 1000:.2f} ms.")
    return "\n".join(out)


def counts_table(res):
    """The untimed counted pass (counts.py): per line, what the senders and journald did."""
    rows = res.get("counts") or []
    if not rows:
        return f"Not measured: {res.get('counts_skipped', 'an older run')}."
    out = ["| contender | line size | writer | containers | lines per container | sender syscalls | reads | "
           "lines per `sendmmsg()` | single `sendmsg()` | queue full (`EAGAIN`) | sleeps (wake-ups) | "
           "preemptions | journald syscalls | journald sleeps |",
           "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def n(x, digits=4):
        return "–" if x is None else f"{x:.{digits}f}"

    order = {c: i for i, c in enumerate(list(LABELS))}
    for r in sorted(rows, key=lambda r: (order.get(r["contender"], 99), r["size"], r["mode"], r["containers"],
                                         -r["count"])):
        sc, jc = r.get("sender_counts") or {}, r.get("journald_counts") or {}
        full = None
        if sc:
            full = sc.get("sendmmsg_eagain_per_line", 0) + sc.get("sendmsg_eagain_per_line", 0)
        out.append(f"| {LABELS.get(r['contender'], r['contender'])} | {r['size']:,} | {r['mode']} | "
                   f"{r['containers']} | {r['count']:,} | {n(sc.get('syscalls_per_line'))} | "
                   f"{n(sc.get('read_per_line'))} | {n(sc.get('lines_per_sendmmsg'), 1)} | "
                   f"{n(sc.get('sendmsg_per_line'))} | {n(full)} | "
                   f"{n(r['sender_vcsw_per_line'] if sc else None)} | {n(r['sender_ivcsw_per_line'] if sc else None)} | "
                   f"{n(jc.get('syscalls_per_line'), 3)} | {n(r.get('journald_vcsw_per_line'))} |")
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
        out.append(f"| {size} B | {spread([r['mb_per_s'] for r in p], 1)} | {spread([r['mb_per_s'] for r in c], 1)} | "
                   f"{spread(ratios_by_rep(rows, key, 'pipe-nojournal', 'cat'), 2)} | "
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
        out.append(f"| {n} | {spread([r['lines_per_s'] for r in sel])} | {spread(ratios, 2)} | "
                   f"{fmt(med([r['journald_us_per_line'] for r in sel]), 2)} | {fmt(med([r['sender_us_per_line'] for r in sel]), 2)} |")
    return "\n".join(out)


def lever_table(res):
    rows = res["lever"]
    out = ["| fields per entry, journald setting | lines/s | journald µs/line | companion µs/line |", "|---|---:|---:|---:|"]
    for v in dict.fromkeys(r["variant"] for r in rows):
        sel = [r for r in rows if r["variant"] == v]
        out.append(f"| {v} | {spread([r['lines_per_s'] for r in sel])} | {spread([r['journald_us_per_line'] for r in sel], 1)} | "
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


def worst_case(rows, c, cases, num="lines_per_s", lowest=True):
    """Over cases (size, mode, k): the case whose median per-repetition ratio of c to (1)
    is worst, as (median, per-repetition ratios, case)."""
    found = []
    for case in cases:
        rs = ratios_by_rep(rows, case_key(*case), c, "native", num)
        if rs:
            found.append((med(rs), rs, case))
    if not found:
        return None, [], None
    return (min if lowest else max)(found, key=lambda x: x[0])


def case_name(case):
    size, mode, k = case
    return f"{size} B {mode}, {k} container{'s' if k > 1 else ''}"


def verdicts(res):
    """The targets (issues 5, 15 and 24) as (target, measured, met), each from ratios of the
    same run; a target that could not be measured is left out."""
    rows = res["throughput"]
    t = []
    patterns = [c for c in {(r["size"], r["mode"], r["containers"]) for r in rows}
                if c[0] == 100 and c[2] in (1, 20)]
    for c in ("pipe", "pipe+files"):
        m, rs, case = worst_case(rows, c, sorted(patterns))
        if m is not None:
            t.append((f"{LABELS[c]} ≥ 0.9 × (1) lines/s, worst of steady/bursty × 1/20 containers (100 B)",
                      f"{m:.2f} × ({min(rs):.2f}–{max(rs):.2f}; {case_name(case)})", m >= 0.9))
    k100 = case_key(100, "steady", 1)
    sel = [r for r in rows if k100(r) and r["contender"] == "pipe"]
    share = [r["sender_us_per_line"] / r["journald_us_per_line"] for r in sel]
    if share:
        t.append(("companion CPU/line ≤ 10 % of journald's (100 B)",
                  f"{100 * med(share):.1f} % ({100 * min(share):.1f}–{100 * max(share):.1f})", med(share) <= 0.10))
    m, rs, case = worst_case(rows, "pipe", sorted(patterns), "sender_us_per_line", lowest=False)
    if m is not None:
        t.append(("companion CPU/line ≤ 0.3 × the native baseline sender's, worst of steady/bursty × 1/20 "
                  "containers (100 B)", f"{m:.2f} × ({min(rs):.2f}–{max(rs):.2f}; {case_name(case)})", m <= 0.3))
    for k, bound in ((20, 1.5), (100, 2.0)):
        grow = same_work_growth(res, "pipe", k)
        if grow:
            t.append((f"companion CPU/line with {k} containers ≤ {bound} × one container of as many lines "
                      "(100 B steady)", f"{med(grow):.2f} × ({min(grow):.2f}–{max(grow):.2f})", med(grow) <= bound))
        counted = count_growth(res, "pipe", k)
        if counted is not None:
            t.append((f"… its system calls per line with {k} containers ≤ {bound} × one container of as many lines "
                      "(counted pass)", f"{counted:.2f} ×", counted <= bound))
    st = [r["companion_us_per_line"] / r["journald_us_per_line"] for r in res.get("transport", [])
          if r["transport"] == "stream" and r.get("companion_us_per_line", -1) >= 0]
    if st:
        t.append(("… companion ≤ 10 % of journald's with `--transport stream` (under systemd, 100 B)",
                  f"{100 * med(st):.1f} %", med(st) <= 0.10))
    f = res["files"]
    fr = [(ratios_by_rep(f, lambda r, s=s: r["size"] == s, "pipe-nojournal", "cat"), s)
          for s in sorted({r["size"] for r in f})]
    fr = [(med(rs), rs, s) for rs, s in fr if rs]
    if fr:
        worst, rs, size = min(fr)
        t.append(("(5) ≥ 0.9 × cat > file (worst line size)",
                  f"{worst:.2f} × ({min(rs):.2f}–{max(rs):.2f}; {size} B)", worst >= 0.9))
    idle = [m for m in res["memory"] if m["lines"] == 1]
    if idle:
        priv = max(m["idle_private_kib"] for m in idle)
        dirty = max(m.get("idle_private_dirty_kib", priv) for m in idle)
        t.append(("idle companion private memory ≤ 1 MiB (dirty; all private incl. clean file pages)",
                  f"{dirty} KiB ({priv} KiB)", dirty <= 1024))
        wake = max(m["wakeups_per_s"] for m in res["memory"])
        t.append(("idle companion: zero wake-ups/s", f"{wake:.1f}/s", wake == 0))
    if res["spawn"].get("pipe"):
        sp = res["spawn"]["pipe"]["median_us"] / 1000
        t.append(("spawn to first line readable ≤ 5 ms median", f"{sp:.2f} ms", sp <= 5))
    t += latency.verdicts(res)
    return t


def targets(res):
    lines = ["| target | measured: median (min–max over repetitions) | met |", "|---|---:|---|"]
    lines += [f"| {a} | {b} | {'yes' if ok else '**no**'} |" for a, b, ok in verdicts(res)]
    return "\n".join(lines)


def history_path(out_md):
    return os.path.splitext(out_md)[0] + "-runs.json"


def record_verdicts(res, out_md, keep=10):
    """Appends this full run's verdicts to docs/performance-runs.json (the last `keep`)."""
    path = history_path(out_md)
    runs = []
    if os.path.exists(path):
        with open(path) as f:
            runs = json.load(f)
    loads = sorted(float(x["loadavg"].split()[0]) for x in res["load"])
    runs.append({"date": res["machine"]["date"], "commit": res.get("commit", "?"), "seed": res.get("seed"),
                 "dgram_qlen": res.get("dgram_qlen"), "runs": res["runs"], "duration_s": round(res["duration_s"]),
                 "load_1min": f"{loads[0]:.2f}–{loads[-1]:.2f}",
                 "verdicts": [{"target": a, "measured": b, "met": ok} for a, b, ok in verdicts(res)]})
    with open(path, "w") as f:
        json.dump(runs[-keep:], f, indent=1, ensure_ascii=False)
        f.write("\n")


def stability(res, out_md, n=3):
    """The verdicts of the last n full runs side by side, and whether they agree."""
    path = history_path(out_md)
    runs = []
    if os.path.exists(path):
        with open(path) as f:
            runs = json.load(f)[-n:]
    if len(runs) < n:
        return (f"Fewer than {n} full runs recorded in `{os.path.basename(path)}` so far ({len(runs)}); "
                "no claim about the verdicts' stability yet.")
    names = [v["target"] for v in runs[-1]["verdicts"]]
    out = ["| target | " + " | ".join(f"run {i + 1}: {r['date']}" for i, r in enumerate(runs)) + " | same verdict |",
           "|---|" + "---:|" * len(runs) + "---|"]
    differ = []
    for name in names:
        cells, mets = [], []
        for r in runs:
            v = next((v for v in r["verdicts"] if v["target"] == name), None)
            cells.append("–" if v is None else f"{v['measured']} {'yes' if v['met'] else '**no**'}")
            mets.append(None if v is None else v["met"])
        same = None not in mets and len(set(mets)) == 1
        if not same:
            differ.append(name)
        out.append(f"| {name} | " + " | ".join(cells) + f" | {'yes' if same else '**no**'} |")
    out.append("")
    out.append("; ".join(f"run {i + 1}: commit {r['commit']}, seed {r['seed']}, net.unix.max_dgram_qlen="
                         f"{r['dgram_qlen']}, 1-min load {r['load_1min']}, {r['duration_s']} s"
                         for i, r in enumerate(runs)) + ".")
    commits = {r["commit"] for r in runs}
    verdict = ("**The verdict table was the same in all three runs.**" if not differ else
               "**The verdicts differed** in: " + "; ".join(differ) + ".")
    if len(commits) > 1:
        verdict += " (The runs are of different commits.)"
    return verdict + "\n\n" + "\n".join(out)


def plot(res, png):
    rows = [r for r in res["throughput"] if r["mode"] == "steady" and r["containers"] == 1]
    sizes = sorted({r["size"] for r in rows})
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as d:
        d.write("size " + " ".join(f'"{LABELS[c]}"' for c in JOURNAL_CONTENDERS) + "\n")  # (6) is in the tables
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


def dcos_note(res):
    if res.get("dcos"):
        counted = [r for r in res["throughput"] if r["contender"] == "dcos" and r.get("entries") is not None]
        cut = ""
        if counted:
            lines, entries = sum(r["lines"] for r in counted), sum(r["entries"] for r in counted)
            cut = (f" It cuts a line that spans two of its 4 KiB reads into two entries: the counted loads "
                   f"gave {entries:,} entries for {lines:,} lines ({100 * (entries - lines) / lines:.1f} % more; "
                   "a 16 KiB line is always cut), so (6) is timed until its MESSAGE bytes are all readable, "
                   "not its last line.")
        return (f"(6) is the DC/OS companion `{res['dcos']}`, given with `MJ_BENCH_DCOS_COMPANION`, measured in "
                "this run." + cut)
    return ("(6), the DC/OS companion, was **not measured** in this run: `MJ_BENCH_DCOS_COMPANION` named no "
            "binary (it needs a Mesos installation to build).")


def reopen_note(res):
    """How often journal_wait saw nothing new for a second and opened a new handle."""
    rows = [r for key in ("throughput", "scale_ref", "lever") for r in res.get(key, []) if "wait_reopened" in r]
    if not rows:
        return "(Not recorded in this run.)"
    hit = [r for r in rows if r["wait_reopened"]]
    return (f"In this run `journal_wait` opened a new handle in {len(hit)} of {len(rows)} loads"
            + (": " + ", ".join(f"{r['contender']} {r['size']} B {r['mode']} ×{r['containers']}" for r in hit)
               if hit else "") + ".")


# What each group's keys hold before it ran: a page rendered from results without a
# group shows its sections as not measured.
DEFAULTS = {"throughput": [], "scale_ref": [], "counts": [], "counts_startup": {}, "files": [], "namespaces": [], "lever": [], "memory": [], "spawn": {},
            "micro": [], "transport": [], "startup": {}, "reader": [], "collector": {}, "latency": {}, "load": [],
            "groups": {}}
GROUP_OF = {"throughput": "throughput", "files": "files", "namespaces": "namespaces", "lever": "lever",
            "memory": "probes", "micro": "probes"}


def not_measured(group):
    return f"Not measured yet: `sudo scripts/bench.sh --only {group}`."


def spawn_text(res):
    spawn = res["spawn"]
    if not spawn.get("pipe"):
        return not_measured("probes")
    ms = {k: v["median_us"] / 1000 for k, v in spawn.items()}
    return (f"Median over {len(spawn['pipe']['samples_us'])} spawns: companion **{ms['pipe']:.2f} ms** (90th percentile "
            f"{spawn['pipe']['p90_us'] / 1000:.2f} ms; {spawn['pipe']['detected_median_us'] / 1000:.2f} ms until the "
            f"polling reader saw it); native baseline {ms['native']:.2f} ms; the floor, a static C-style sender, "
            f"{ms['minimal']:.2f} ms. Start-up alone, to a socket of the benchmark's own (no journald): companion "
            f"{ms['pipe-probe']:.2f} ms, native baseline {ms['native-probe']:.2f} ms, floor {ms['minimal-probe']:.2f} ms.")


def quiet_banner(res):
    """A visible warning when a group on the page was measured on a busy machine."""
    busy = {g: r for g, r in res["groups"].items() if not r.get("quiet", True)}
    if not busy:
        return ""
    return ("> **Not a quiet run.** " + "; ".join(
        f"`{g}` ({r['date']}): " + "; ".join(r.get("busy_reasons") or ["busy"]) for g, r in busy.items())
        + ". These figures are not verdicts, and no verdict was recorded from them.\n")


def groups_table(res):
    """When each group on this page was measured, of which commit, and whether quietly."""
    groups = res["groups"]
    if not groups:
        return "(This page predates per-group records: every group is from the run described above.)"
    out = ["| group | measured | commit | mode | took | quiet? | 1-min load before, after |",
           "|---|---|---|---|---:|---|---|"]
    order = ["throughput", "lever", "probes", "files", "namespaces", "transports", "reader", "collector", "latency"]
    for g, r in sorted(groups.items(), key=lambda x: order.index(x[0]) if x[0] in order else len(order)):
        mode = "quick" if r["quick"] else f"full, {r['runs']} repetitions"
        if r.get("error"):
            mode += f"; **failed**: {r['error']}"
        if r.get("last_error"):
            mode += f"; a later run ({r['last_error_date']}) failed: {r['last_error']}"
        out.append(f"| `{g}` | {r['date']} | {r['commit']} | {mode} | {r['duration_s']} s | "
                   f"{'yes' if r['quiet'] else '**no**: ' + '; '.join(r.get('busy_reasons') or [])} | "
                   f"{' → '.join(x.split()[0] for x in r.get('loadavg', []))} |")
    note = res.get("verdict_note")
    if note:
        out.append("")
        out.append(f"The last run ({', '.join(res.get('ran_groups') or [])}): {note}.")
    return "\n".join(out)


def write(res, out_md):
    res = dict(res)
    for k, v in DEFAULTS.items():
        res.setdefault(k, v)
    m = res.get("machine") or machine()  # recorded at run time; older results lack it
    png = os.path.splitext(out_md)[0] + ".png"
    if res["throughput"]:
        plot(res, png)
    loads = ", ".join(f"{x['when']}: {x['loadavg']}" for x in res["load"])
    mode = "quick mode (`--quick`: fewer lines, one repetition)" if res["quick"] else f"full mode, median of {res['runs']} repetitions"

    def table(key, fn):
        return fn(res) if res[key] else not_measured(GROUP_OF[key])

    notes = ""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "collector-notes.md")
    if os.path.exists(path):
        with open(path) as f:
            notes = f.read()
    text = TEMPLATE.format(
        mode=mode, duration=res["duration_s"], loads=loads, **m,
        quiet_banner=quiet_banner(res), groups=groups_table(res),
        targets=targets(res), throughput=table("throughput", throughput_table), files=table("files", files_table),
        scaling=table("throughput", scaling_table), stability=stability(res, out_md), seed=res.get("seed", "–"),
        qlen=res.get("dgram_qlen", "512 (not recorded)"), dcos=dcos_note(res), reopened=reopen_note(res),
        namespaces=table("namespaces", namespaces_table), lever=table("lever", lever_table),
        memory=table("memory", memory_table),
        transport=transport_table(res) if res["transport"] or res.get("transport_skipped") else not_measured("transports"),
        spawn=spawn_text(res),
        counts=counts_table(res) if res["counts"] or res.get("counts_skipped") else not_measured("counts"),
        startup_syscalls=fmt((res.get("counts_startup") or {}).get("pipe")),
        micro=table("micro", micro_table), png=os.path.basename(png),
        reader=reader.markdown(res["reader"]),
        collector=(f"Not measured: {res['collector_skipped']}." if res.get("collector_skipped")
                   else collector.markdown(res["collector"])),
        collector_notes=notes, latency=latency.markdown(res["latency"]))
    # Hand-written: the analysis of the committed run.
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "findings.md")
    if os.path.exists(path):
        with open(path) as f:
            text += "\n" + f.read()
    with open(out_md, "w") as f:
        f.write(text)


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "performance.md.in")) as _f:
    TEMPLATE = _f.read()
