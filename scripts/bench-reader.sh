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

. scripts/bench-prepare.sh
bench_prepare bench-reader.sh --target mesos-journald-pipe mesos-journald-logs
exec python3 bench/driver/reader_bench.py --build-dir "$build_dir" "$@"
