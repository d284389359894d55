#!/usr/bin/env bash
# The whole test suite (unit + integration) built with AddressSanitizer, LeakSanitizer
# and UndefinedBehaviorSanitizer (-DMJ_SANITIZE=ON) into build-asan/.
#
#   scripts/sanitize.sh [extra ctest args, e.g. -L unit]
#
# Environment: BUILD_DIR (default build-asan), JOBS (default 2), CXX (default g++),
# SANITIZE_SYSTEMD=1 to include the ctest label "systemd" (tests that boot systemd in
# nspawn machines: about 6 minutes of serial runs; left out by default to keep CI short,
# scripts/test.sh runs them unsanitized).
#
# Sanitizer reports fail the run even when they come from a process a test does not
# check (the companion, mesos-journald-pipe, is spawned by the integration tests and
# some of them expect it to exit 1 or die): every sanitized process writes its report
# to $BUILD_DIR/sanitizer-reports/<tool>.<pid> (log_path) and exits with 86
# (exitcode), and this script fails if ctest fails OR if any report file exists,
# printing every report. See docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=${BUILD_DIR:-build-asan}
# Relative to the repository root, or absolute.
[[ $build_dir == /* ]] || build_dir=$root/$build_dir
jobs=${JOBS:-2}

start=$(date +%s)
scripts/install-deps.sh

export CXX=${CXX:-g++}
# Debug keeps assert()s; -O1 keeps the tests fast enough, -g1 (line tables) is all the
# stack traces need and compiles much faster than -g.
# The systemd tests are built only when they are run (SANITIZE_SYSTEMD=1): a minute of
# compiling saved in CI.
systemd_tests=OFF
[ "${SANITIZE_SYSTEMD:-0}" = 1 ] && systemd_tests=ON
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DMJ_SANITIZE=ON \
  -DMJ_BUILD_BENCH=OFF -DMJ_BUILD_FUZZERS=OFF -DMJ_BUILD_SYSTEMD_TESTS="$systemd_tests" \
  -DCMAKE_EXE_LINKER_FLAGS="-static-libasan -static-libubsan" >/dev/null
# (static sanitizer runtimes: the systemd tests run our binaries inside a machine whose
# root file system has no libasan.so)
cmake --build "$build_dir" -j "$jobs"
built=$(date +%s)

reports=$build_dir/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# The companion may drop privileges to another user before it exits: let it write here.
chmod 1777 "$reports"

# exitcode=86: a sanitizer failure is distinguishable from every exit status the
# companion uses (0, 1, 2, 5, 7, 127, 128+signal) and fails the tests checking for 0.
# detect_leaks=1 is ASan's default on x86_64 Linux; said explicitly. abort_on_error=0
# so that the process exits with 86 instead of dumping core.
export ASAN_OPTIONS="detect_leaks=1:exitcode=86:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86:log_path=$reports/ubsan"
export LSAN_OPTIONS="exitcode=86"

# The Mesos suite (label "mesos") runs a real agent against the unsanitized build in
# scripts/test.sh; this build has no module, so here it would only be a skip. The soak
# (label "soak", tests/soak) too runs there only: a minute of CI's time that the sanitized
# companions would spend mostly slower.
select=(-LE 'systemd|mesos|soak')
[ "${SANITIZE_SYSTEMD:-0}" = 1 ] && select=(-LE 'mesos|soak')
status=0
scripts/run-ctest.sh "$build_dir" -j "$jobs" --timeout 300 "${select[@]}" "$@" || status=$?
end=$(date +%s)

found=0
for f in "$reports"/*; do
  [ -e "$f" ] || continue
  found=1
  echo "=============== sanitizer report: $f ===============" >&2
  cat "$f" >&2
done
echo "sanitize: build $((built - start)) s, tests $((end - built)) s" >&2
if [ "$found" -ne 0 ]; then
  echo "sanitize: FAILED: sanitizer reports above (kept in $reports)" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize: FAILED: ctest exited with $status" >&2
  exit "$status"
fi
echo "sanitize: OK, no sanitizer reports" >&2
