#!/usr/bin/env bash
# Builds (once) and prints the path of a minimal Debian 12 root file system that boots
# systemd under systemd-nspawn, for the tests in tests/systemd.
#
#   scripts/systemd-rootfs.sh            build if needed, print the rootfs path
#   scripts/systemd-rootfs.sh --check    print the path if it is built, else exit 1
#   scripts/systemd-rootfs.sh --with PKG,PKG…   the same with more packages (its own
#                                        rootfs: the Mesos suite's agents under systemd)
#
# The rootfs lives outside the repository, in ${MJ_SYSTEMD_ROOTFS:-/var/cache/mesos-journald/rootfs-bookworm-HASH},
# HASH naming the package list below: checkouts with different lists (branches, worktrees)
# each have their own instead of rebuilding one under each other. It is shared by every
# checkout and build directory with the same list; it is never modified by the tests (they
# boot it with --volatile=overlay). A stamp file records what it was built with; when it
# differs the rootfs is rebuilt. Concurrent callers wait on a lock.
#
# Needs root; installs systemd-container and debootstrap with apt-get when missing.
# Exit codes: 0 built (path on stdout), 77 cannot be built here (reason on stderr),
# anything else: the build failed.
set -euo pipefail

suite=bookworm
# systemd-journal-remote and stunnel4: the log collector's tests (docs/collecting.md).
packages=systemd,systemd-sysv,dbus,procps,systemd-journal-remote,stunnel4
if [[ ${1:-} == --with ]]; then
  [[ -n ${2:-} ]] || { echo "systemd-rootfs: --with needs a comma-separated package list" >&2; exit 2; }
  packages+=",$2"
  shift 2
fi
rootfs=${MJ_SYSTEMD_ROOTFS:-/var/cache/mesos-journald/rootfs-$suite-$(printf %s "$packages" | md5sum | cut -c1-8)}
stamp_text="suite=$suite variant=minbase packages=$packages v2"
stamp="$rootfs.stamp"

if [[ ${1:-} == --check ]]; then
  if [[ -f $stamp && $(cat "$stamp") == "$stamp_text" ]]; then echo "$rootfs"; exit 0; fi
  exit 1
fi

skip() { echo "systemd-rootfs: $*" >&2; exit 77; }

[[ $(id -u) == 0 ]] || skip "not root: cannot build or boot a systemd container"

need=()
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v debootstrap >/dev/null || need+=(debootstrap)
if ((${#need[@]})); then
  command -v apt-get >/dev/null || skip "no ${need[*]} and no apt-get to install them"
  echo "systemd-rootfs: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2; } ||
    skip "cannot install ${need[*]}"
fi

mkdir -p "$(dirname "$rootfs")"
exec 9>"$rootfs.lock"
flock 9

if [[ -f $stamp && $(cat "$stamp") == "$stamp_text" ]]; then echo "$rootfs"; exit 0; fi

# The mirror apt already uses (deb822 .sources or one-line .list), else Debian's CDN.
mirror=${MJ_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
  mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' |
           grep -v security | head -n1 || true)
fi
if [[ -z $mirror ]]; then
  mirror=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
           grep -v security | sed 's/\[[^]]*\]//' | awk '{print $2}' | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

echo "systemd-rootfs: building $rootfs from $mirror (about 35 s)" >&2
rm -rf "$rootfs" "$stamp" "$rootfs.tmp"
start=$(date +%s)
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs.tmp" "$mirror" >"$rootfs.log" 2>&1; then
  tail -n 20 "$rootfs.log" >&2
  echo "systemd-rootfs: debootstrap failed (log: $rootfs.log)" >&2
  exit 1
fi
# A machine id of its own for every boot, and a quiet boot: no getty on the console, no
# network waits. (systemd takes dbus's /var/lib/dbus/machine-id, which the dbus package
# wrote, over nspawn's random one: every machine would have the same id.)
: >"$rootfs.tmp/etc/machine-id"
rm -f "$rootfs.tmp/var/lib/dbus/machine-id"
rm -f "$rootfs.tmp/etc/systemd/system/getty.target.wants/"* 2>/dev/null || true
# journald keeps entries in /run (volatile): nothing accumulates in the cache.
mkdir -p "$rootfs.tmp/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$rootfs.tmp/etc/systemd/journald.conf.d/10-mj-tests.conf"
apt-get -o Dir="$rootfs.tmp" clean >/dev/null 2>&1 || rm -rf "$rootfs.tmp/var/cache/apt/archives/"*.deb
mv "$rootfs.tmp" "$rootfs"
echo "$stamp_text" >"$stamp"
echo "systemd-rootfs: built in $(($(date +%s) - start)) s" >&2
echo "$rootfs"
