#!/usr/bin/env bash
# Installs what is needed, builds, then runs a sample "task" through mesos-journald-pipe
# into a private journald namespace and shows the journal entries and sandbox files, then
# reads the task back with mesos-journald-logs.
# Run as root on Debian 12. Leaves nothing running; the demo's journal is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "quickstart: run as root (it starts a private systemd-journald namespace instance)" >&2
  exit 1
fi
scripts/install-deps.sh
scripts/build.sh
pipe="$PWD/${BUILD_DIR:-build}/src/mesos-journald-pipe"
logs="$PWD/${BUILD_DIR:-build}/src/mesos-journald-logs"

ns=mj-quickstart-$$
sandbox=$(mktemp -d /tmp/mj-quickstart-sandbox.XXXXXX)
machine_id=$(cat /etc/machine-id)
journald_pid=
cleanup() {
  [ -n "$journald_pid" ] && kill "$journald_pid" 2>/dev/null && wait "$journald_pid" 2>/dev/null || true
  rm -rf "/run/systemd/journal.$ns" "/run/log/journal/$machine_id.$ns" "/var/log/journal/$machine_id.$ns" \
         "/etc/systemd/journald@$ns.conf" "$sandbox"
}
trap cleanup EXIT

# A journald of our own: volatile storage, its socket at /run/systemd/journal.$ns/socket.
mkdir -p /etc/systemd
printf '[Journal]\nStorage=volatile\n' > "/etc/systemd/journald@$ns.conf"
/lib/systemd/systemd-journald "$ns" >/dev/null 2>&1 &
journald_pid=$!
for _ in $(seq 100); do [ -S "/run/systemd/journal.$ns/socket" ] && break; sleep 0.05; done

echo "== running a sample task through mesos-journald-pipe (namespace $ns, sandbox $sandbox)"
set +e
"$pipe" --namespace "$ns" --sandbox "$sandbox" -t sample-task \
  --field FRAMEWORK_ID=demo-framework --field TASK_ID=demo-task.1 --field LABEL_TEAM=payments \
  --max-line-bytes 64 -- /bin/sh -c '
    echo "starting up"
    echo "something went wrong" >&2
    printf "a line of 100 bytes is split at --max-line-bytes 64: %s\n" "$(printf "%046d" 0)"
    printf "binary\000safe \377\n"
    echo
    printf "no newline at the end"
    exit 3'
status=$?
set -e
echo "== the task exited with $status, and so did mesos-journald-pipe"

echo
echo "== journalctl --namespace=$ns -o verbose TASK_ID=demo-task.1"
journalctl --namespace="$ns" -o verbose --no-pager TASK_ID=demo-task.1 \
  | grep -vE '^ +_(SOURCE_REALTIME_TIMESTAMP|BOOT_ID|MACHINE_ID|HOSTNAME|TRANSPORT|CAP_EFFECTIVE|SELINUX_CONTEXT)='
echo "== journalctl --namespace=$ns -o cat TASK_ID=demo-task.1 STREAM=STDERR"
journalctl --namespace="$ns" -o cat --no-pager TASK_ID=demo-task.1 STREAM=STDERR

echo
echo "== sandbox files"
ls -l "$sandbox"
for f in stdout stderr; do echo "-- $f:"; od -c "$sandbox/$f" | head -20; done

echo
echo "== mesos-journald-logs --namespace $ns demo-task.1 --stream stdout (raw: the task's bytes, split lines rejoined)"
"$logs" --namespace "$ns" demo-task.1 --stream stdout | od -c | head -20
if "$logs" --namespace "$ns" demo-task.1 --stream stdout | cmp -s - "$sandbox/stdout"; then
  echo "-- identical to the sandbox stdout file"
else
  echo "-- differs from the sandbox stdout file" >&2
  exit 1
fi
echo "== mesos-journald-logs --namespace $ns demo-task.1 -o short"
"$logs" --namespace "$ns" demo-task.1 -o short
