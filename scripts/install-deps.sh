#!/usr/bin/env bash
# Installs what building and testing mesos-journald needs on Debian 12 (as root).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsystemd-dev systemd          # the native protocol, sd-journal for tests, systemd-journald, journalctl
  libcli11-dev nlohmann-json3-dev # flag parsing, JSON
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev        # fuzzers and sanitizers
  python3                         # scripts/check-skips.py, man pages, the Mesos suite, the benchmark driver
  dpkg-dev                        # cpack -G DEB (dpkg-shlibdeps) for the package test
  bash-completion                 # the completion test
  systemd-journal-remote          # the soak (tests/soak): systemd-journal-upload and -remote on this host
)
# MJ_WITH_MESOS=1 (scripts/test.sh, given Mesos installations): Mesos' installed stout
# headers include curl's, and the suite's Docker containerizer case needs a dockerd.
# The Mesos installations themselves come from ../shared/mesos/install.sh.
if [ "${MJ_WITH_MESOS:-0}" = 1 ]; then
  packages+=(libcurl4-openssl-dev docker.io)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
ensure_machine_id() {
  # journald names its directories after the machine id; minimal images may lack one.
  if [ ! -s /etc/machine-id ] && [ "$(id -u)" -eq 0 ] && command -v systemd-machine-id-setup >/dev/null; then
    systemd-machine-id-setup >/dev/null
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  ensure_machine_id
  echo "install-deps: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
ensure_machine_id
