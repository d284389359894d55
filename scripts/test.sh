#!/usr/bin/env bash
# The whole test suite: unit tests, and integration tests against private journald
# namespace instances (those need root and say so when skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"
