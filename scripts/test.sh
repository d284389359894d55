#!/usr/bin/env bash
# The whole test suite: unit tests, integration tests against private journald
# namespace instances, tests under a real systemd (nspawn), and the suite against a real
# Mesos agent (ctest label "mesos") on every Mesos installation it is given. Without
# root the tests that need it skip, saying why; as root any skip not on
# tests/allowed-skips.txt fails the run (scripts/run-ctest.sh).
#
#   [MJ_MESOS_ROOTS="PREFIX [PREFIX...]"] scripts/test.sh [ctest args...]
#
# MJ_MESOS_MEASURE=OFF leaves out the Mesos suite's measuring cases (.ci/run does: they
# assert only that their tasks ran, and cost CI a minute).
#
# MJ_MESOS_ROOTS (or MESOS_ROOT, one prefix) names full Mesos installations, e.g.
# "/opt/mesos /opt/mesos-1.11.0" (../shared/mesos/install.sh makes them). The first is
# build/'s: the module is built against it and the whole suite runs there. Each further
# one gets a build-mesos-<version>/ holding only the module and the companion, where the
# Mesos suite runs again but for its measuring cases (prepare_time...). With two or
# more, each build also checks that an agent of the other version refuses its module
# (mesos_e2e.version_mismatch). Without any, the Mesos suite is the one allowed skip.
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a roots <<< "${MJ_MESOS_ROOTS:-${MESOS_ROOT:-}}"
mesos_version() { sed -n 's/^#define MESOS_VERSION "\(.*\)"/\1/p' "$1/include/mesos/version.hpp" 2>/dev/null; }

mesos_flags=()
if [ ${#roots[@]} -gt 0 ]; then
  export MJ_WITH_MESOS=1   # install-deps: what the module's headers and the Docker case need
  mesos_flags=(-DMESOS_ROOT="${roots[0]}")
  [ ${#roots[@]} -lt 2 ] || mesos_flags+=(-DMJ_MESOS_FOREIGN_ROOT="${roots[1]}")
fi
scripts/install-deps.sh
# The benchmarks are not tests (scripts/bench.sh builds them into build-bench/): not
# compiling their 8 programs here keeps CI's time for the tests.
scripts/build.sh -DMJ_BUILD_BENCH=OFF -DMJ_MESOS_MEASURE="${MJ_MESOS_MEASURE:-ON}" "${mesos_flags[@]}"
status=0
scripts/run-ctest.sh "${BUILD_DIR:-build}" -j "$(nproc)" "$@" || status=$?

for ((i = 1; i < ${#roots[@]}; i++)); do
  version=$(mesos_version "${roots[i]}")
  [ -n "$version" ] || { echo "test.sh: ${roots[i]} holds no Mesos installation (include/mesos/version.hpp)" >&2; exit 1; }
  dir=build-mesos-$version
  echo "test.sh: the Mesos suite against Mesos $version (${roots[i]}) in $dir"
  BUILD_DIR=$dir BUILD_TARGETS="mesos_journald mesos-journald-pipe" scripts/build.sh -DMJ_BUILD_BENCH=OFF \
    -DMJ_BUILD_SYSTEMD_TESTS=OFF -DMJ_MESOS_MEASURE=OFF -DMESOS_ROOT="${roots[i]}" -DMJ_MESOS_FOREIGN_ROOT="${roots[0]}"
  scripts/run-ctest.sh "$dir" -L mesos || status=$?
done
exit "$status"
