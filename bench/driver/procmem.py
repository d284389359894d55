"""Memory and scheduling numbers of a live process, from /proc."""


def smaps_rollup(pid):
    """Rss, Pss, Private_Clean + Private_Dirty, and Private_Dirty alone (KiB) from
    /proc/PID/smaps_rollup. Private_Clean counts file pages (libstdc++, the binary) that
    no other process happens to map at the moment, so it depends on what else runs;
    Private_Dirty is what this process alone costs (heap, stacks, relocated data)."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                out[parts[0][:-1]] = int(parts[1])
    return {"rss_kib": out.get("Rss", 0), "pss_kib": out.get("Pss", 0),
            "private_kib": out.get("Private_Clean", 0) + out.get("Private_Dirty", 0),
            "private_dirty_kib": out.get("Private_Dirty", 0)}


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def context_switches(pid):
    s = status(pid)
    return int(s["voluntary_ctxt_switches"]) + int(s["nonvoluntary_ctxt_switches"])


def peak_rss_kib(pid):
    return int(status(pid)["VmHWM"].split()[0])
