#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan into build-fuzz/ and
# runs each for SECONDS (default 30).
#
#   scripts/fuzz.sh [SECONDS]
#
# Environment: BUILD_DIR (default build-fuzz), JOBS (build parallelism, default 2),
# FUZZ_TARGETS (space-separated subset, default all), FUZZ_FLAGS (extra libFuzzer flags),
# FUZZ_MIN_FRESH (default 1000: a target that executed fewer inputs beyond its corpus
# than this fails, as it only replayed what it had).
#
# Each target starts from the committed seeds in fuzz/corpus/<target>/ (read only) and
# keeps what it finds in fuzz/corpus-work/<target>/ (git-ignored; reused by the next
# run). Crashes, leaks, timeouts and invariant failures are written to
# fuzz/corpus-work/artifacts/; the script exits non-zero, naming every reproducer and
# the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-30}
build_dir=${BUILD_DIR:-build-fuzz}
# Relative to the repository root, or absolute.
[[ $build_dir == /* ]] || build_dir=$root/$build_dir
jobs=${JOBS:-2}
all_targets="fuzz_line_framer fuzz_entry_encoder fuzz_fields_file fuzz_logger_config fuzz_container_metadata fuzz_rotating_file"
targets=${FUZZ_TARGETS:-$all_targets}

start=$(date +%s)
# clang, libFuzzer and the sanitizer runtimes (Debian 12: clang 14).
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fuzz: clang++ and libclang-rt-14-dev are needed; run as root to install them" >&2
    exit 1
  fi
  echo "fuzz: installing clang and libclang-rt-14-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
scripts/install-deps.sh >/dev/null

# -O1 -g1: fast to build, fast enough to fuzz, line numbers in stack traces.
cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DMJ_BUILD_FUZZERS=ON -DMJ_BUILD_TESTS=OFF -DMJ_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j "$jobs" --target fuzzers
built=$(date +%s)

work=$root/fuzz/corpus-work
artifacts=$work/artifacts
mkdir -p "$artifacts"
# Sanitizer reports inside the fuzzers end the run as a crash (libFuzzer saves the input).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=()
min_fresh=${FUZZ_MIN_FRESH:-1000}
for t in $targets; do
  bin=$build_dir/fuzz/$t
  seeds=$root/fuzz/corpus/$t
  mkdir -p "$work/$t" "$seeds"
  dict=()
  [ -f "$root/fuzz/dict/$t.dict" ] && dict=(-dict="$root/fuzz/dict/$t.dict")
  log=$work/$t.log
  inputs=$(find "$work/$t" "$seeds" -maxdepth 1 -type f | wc -l)
  echo "fuzz: $t for ${seconds}s from $inputs inputs" >&2
  rc=0
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" "${dict[@]}" ${FUZZ_FLAGS:-} "$work/$t" "$seeds" >"$log" 2>&1 || rc=$?
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" | tr '\n' ' ' >&2 || true
  echo >&2
  # A run that only replayed its corpus tested nothing new: demand fresh executions.
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  fresh=$(( ${executed:-0} - inputs ))
  if [ "$rc" -eq 0 ] && [ "$fresh" -lt "$min_fresh" ]; then
    failed+=("$t")
    echo "fuzz: $t ran only $fresh inputs beyond its $inputs corpus inputs (at least $min_fresh wanted)" >&2
  fi
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); last lines of $log:" >&2
    tail -n 40 "$log" >&2
    grep -h -o "Test unit written to .*" "$log" | sed 's/^Test unit written to /fuzz: reproducer: /' >&2 || true
    for r in $(grep -h -o "Test unit written to .*" "$log" | sed 's/^Test unit written to //'); do
      echo "fuzz: replay with: $bin $r" >&2
    done
  fi
done
end=$(date +%s)
echo "fuzz: build $((built - start)) s, fuzzing $((end - built)) s" >&2
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: OK: no crash in $targets" >&2
