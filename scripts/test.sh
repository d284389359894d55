#!/usr/bin/env bash
# The whole test suite: unit tests, integration tests against private journald
# namespace instances, tests under a real systemd (nspawn), and, when the build found a
# Mesos installation (-DMESOS_ROOT), the suite against a real Mesos agent. Without root
# the tests that need it skip, saying why; as root any skip not on
# tests/allowed-skips.txt fails the run (scripts/run-ctest.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The benchmarks are not tests (scripts/bench.sh builds them into build-bench/): not
# compiling their 8 programs here keeps CI's time for the tests.
scripts/build.sh -DMJ_BUILD_BENCH=OFF
scripts/run-ctest.sh "${BUILD_DIR:-build}" -j "$(nproc)" "$@"
