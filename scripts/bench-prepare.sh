# Sourced by the benchmark scripts (bench.sh, bench-reader.sh, bench-collector.sh): they
# need root (private journald namespace instances), the build dependencies, and a
# Release build in $build_dir.
#
#   bench_prepare SCRIPT [cmake --build arguments, e.g. --target X]
bench_prepare() {
  local script=$1
  shift
  if [ "$(id -u)" -ne 0 ]; then
    echo "$script: needs root (it starts systemd-journald namespace instances)" >&2
    exit 1
  fi
  scripts/install-deps.sh
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMJ_BUILD_BENCH=ON -DMJ_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j "$(nproc)" "$@" >/dev/null
  # A binary written moments ago is still dirty in the page cache, and smaps counts its
  # mapped text as the process's Private_Dirty: a --quick run right after a build showed
  # an idle companion at 1,612 KiB dirty instead of 208.
  sync
}
