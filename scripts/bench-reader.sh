#!/usr/bin/env bash
# Benchmarks mesos-journald-logs against `journalctl -o cat` reading one task's 200,000
# entries back (bench/driver/reader_bench.py). Needs root: it starts private journald
# namespace instances. Not part of CI; prints a Markdown table (docs/reading.md has the
# last run's).
#
#   scripts/bench-reader.sh [--runs N]      (default 5; about 1 minute on 2 idle cores)
#
# BUILD_DIR (default build-bench) overrides where it builds (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-bench}

if [ "$(id -u)" -ne 0 ]; then
  echo "bench-reader.sh: needs root (it starts systemd-journald namespace instances)" >&2
  exit 1
fi
scripts/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMJ_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target mesos-journald-pipe mesos-journald-logs >/dev/null
exec python3 bench/driver/reader_bench.py --build-dir "$build_dir" "$@"
