"""A private systemd-journald namespace instance for the benchmark (as
tests/support/journald_instance.cpp does it): started standalone, stopped and erased
(process, sockets, journal files, config) on exit."""
import os
import shutil
import signal
import socket
import subprocess
import time

JOURNALD = "/lib/systemd/systemd-journald"


def machine_id():
    with open("/etc/machine-id") as f:
        return f.read().strip()


def cpu_seconds(pid):
    """utime + stime of a live process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Journald:
    def __init__(self, name, extra_config=""):
        self.name = name
        self.config = f"/etc/systemd/journald@{name}.conf"
        os.makedirs("/etc/systemd", exist_ok=True)
        # Volatile storage and no rate limit, as the issue asks; RuntimeMaxUse bounds the
        # disk a full run leaves (journald vacuums its oldest files itself).
        with open(self.config, "w") as f:
            f.write("[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\n"
                    "RuntimeMaxUse=1G\nRuntimeMaxFileSize=128M\n" + extra_config)
        self.log = open(f"/tmp/{name}.journald.log", "w")
        self.proc = subprocess.Popen([JOURNALD, name], stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, close_fds=True)
        for _ in range(500):
            if self._can_connect():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"journald {name} exited at start; see {self.log.name}")
            time.sleep(0.01)
        raise RuntimeError(f"journald {name}: socket did not appear")

    @property
    def directory(self):
        """Where it keeps its journal files (Storage=volatile)."""
        return f"/run/log/journal/{machine_id()}.{self.name}"

    @property
    def socket(self):
        return f"/run/systemd/journal.{self.name}/socket"

    @property
    def stdout_socket(self):
        return f"/run/systemd/journal.{self.name}/stdout"

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def cpu(self):
        return cpu_seconds(self.pid)

    def _can_connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        with open(self.log.name) as f:  # one per measured run: keep only logs that say more
            said = [line for line in f if not line.startswith("Received SIGTERM")]
        if not said:
            os.remove(self.log.name)
        mid = machine_id()
        for path in (f"/run/systemd/journal.{self.name}", f"/run/log/journal/{mid}.{self.name}",
                     f"/var/log/journal/{mid}.{self.name}"):
            shutil.rmtree(path, ignore_errors=True)
        try:
            os.remove(self.config)
        except FileNotFoundError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class DefaultSocketView:
    """A mount namespace in which this instance's sockets are journald's default ones
    (/run/systemd/journal/socket), for senders that cannot be pointed at a namespace:
    sd_journal_sendv() always writes to the default socket (no namespace variant before
    systemd 256). A process started with `nsenter --mount=<ns>` sends to this instance.
    The namespace is held by a sleeping process; nothing changes outside it."""

    # In a private mount namespace: keep the instance's directory at a stash, cover
    # /run/systemd with a tmpfs (the host may have no /run/systemd/journal to mount on),
    # and move the stash to /run/systemd/journal.
    SETUP = ('mount --bind "$1" "$2" && mount -t tmpfs -o size=64k,mode=755 mj-bench /run/systemd && '
             'mkdir /run/systemd/journal && mount --move "$2" /run/systemd/journal && exec sleep infinity')

    def __init__(self, journald, stash):
        os.makedirs(stash, exist_ok=True)
        self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", self.SETUP,
                                      "sh", f"/run/systemd/journal.{journald.name}", stash],
                                     stdin=subprocess.DEVNULL)
        want = f"/proc/{self.proc.pid}/root/run/systemd/journal/socket"
        for _ in range(500):
            if os.path.exists(want):
                return
            if self.proc.poll() is not None:
                raise RuntimeError("cannot set up the default-socket mount namespace")
            time.sleep(0.01)
        self.close()
        raise RuntimeError("the default-socket mount namespace did not come up")

    @property
    def mount_ns(self):
        return f"/proc/{self.proc.pid}/ns/mnt"

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
