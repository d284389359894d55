#!/usr/bin/env python3
"""Fails a test run in which a test skipped that may not skip.

  check-skips.py JUNIT_XML ALLOWLIST

JUNIT_XML is what `ctest --output-junit` wrote. ALLOWLIST (tests/allowed-skips.txt)
holds one allowed skip a line: `NAME_REGEX | REASON_REGEX | why`. A skipped test passes
only if its name matches NAME_REGEX and the reason it printed matches REASON_REGEX: a
Mesos test that skips because there is no Mesos is allowed; the same test skipping
because the agent did not start is not. Prints every skip with its reason, and a closing
count.
"""
import re
import sys
import xml.etree.ElementTree as ET


def load_allowlist(path):
    rules = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|", 2)]
            if len(parts) != 3 or not all(parts):
                sys.exit(f"{path}:{number}: expected 'NAME_REGEX | REASON_REGEX | why'")
            rules.append((re.compile(parts[0]), re.compile(parts[1]), parts[2]))
    return rules


def skip_reason(case):
    """What the test said when it skipped: gtest's line after 'Skipped', or the
    output's last line."""
    out = "".join(e.text or "" for e in case.iter("system-out"))
    for skipped in case.iter("skipped"):
        out += "\n" + (skipped.get("message") or "") + "\n" + (skipped.text or "")
    lines = [l.strip() for l in out.splitlines()]
    for i, l in enumerate(lines):
        if l.endswith("Skipped") and i + 1 < len(lines) and lines[i + 1]:
            return lines[i + 1]
        if l.startswith("SKIP:"):
            return l[len("SKIP:"):].strip()
    nonempty = [l for l in lines if l]
    return nonempty[-1] if nonempty else "(no reason printed)"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rules = load_allowlist(sys.argv[2])
    root = ET.parse(sys.argv[1]).getroot()
    allowed, refused = [], []
    for case in root.iter("testcase"):
        status = (case.get("status") or "").lower()
        if not (list(case.iter("skipped")) or status in ("notrun", "skipped", "disabled")):
            continue
        name = case.get("name") or "?"
        reason = skip_reason(case)
        rule = next((r for r in rules if r[0].search(name) and r[1].search(reason)), None)
        (allowed if rule else refused).append((name, reason, rule[2] if rule else ""))
    for name, reason, why in allowed:
        print(f"check-skips: allowed skip: {name}: {reason} ({why})")
    for name, reason, _ in refused:
        print(f"check-skips: NOT ALLOWED: {name} skipped: {reason}")
    print(f"check-skips: {len(allowed)} allowed skips, {len(refused)} skips not on {sys.argv[2]}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
