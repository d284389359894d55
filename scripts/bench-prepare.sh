# Sourced by scripts/bench.sh: it needs root (private journald namespace instances), the
# build dependencies, gnuplot (the page's chart), perf (the counts group),
# systemd-journal-remote and stunnel4 (the collector and latency groups), iproute2, and a
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
  local missing=()
  command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
  [ -x /lib/systemd/systemd-journal-remote ] && [ -x /lib/systemd/systemd-journal-upload ] ||
    missing+=(systemd-journal-remote)
  command -v stunnel4 >/dev/null || missing+=(stunnel4)
  command -v perf >/dev/null || missing+=(linux-perf) # the counts group
  command -v ip >/dev/null || missing+=(iproute2) # loopback up in bench.sh's network namespace
  if [ ${#missing[@]} -gt 0 ]; then
    echo "$script: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMJ_BUILD_BENCH=ON -DMJ_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j "$(nproc)" "$@" >/dev/null
  # A binary written moments ago is still dirty in the page cache, and smaps counts its
  # mapped text as the process's Private_Dirty: a --quick run right after a build showed
  # an idle companion at 1,612 KiB dirty instead of 208.
  sync
}
