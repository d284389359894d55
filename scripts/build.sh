#!/usr/bin/env bash
# Configures and builds into build/ (BUILD_DIR and CMAKE_BUILD_TYPE override). The
# install prefix is /usr, as in the Debian packages (tests/systemd/package_test.cpp
# installs this build's package); PREFIX overrides it. BUILD_TARGETS (space-separated)
# builds only those targets.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
  -DCMAKE_INSTALL_PREFIX="${PREFIX:-/usr}" "$@" >/dev/null
read -r -a targets <<< "${BUILD_TARGETS:-}"
cmake --build "$build_dir" -j "$(nproc)" ${targets[@]+--target "${targets[@]}"}
