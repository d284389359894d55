#!/usr/bin/env bash
# Runs ctest in BUILD_DIR and, as root, fails the run on any skip that is not on
# tests/allowed-skips.txt (scripts/check-skips.py): as root every integration and
# systemd test can run, so a skip there means something was not tested.
#
#   scripts/run-ctest.sh BUILD_DIR [ctest args...]
#
# MJ_ALLOW_SKIPS=1 lets a developer's root run skip (never in CI, where CI=true).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "$1" && pwd)
shift
if [ "${CI:-}" = true ] && [ -n "${MJ_SKIP_SYSTEMD_TESTS:-}" ]; then
  echo "run-ctest: MJ_SKIP_SYSTEMD_TESTS is set, but CI must run the systemd tests" >&2
  exit 1
fi
junit=$build_dir/ctest-junit.xml
rm -f "$junit"
status=0
(cd "$build_dir" && ctest --output-on-failure --output-junit "$junit" "$@") || status=$?
strict=0
if [ "$(id -u)" -eq 0 ]; then
  strict=1
  [ "${MJ_ALLOW_SKIPS:-0}" = 1 ] && [ "${CI:-}" != true ] && strict=0
fi
if [ "$strict" = 1 ]; then
  if [ ! -s "$junit" ]; then
    echo "run-ctest: ctest wrote no $junit; cannot tell what was skipped" >&2
    status=1
  elif ! python3 "$root/scripts/check-skips.py" "$junit" "$root/tests/allowed-skips.txt"; then
    status=1
  fi
fi
exit "$status"
