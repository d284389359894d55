#!/usr/bin/env bash
# Benchmarks shipping to a collector (bench/collector/collector_bench.py): entries/s
# through systemd-journal-upload, stunnel and systemd-journal-remote against one
# journald's ingestion of the same lines, and the collector's CPU per entry. Needs root
# (it starts a private journald namespace instance) and installs systemd-journal-remote
# and stunnel4. Not part of CI; prints Markdown (docs/performance.md has the last run's).
#
#   scripts/bench-collector.sh [--lines N] [--runs N]    (defaults 100,000 and 3)
#
# BUILD_DIR (default build-bench) overrides where it builds (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-bench}

. scripts/bench-prepare.sh
bench_prepare bench-collector.sh --target mesos-journald-pipe
if ! command -v stunnel4 >/dev/null || [ ! -x /lib/systemd/systemd-journal-remote ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q systemd-journal-remote stunnel4 >&2
fi
exec python3 bench/collector/collector_bench.py --build-dir "$build_dir" --source-dir . "$@"
