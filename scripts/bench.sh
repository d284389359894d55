#!/usr/bin/env bash
# Every benchmark of the project, by group (bench/driver/run_bench.py): the companion
# against journald's own limits and what users run today, the reader, the collector,
# latency. Writes docs/performance.md, docs/performance-results.json and (throughput)
# docs/performance.png. Needs root: it starts private journald namespace instances. Not
# part of CI. See docs/performance.md#running-it.
#
#   scripts/bench.sh                         every group (about 12 min on 2 idle cores)
#   scripts/bench.sh --quick                 fewer lines, one repetition
#   scripts/bench.sh --only latency          some groups (repeatable or a comma list):
#                                            throughput, counts, lever, probes, files,
#                                            namespaces, transports, reader, collector, latency
#   scripts/bench.sh --runs 5                more repetitions
#   scripts/bench.sh --seed N                the contenders' order of an earlier run
#
# A run checks that the machine is quiet (load < 0.5, nothing else busy) before and
# between groups; a busy run is marked so and records no verdict.
#
# BUILD_DIR (default build-bench) and MJ_BENCH_DGRAM_QLEN (default 512) override;
# MJ_BENCH_DCOS_COMPANION=/path/to/mesos-journald-logger adds the DC/OS module's companion
# to the contenders against journald.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-bench}

. scripts/bench-prepare.sh
bench_prepare bench.sh
# perf counts the senders' and journald's system calls (bench/driver/counts.py; bench-prepare.sh
# installs linux-perf) on the kernel's syscall tracepoints, which need tracefs (systemd
# mounts it at boot).
[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true

# journald's datagram queue holds net.unix.max_dgram_qlen entries. systemd as PID 1 sets
# it to 512 (sysctl.d/50-default.conf); a host without systemd keeps the kernel's 10,
# which makes every sender block after 10 entries. The sysctl belongs to the network
# namespace, so the run gets a private one with the production value and the host's
# setting stays untouched (filesystem sockets work across network namespaces).
# The namespace's loopback starts down: the collector and latency groups' uploader,
# stunnel and journal-remote talk over 127.0.0.1, so it is brought up.
# nice -10: the run competes less with whatever else the machine does.
qlen=${MJ_BENCH_DGRAM_QLEN:-512}
exec nice -n -10 unshare --net sh -c \
  'sysctl -qw net.unix.max_dgram_qlen="$0" && ip link set lo up && exec python3 bench/driver/run_bench.py "$@"' "$qlen" \
  --build-dir "$build_dir" --out docs/performance.md "$@"
