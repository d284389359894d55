#!/usr/bin/env bash
# Builds the Debian packages into build-deb/ (BUILD_DIR overrides) and checks them with
# lintian:
#
#   scripts/package.sh                          mesos-journald_<version>_amd64.deb
#   scripts/package.sh -DMESOS_ROOT=/opt/mesos  and mesos-journald-module_<version>_amd64.deb
#
# Release build, installed under /usr (what Debian packages must use; every installed
# file that names a path names /usr's). Extra arguments go to cmake. Exits non-zero when
# lintian reports an error; docs/packaging.md explains the warnings it still reports.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-deb}
scripts/install-deps.sh
command -v lintian >/dev/null || {
  [[ $(id -u) == 0 ]] || { echo "package.sh: lintian is missing; run as root to install it" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian >/dev/null
}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DMJ_BUILD_TESTS=OFF -DMJ_BUILD_BENCH=OFF "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
rm -f "$build_dir"/*.deb
(cd "$build_dir" && cpack -G DEB >/dev/null)
status=0
for deb in "$build_dir"/*.deb; do
  echo "== $deb"
  dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
  # --fail-on error: warnings are listed, errors fail the script.
  lintian --fail-on error --no-tag-display-limit "$deb" || status=1
done
exit $status
