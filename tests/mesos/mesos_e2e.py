#!/usr/bin/env python3
"""The container logger on a real Mesos agent.

  mesos_e2e.py --mesos-root PREFIX --module LIB --companion PIPE CASE

Starts a real mesos-master and mesos-agent on loopback (their own work dirs, runtime
dir and ports) with libmesos_journald.so loaded through --modules, writing into a
private journald namespace, runs real tasks with mesos-execute (or the agent's operator
API), and checks what reached journald (fields, byte-exact lines) and the sandbox (read
through the agent's own /files/read, as the Mesos UI and `mesos task log` do).

Without a usable Mesos installation it prints `SKIP: no Mesos installation …` and
exits 77 (ctest's SKIP_RETURN_CODE; tests/allowed-skips.txt allows exactly that).
Every other problem is a failure.
"""
import argparse
import base64
import ctypes
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

SKIP = 77
JOURNALD = "/lib/systemd/systemd-journald"
MODULE_NAME = "mesos_journald_JournaldContainerLogger"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def wait_for(what, predicate, timeout=60.0, interval=0.1):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise Failure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_id():
    with open("/etc/machine-id") as f:
        return f.read().strip()


def companions(namespace=None):
    """pid -> command line of every running mesos-journald-pipe (writing into journal
    `namespace` when given)."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if namespace and f"--namespace={namespace}".encode() not in argv:
            continue
        if argv and os.path.basename(argv[0]) == b"mesos-journald-pipe" and state != "Z":
            found[int(pid)] = b" ".join(argv).decode(errors="replace")
    return found


def zombies(parent=None):
    """Zombie processes: of `parent`, or companions (whoever their parent is)."""
    out = []
    for child in os.listdir("/proc"):
        if not child.isdigit():
            continue
        try:
            with open(f"/proc/{child}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        comm = head.split("(", 1)[1]
        if fields[0] != "Z":
            continue
        if (parent is not None and int(fields[1]) == parent) or (parent is None and comm.startswith("mesos-journald")):
            out.append(int(child))
    return out


def field_bytes(value):
    """A journalctl -o json value as bytes (strings, or arrays of byte values)."""
    if value is None:
        return None
    if isinstance(value, list) and value and isinstance(value[0], int):
        return bytes(value)
    if isinstance(value, list):  # a field that occurs more than once: the first
        return field_bytes(value[0])
    return value.encode()


class JournalNamespace:
    def __init__(self, name):
        self.name = name
        self.conf = f"/etc/systemd/journald@{name}.conf"
        os.makedirs("/etc/systemd", exist_ok=True)
        with open(self.conf, "w") as f:
            f.write("[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\nRuntimeMaxUse=1G\n")
        self.log = open(f"/tmp/{name}.journald.log", "ab")
        self.proc = subprocess.Popen([JOURNALD, name], stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, close_fds=True)
        sock = f"/run/systemd/journal.{name}/socket"
        wait_for(f"journald namespace {name}", lambda: os.path.exists(sock), timeout=10)

    def entries(self, *matches):
        out = subprocess.run(["journalctl", f"--namespace={self.name}", "-o", "json", "--all", "--no-pager",
                              *matches], capture_output=True, check=False)
        if out.returncode not in (0, 1):
            raise Failure(f"journalctl failed: {out.stderr.decode(errors='replace')}")
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
        for path in (self.conf, self.log.name):
            if os.path.exists(path):
                os.remove(path)
        for d in (f"/run/systemd/journal.{self.name}", f"/run/log/journal/{machine_id()}.{self.name}",
                  f"/var/log/journal/{machine_id()}.{self.name}"):
            shutil.rmtree(d, ignore_errors=True)


class Cluster:
    """A mesos-master and a mesos-agent with the module, on loopback."""

    def __init__(self, opts, tmp, module_params=None, agent_flags=(), agent_wrapper=(), config_by_env=False,
                 without_module=False, machine=None):
        self.opts = opts
        self.tmp = tmp
        # machine (a SystemdHost): the agent runs there as a systemd unit, and the journal
        # namespace is that systemd's; the master and mesos-execute stay on the host.
        self.machine = machine
        self.env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(opts.mesos_root, "lib"), LIBPROCESS_IP="127.0.0.1",
                        GLOG_v="0")
        for k in list(self.env):
            if k.startswith("MESOS_") or k.startswith("LIBPROCESS_") and k != "LIBPROCESS_IP":
                del self.env[k]
        self.journal = self.master = self.agent = None
        self.asyncs = []  # execute_async()'s mesos-execute processes, ended by close()
        # What started before a failure here is stopped again: the case runner gets no
        # cluster to close.
        try:
            self.journal = (machine.journal(f"mjmesos{os.getpid()}") if machine else
                            JournalNamespace(f"mjmesos{os.getpid()}"))
            self.master_port = free_port()
            self.agent_port = free_port()
            params = {"namespace": self.journal.name, "companion_path": opts.companion}
            params.update(module_params or {})
            # config_by_env: as the Debian package's drop-in does it, MESOS_MODULES_DIR and
            # MESOS_CONTAINER_LOGGER in the agent's environment and the module file in a
            # modules directory, instead of --modules and --container_logger.
            os.makedirs(os.path.join(tmp, "modules.d"))
            self.modules_file = os.path.join(tmp, "modules.d", "mesos-journald.json")
            with open(self.modules_file, "w") as f:
                json.dump({"libraries": [{"file": opts.module, "modules": [{
                    "name": MODULE_NAME,
                    "parameters": [{"key": k, "value": v} for k, v in params.items()]}]}]}, f)
            self.master = self._start("master", [
                os.path.join(opts.mesos_root, "sbin", "mesos-master"), "--ip=127.0.0.1",
                f"--port={self.master_port}", f"--work_dir={tmp}/master", "--registry=in_memory",
                "--hostname=127.0.0.1"])
            self.agent_args = [
                *agent_wrapper, os.path.join(opts.mesos_root, "sbin", "mesos-agent"), f"--master=127.0.0.1:{self.master_port}",
                "--ip=127.0.0.1", f"--port={self.agent_port}", "--hostname=127.0.0.1", f"--work_dir={tmp}/agent",
                f"--runtime_dir={tmp}/agent-runtime", f"--fetcher_cache_dir={tmp}/fetch",
                "--no-systemd_enable_support", "--launcher=posix", "--isolation=posix/cpu,posix/mem",
                "--containerizers=mesos", f"--launcher_dir={opts.mesos_root}/libexec/mesos",
                *(() if config_by_env or without_module else
                  (f"--modules=file://{self.modules_file}", f"--container_logger={MODULE_NAME}")),
                "--resources=cpus:8;mem:8192;disk:8192;ports:[31000-32000]", "--executor_registration_timeout=2mins"]
            # A case's flag replaces the default of the same name (the agent refuses a flag
            # twice; --no-X is X).
            name = lambda flag: flag.split("=", 1)[0].replace("--no-", "--", 1)
            names = {name(f) for f in agent_flags}
            self.agent_args = [a for a in self.agent_args if name(a) not in names] + list(agent_flags)
            self.agent_env = dict(self.env)
            if config_by_env:
                self.agent_env.update(MESOS_MODULES_DIR=os.path.join(tmp, "modules.d"), MESOS_CONTAINER_LOGGER=MODULE_NAME)
            self.start_agent()
        except BaseException:
            self.close()
            raise

    def _start(self, name, argv, env=None):
        log = open(os.path.join(self.tmp, f"{name}.log"), "ab")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env or self.env,
                                close_fds=True, start_new_session=True)
        proc.log = log
        return proc

    def start_agent(self):
        if self.machine:
            self.agent = self.machine.service("mesos-agent", self.agent_args, self.agent_env,
                                              os.path.join(self.tmp, "agent.log"))
        else:
            self.agent = self._start("agent", self.agent_args, self.agent_env)
        def registered():
            check(self.agent.poll() is None, f"mesos-agent exited with status {self.agent.returncode}")
            return self.agent_state().get("master_hostname")
        wait_for("the agent to register", registered, timeout=60)
        wait_for("the master to offer the agent", lambda: self.master_state().get("activated_slaves", 0) >= 1)

    def kill_agent(self):
        self.agent.kill()
        self.agent.wait()
        self.agent.log.close()

    def _get_json(self, port, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                return json.loads(r.read().decode("latin-1"))
        except (OSError, ValueError):
            return {}

    def agent_state(self):
        return self._get_json(self.agent_port, "/state")

    def master_state(self):
        return self._get_json(self.master_port, "/state")

    def agent_id(self):
        return self.agent_state()["id"]

    def files_read(self, path):
        """A sandbox file through the agent's /files/read, as the Mesos UI reads it."""
        data = b""
        while True:
            q = urllib.parse.urlencode({"path": path, "offset": len(data), "length": 1 << 20})
            with urllib.request.urlopen(f"http://127.0.0.1:{self.agent_port}/files/read?{q}", timeout=10) as r:
                # The endpoint puts the file's bytes into a JSON string as they are.
                chunk = json.loads(r.read().decode("latin-1"))["data"].encode("latin-1")
            if not chunk:
                return data
            data += chunk

    def agent_call(self, call, accept="application/json"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.agent_port}/api/v1", data=json.dumps(call).encode(),
                                     headers={"Content-Type": "application/json", "Accept": accept})
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()

    def execute(self, *args, timeout=180):
        """mesos-execute until the framework ends; its output and the tasks' last states."""
        argv = [os.path.join(self.opts.mesos_root, "bin", "mesos-execute"), f"--master=127.0.0.1:{self.master_port}",
                *args]
        r = subprocess.run(argv, capture_output=True, env=self.env, timeout=timeout, check=False)
        out = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
        return out, self._states(out)

    def execute_async(self, *args):
        argv = [os.path.join(self.opts.mesos_root, "bin", "mesos-execute"), f"--master=127.0.0.1:{self.master_port}",
                *args]
        log = open(os.path.join(self.tmp, f"execute-{time.monotonic_ns()}.log"), "w+b")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        proc.log = log
        self.asyncs.append(proc)
        return proc

    @staticmethod
    def _states(out):
        states = {}
        for m in re.finditer(r"Received status update (TASK_\w+) for task '([^']*)'", out):
            states[m.group(2)] = m.group(1)
        return states

    @staticmethod
    def framework_id(out):
        m = re.search(r"Subscribed with ID (\S+)", out)
        check(m, f"mesos-execute did not subscribe:\n{out}")
        return m.group(1)

    def executors(self, framework_id):
        """The agent's executors of a framework, finished ones included."""
        state = self.agent_state()
        for fw in state.get("frameworks", []) + state.get("completed_frameworks", []):
            if fw["id"] == framework_id:
                return fw.get("executors", []) + fw.get("completed_executors", [])
        return []

    def companions(self):
        """This cluster's running companions (not those of other runs on the host)."""
        return companions(self.journal.name)

    def close(self):
        for proc in self.asyncs:  # a case that failed may leave its framework running
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.log.close()
        if not self.journal:
            return
        # Containers outlive their task's terminal status for a moment (the executor
        # still writes its last lines). Their companions must deliver those before the
        # journal namespace goes, or they wait for it forever.
        try:
            wait_for("this run's companions to finish", lambda: not self.companions(), timeout=30)
        except Failure as e:
            print(f"teardown: {e}: {self.companions()}")
        for pid in self.companions():
            os.kill(pid, signal.SIGKILL)
        for proc in (self.agent, self.master):
            if proc and proc.poll() is None:
                stop_process(proc, 20)
            if proc:
                proc.log.close()
        self.journal.close()

    def logs(self):
        text = ""
        for name in ("agent", "master"):
            path = os.path.join(self.tmp, f"{name}.log")
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    lines = f.readlines()
                text += f"---- last lines of {name}.log ----\n" + "".join(lines[-60:])
        return text


# What the tasks write: every kind of byte a task can write, so that "byte-exact" means
# something. No line is longer than max_line_bytes (48 KiB).
STDOUT_PAYLOAD = (b"plain line\n" + b"tab\there and a trailing space \n" + b"\n" + b"utf-8 \xc3\xa9\xe2\x82\xac\n" +
                  b"invalid utf-8 \xff\xfe\n" + b"nul \x00 inside\n" + b"carriage\rreturn\n" +
                  b"".join(b"line %d\n" % i for i in range(200)) + b"last line\n")
STDERR_PAYLOAD = b"to stderr 1\n" + b"\x1b[31mcolour\x1b[0m\n" + b"to stderr 3\n"


def lines_of(payload):
    return payload.split(b"\n")[:-1]


def write_payloads(tmp):
    out, err = os.path.join(tmp, "stdout.bin"), os.path.join(tmp, "stderr.bin")
    with open(out, "wb") as f:
        f.write(STDOUT_PAYLOAD)
    with open(err, "wb") as f:
        f.write(STDERR_PAYLOAD)
    os.chmod(out, 0o644)
    os.chmod(err, 0o644)
    return out, err


def resources(cpus=0.1, mem=32):
    return [{"name": "cpus", "type": "SCALAR", "scalar": {"value": cpus}},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": mem}}]


def write_json(tmp, name, value):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(value, f)
    return path


def messages(entries, stream):
    return [field_bytes(e.get("MESSAGE")) for e in entries if e.get("STREAM") == stream]


def task_entries(cluster, task_id, stdout_done, timeout=30):
    """A task's journal entries, once stdout_done(its STDOUT messages) holds: an int n
    waits for n lines, bytes for that line."""
    if isinstance(stdout_done, int):
        done = lambda m, n=stdout_done: len(m) >= n  # noqa: E731
    else:
        done = lambda m, line=stdout_done: line in m  # noqa: E731

    def ready():
        es = cluster.journal.entries(f"TASK_ID={task_id}")
        return es if done(messages(es, "STDOUT")) else None
    return wait_for(f"{task_id}'s entries", ready, timeout=timeout)


def contains_run(haystack, needle):
    """needle's items appear in haystack consecutively, in order."""
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def run_payload_task(cluster, tmp, task, timeout=180):
    """Runs one task that writes the payloads (write_payloads) through mesos-execute;
    its framework id, its executor (from the agent's /state) and its journal entries,
    once every stdout line can be there."""
    task_id = task["task_id"]["value"]
    out, states = cluster.execute(f"--task=file://{write_json(tmp, task_id + '.json', task)}", timeout=timeout)
    check(states.get(task_id) == "TASK_FINISHED", f"task did not finish:\n{out}")
    fw = cluster.framework_id(out)
    execs = cluster.executors(fw)
    check(len(execs) == 1, f"expected one executor, got {execs}")
    es = task_entries(cluster, task_id, len(lines_of(STDOUT_PAYLOAD)))
    return fw, execs[0], es


def check_payload_delivered(cluster, es, executor):
    """The payloads' lines in journald and their bytes in the sandbox files (read
    through /files/read); the executor writes lines of its own around them, into the
    same pipes. The sandbox files' total size."""
    check(contains_run(messages(es, "STDOUT"), lines_of(STDOUT_PAYLOAD)),
          f"stdout lines differ: {messages(es, 'STDOUT')[:12]}…")
    check(contains_run(messages(es, "STDERR"), lines_of(STDERR_PAYLOAD)),
          f"stderr lines differ: {messages(es, 'STDERR')}")
    stdout = cluster.files_read(os.path.join(executor["directory"], "stdout"))
    stderr = cluster.files_read(os.path.join(executor["directory"], "stderr"))
    check(STDOUT_PAYLOAD in stdout, f"/files/read stdout lacks the task's bytes: {stdout[:300]!r}")
    check(STDERR_PAYLOAD in stderr, f"/files/read stderr lacks the task's bytes: {stderr[:300]!r}")
    return len(stdout) + len(stderr)


# ---------------------------------------------------------------------------- cases


def case_command_task(cluster, tmp):
    """A command task: every line in journald with every id, labels sanitised, spoofing
    labels renamed; the sandbox files, read through /files/read, hold the bytes."""
    out_bin, err_bin = write_payloads(tmp)
    task = {"name": "web server", "task_id": {"value": "web.1"}, "agent_id": {"value": ""},
            "resources": resources(),
            "command": {"value": f"cat {out_bin}; cat {err_bin} >&2"},
            "labels": {"labels": [{"key": "team", "value": "payments"}, {"key": "cost-center", "value": "42"},
                                  {"key": "MESSAGE", "value": "spoofed"}, {"key": "TASK_ID", "value": "spoofed"},
                                  {"key": "_PID", "value": "1"}]}}
    fw, executor, es = run_payload_task(cluster, tmp, task)
    agent = cluster.agent_id()
    container = executor["container"]
    for e in es:
        for name, want in (("FRAMEWORK_ID", fw), ("EXECUTOR_ID", "web.1"), ("AGENT_ID", agent),
                           ("CONTAINER_ID", container), ("TASK_ID", "web.1"), ("TASK_NAME", "web server"),
                           ("TEAM", "payments"), ("COST_CENTER", "42"), ("LABEL_MESSAGE", "spoofed"),
                           ("LABEL_TASK_ID", "spoofed"), ("SYSLOG_IDENTIFIER", "web server")):
            check(e.get(name) == want, f"{name}={e.get(name)!r}, expected {want!r} in {e}")
        check(e.get("_PID") != "1", "a label set _PID")
        check(e["STREAM"] in ("STDOUT", "STDERR"), e)
        check(e["PRIORITY"] == ("6" if e["STREAM"] == "STDOUT" else "3"), e)
    sandbox_bytes = check_payload_delivered(cluster, es, executor)
    return f"{len(es)} entries, {sandbox_bytes} sandbox bytes"


def case_task_group(cluster, tmp):
    """A task group: the default executor and each pod task's nested container; every
    pod task's entry carries its TASK_ID and TASK_NAME, CONTAINER_ID is parent.child,
    and its sandbox files hold exactly what it wrote."""
    out_bin, err_bin = write_payloads(tmp)
    tasks = []
    for i in (1, 2):
        # Writes at once, before the executor can have linked the task to its container.
        tasks.append({"name": f"pod task {i}", "task_id": {"value": f"pod-{i}"}, "agent_id": {"value": ""},
                      "resources": resources(),
                      "command": {"value": f"echo first line of {i}; cat {out_bin}; cat {err_bin} >&2"}})
    group = write_json(tmp, "group.json", {"tasks": tasks})
    out, states = cluster.execute(f"--task_group=file://{group}", "--checkpoint")
    for i in (1, 2):
        check(states.get(f"pod-{i}") == "TASK_FINISHED", f"pod-{i} did not finish:\n{out}")
    fw = cluster.framework_id(out)
    execs = cluster.executors(fw)
    check(len(execs) == 1, f"expected one default executor, got {execs}")
    parent = execs[0]["container"]
    sandbox = execs[0]["directory"]
    total = 0
    for i in (1, 2):
        want = [b"first line of %d" % i] + lines_of(STDOUT_PAYLOAD)
        es = task_entries(cluster, f"pod-{i}", len(want))
        check(messages(es, "STDOUT") == want, f"pod-{i} stdout lines: {messages(es, 'STDOUT')[:5]}…")
        check(messages(es, "STDERR") == lines_of(STDERR_PAYLOAD), f"pod-{i} stderr lines: {messages(es, 'STDERR')}")
        containers = {e["CONTAINER_ID"] for e in es}
        check(len(containers) == 1 and containers.pop().startswith(parent + "."),
              f"pod-{i} CONTAINER_ID {[e['CONTAINER_ID'] for e in es[:1]]} is not {parent}.<child>")
        for e in es:
            check(e.get("TASK_NAME") == f"pod task {i}", f"TASK_NAME={e.get('TASK_NAME')!r}")
            check(e.get("FRAMEWORK_ID") == fw and e.get("EXECUTOR_ID") == execs[0]["id"], e)
        child = es[0]["CONTAINER_ID"].split(".")[-1]
        task_dir = os.path.join(sandbox, "containers", child)
        check(cluster.files_read(os.path.join(task_dir, "stdout")) ==
              b"first line of %d\n" % i + STDOUT_PAYLOAD, f"pod-{i} sandbox stdout differs")
        check(cluster.files_read(os.path.join(task_dir, "stderr")) == STDERR_PAYLOAD, f"pod-{i} sandbox stderr")
        total += len(es)
    # Every line of the journal namespace belongs to a known container: none lost its ids.
    orphans = [e for e in cluster.journal.entries(f"FRAMEWORK_ID={fw}") if "TASK_ID" not in e and
               e.get("CONTAINER_ID") != parent]
    check(not orphans, f"{len(orphans)} entries of a pod task without TASK_ID, e.g. {orphans[:1]}")
    executor_entries = cluster.journal.entries(f"CONTAINER_ID={parent}")
    check(executor_entries, "the default executor's own output is not in the journal")
    return f"{total} pod task entries, {len(executor_entries)} of the default executor"


def case_overrides(cluster, tmp):
    """Per-task overrides through CONTAINER_LOGGER_* in the task's environment; a
    forbidden one fails the launch, naming it."""
    out, states = cluster.execute("--name=small-files", "--env=" + json.dumps(
        {"CONTAINER_LOGGER_MAX_STDOUT_SIZE": "4K", "CONTAINER_LOGGER_MAX_FILES": "2"}),
        "--command=i=0; while [ $i -lt 400 ]; do echo line $i of the override test; i=$((i+1)); done")
    check(states.get("small-files") == "TASK_FINISHED", f"task did not finish:\n{out}")
    sandbox = cluster.executors(cluster.framework_id(out))[0]["directory"]
    names = sorted(os.listdir(sandbox))
    check("stdout.1" in names and "stdout.2" in names and "stdout.3" not in names,
          f"max_files=2 and 4K files expected, sandbox has {names}")
    for n in ("stdout", "stdout.1", "stdout.2"):
        check(len(cluster.files_read(os.path.join(sandbox, n))) <= 4096, f"{n} is over 4K")
    out, states = cluster.execute("--name=forbidden", "--env=" + json.dumps({"CONTAINER_LOGGER_DESTINATION": "sandbox"}),
                                  "--command=echo never")
    check(states.get("forbidden") == "TASK_FAILED", f"a forbidden override did not fail the task:\n{out}")
    check("CONTAINER_LOGGER_DESTINATION" in out, f"the failure does not name the variable:\n{out}")
    check(not cluster.journal.entries("MESSAGE=never"), "the forbidden task ran")
    return "override applied; forbidden override refused"


def case_agent_restart(cluster, tmp):
    """mesos-agent SIGKILLed and restarted mid-task (--checkpoint): nothing lost, the
    task finishes, no companion is left afterwards and none is a zombie."""
    n = 3000
    proc = cluster.execute_async("--name=long", "--checkpoint",
                                 f"--command=i=0; while [ $i -lt {n} ]; do echo tick $i; i=$((i+1)); "
                                 "[ $((i % 100)) -eq 0 ] && sleep 0.2; done; echo done")
    wait_for("the task to be writing", lambda: len(cluster.journal.entries("MESSAGE=tick 200")) == 1, timeout=90)
    before = set(cluster.companions())
    cluster.kill_agent()
    time.sleep(2)  # the task keeps writing while there is no agent
    check(set(cluster.companions()) >= before, "a companion died with the agent")
    cluster.start_agent()
    proc.wait(240)
    proc.log.seek(0)
    out = proc.log.read().decode(errors="replace")
    states = Cluster._states(out)
    check(states.get("long") == "TASK_FINISHED", f"the task did not finish after the agent restart:\n{out}")
    es = cluster.journal.entries("TASK_ID=long", "STREAM=STDOUT")
    got = [field_bytes(e["MESSAGE"]) for e in es if field_bytes(e["MESSAGE"]).startswith(b"tick ")]
    check(got == [b"tick %d" % i for i in range(n)], f"{len(got)} of {n} ticks, in order: {got[:3]}…")
    wait_for("the task's companion to exit", lambda: not (set(cluster.companions()) & before), timeout=30)
    check(not zombies(cluster.agent.pid), f"zombies of the agent: {zombies(cluster.agent.pid)}")
    # Orphaned companions are reaped by init (or a subreaper), which may take a moment.
    wait_for("no companion left a zombie", lambda: not zombies(), timeout=10)
    return f"{n} lines across an agent SIGKILL"


def case_unprivileged_user(cluster, tmp):
    """A task running as an unprivileged user (the agent as root): sandbox files owned by
    the user, _UID in journald."""
    nobody = pwd.getpwnam("nobody")
    task = {"name": "as-nobody", "task_id": {"value": "as-nobody"}, "agent_id": {"value": ""},
            "resources": resources(), "command": {"value": "id -u; echo err >&2", "user": "nobody"}}
    out, states = cluster.execute(f"--task=file://{write_json(tmp, 'user.json', task)}")
    check(states.get("as-nobody") == "TASK_FINISHED", f"task did not finish:\n{out}")
    sandbox = cluster.executors(cluster.framework_id(out))[0]["directory"]
    for name in ("stdout", "stderr"):
        st = os.stat(os.path.join(sandbox, name))
        check(st.st_uid == nobody.pw_uid, f"{name} belongs to uid {st.st_uid}, not nobody")
    es = cluster.journal.entries("TASK_ID=as-nobody")
    check(es and all(e.get("_UID") == str(nobody.pw_uid) for e in es), f"_UID: {[e.get('_UID') for e in es]}")
    check(str(nobody.pw_uid).encode() in messages(es, "STDOUT"), "the task did not run as nobody")
    return f"{len(es)} entries as uid {nobody.pw_uid}"


def case_kill_task(cluster, tmp):
    """KILL_TASK while the companion runs, then sandbox garbage collection: the
    companion ends and nothing blocks the agent."""
    before = set(cluster.companions())
    out, states = cluster.execute("--name=killed", "--kill_after=3secs",
                                  "--command=trap '' TERM; while :; do echo alive; sleep 0.1; done")
    check(states.get("killed") == "TASK_KILLED", f"task was not killed:\n{out}")
    check(cluster.journal.entries("TASK_ID=killed", "MESSAGE=alive"), "no output before the kill")
    wait_for("the killed task's companion to exit", lambda: not (set(cluster.companions()) - before), timeout=30)
    sandbox = cluster.executors(cluster.framework_id(out))[0]["directory"]
    wait_for("the agent to garbage-collect the sandbox", lambda: not os.path.exists(sandbox), timeout=60)
    # The agent still launches tasks.
    out, states = cluster.execute("--name=after", "--command=echo after")
    check(states.get("after") == "TASK_FINISHED", f"the agent no longer runs tasks:\n{out}")
    return "killed, collected, agent responsive"


def case_debug_container(cluster, tmp):
    """A DEBUG container (LAUNCH_NESTED_CONTAINER_SESSION, what `mesos task exec` does):
    as docs/module.md says, no companion; its output goes back to the caller."""
    proc = cluster.execute_async("--name=host", "--command=sleep 60")
    try:
        container = wait_for("the task's container", lambda: next(
            (e["container"] for fw in cluster.agent_state().get("frameworks", []) for e in fw.get("executors", [])
             if e.get("container") and e.get("tasks")), None), timeout=60)
        before = set(cluster.companions())
        call = {"type": "LAUNCH_NESTED_CONTAINER_SESSION", "launch_nested_container_session": {
            "container_id": {"parent": {"value": container}, "value": "debug-session"},
            "command": {"shell": True, "value": "echo from-debug; echo err-debug >&2"}}}
        status, body = cluster.agent_call(call, accept="application/recordio")
        check(status == 200, f"LAUNCH_NESTED_CONTAINER_SESSION: HTTP {status} {body[:200]!r}")
        data = b""
        rest = body
        while rest:  # RecordIO: "<length>\n<record>"
            length, _, rest = rest.partition(b"\n")
            record, rest = rest[:int(length)], rest[int(length):]
            msg = json.loads(record)
            if msg.get("type") == "DATA":
                data += base64.b64decode(msg["data"]["data"])
        check(b"from-debug" in data, f"the session's output did not come back: {body[:300]!r}")
        check(not (set(cluster.companions()) - before), "a companion was started for a DEBUG container")
        check(not cluster.journal.entries("MESSAGE=from-debug"), "a DEBUG container's output went to journald")
        return "session output returned to the caller, no companion"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        proc.log.close()


def case_agent_as_pid1(cluster, tmp):
    """The agent as PID 1 of its own PID namespace, as in a container without an init:
    the orphaned companions are the agent's children, and the module has it reap them."""
    for i in range(3):
        out, states = cluster.execute(f"--name=pid1-{i}", f"--command=echo from task {i}")
        check(states.get(f"pid1-{i}") == "TASK_FINISHED", f"task did not finish:\n{out}")
        check(cluster.journal.entries(f"TASK_ID=pid1-{i}", f"MESSAGE=from task {i}"), f"pid1-{i}'s line is missing")
    wait_for("the companions to be gone", lambda: not cluster.companions(), timeout=30)
    # libprocess's reaper looks about once a second.
    wait_for("no companion left a zombie", lambda: not zombies(), timeout=10)
    return "3 tasks, no zombie companion under an agent that is PID 1"


class PrivateDocker:
    """A dockerd of the case's own (own data root and socket, no bridge, no iptables
    rules), with an image made from the systemd tests' Debian rootfs: no registry is
    reachable here, and a daemon of our own leaves the host's Docker alone."""

    IMAGE = "mj-e2e/debian:12"

    def __init__(self, tmp, opts=None):
        dockerd, docker = shutil.which("dockerd"), shutil.which("docker")
        check(dockerd and docker, "the docker case needs dockerd and docker (apt-get install docker.io)")
        self.docker = docker
        self.root = os.path.join(tmp, "docker")
        self.socket = os.path.join(tmp, "docker.sock")
        self.log = open(os.path.join(tmp, "dockerd.log"), "ab")
        self.proc = subprocess.Popen(
            [dockerd, f"--data-root={self.root}/data", f"--exec-root={self.root}/exec", f"--pidfile={self.root}/pid",
             f"--host=unix://{self.socket}", "--bridge=none", "--iptables=false", "--ip6tables=false"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for("dockerd", lambda: self.cli("info").returncode == 0, timeout=60)
            rootfs = subprocess.run([os.path.join(REPO, "scripts", "systemd-rootfs.sh")], capture_output=True, text=True)
            check(rootfs.returncode == 0, f"no Debian rootfs for the image: {rootfs.stderr}")
            tar = subprocess.Popen(["tar", "-C", rootfs.stdout.strip(), "-c", "."], stdout=subprocess.PIPE)
            imported = subprocess.run([docker, "-H", f"unix://{self.socket}", "import", "-", self.IMAGE],
                                      stdin=tar.stdout, capture_output=True)
            tar.stdout.close()
            check(tar.wait() == 0 and imported.returncode == 0, f"docker import failed: {imported.stderr!r}")
        except BaseException:
            self.close()  # the case runner gets no helper to close
            raise

    def cli(self, *args):
        return subprocess.run([self.docker, "-H", f"unix://{self.socket}", *args], capture_output=True)

    def agent_flags(self):
        return ("--containerizers=docker,mesos", f"--docker={self.docker}", f"--docker_socket={self.socket}")

    def close(self):
        for c in self.cli("ps", "-aq").stdout.split():
            self.cli("rm", "-f", c.decode())
        stop_process(self.proc, 30)
        self.log.close()
        # What the daemon mounted below its roots (its network namespace, layers) and
        # left behind.
        unmount_below(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def stop_process(proc, timeout):
    """SIGTERM, and SIGKILL if it is still there after `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def unmount_below(path):
    """Unmounts everything mounted below path, deepest first."""
    with open("/proc/self/mounts") as f:
        mounts = [line.split()[1] for line in f]
    for target in sorted((m for m in mounts if m.startswith(path.rstrip("/") + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True)


def case_docker_task(cluster, tmp):
    """A task in a Docker image under the Docker containerizer (what most Marathon users
    ran): the docker executor's output, the task's among it, with every id in journald
    and byte-exact in the sandbox."""
    out_bin, err_bin = write_payloads(tmp)
    task = {"name": "in docker", "task_id": {"value": "docker-1"}, "agent_id": {"value": ""},
            "resources": resources(),
            "command": {"shell": True, "value": "cat /payload/stdout.bin; cat /payload/stderr.bin >&2"},
            "container": {"type": "DOCKER", "docker": {"image": PrivateDocker.IMAGE, "network": "HOST"},
                          "volumes": [{"container_path": "/payload", "host_path": tmp, "mode": "RO"}]}}
    fw, executor, es = run_payload_task(cluster, tmp, task, timeout=300)
    for e in es:
        for name, want in (("FRAMEWORK_ID", fw), ("EXECUTOR_ID", "docker-1"), ("AGENT_ID", cluster.agent_id()),
                           ("CONTAINER_ID", executor["container"]), ("TASK_NAME", "in docker")):
            check(e.get(name) == want, f"{name}={e.get(name)!r}, expected {want!r} in {e}")
    check_payload_delivered(cluster, es, executor)
    return f"{len(es)} entries from a Docker container"


class Production:
    """The agent as production clusters run the Mesos containerizer (Mesos' docs, DC/OS):
    the linux launcher, cgroups isolators, filesystem/linux, namespaces/pid and
    docker/runtime, tasks in a Docker image from a local registry directory (no registry
    is reachable here). Its own cgroups root, so that what it creates is its own.

    While the case runs, a thread samples /proc/PID/cgroup of the run's companions every
    20 ms: a companion inside a container's cgroup (any hierarchy) would be frozen and
    killed with the container before it drained the pipe."""

    IMAGE = "mj-debian"

    def __init__(self, tmp, opts=None):
        self.cgroups_root = f"mjmesos{os.getpid()}"
        self.registry = os.path.join(tmp, "registry")
        make_image_archive(self.registry, self.IMAGE)
        self.tmp = tmp
        self.namespace = None  # set by the case runner once the cluster is up
        self.samples = 0
        self.inside = []
        self.stop = threading.Event()
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def agent_flags(self):
        return ("--launcher=linux",
                "--isolation=cgroups/cpu,cgroups/mem,filesystem/linux,namespaces/pid,docker/runtime",
                "--image_providers=docker", f"--docker_registry={self.registry}",
                f"--docker_store_dir={self.tmp}/docker-store", f"--cgroups_root={self.cgroups_root}")

    def _watch(self):
        while not self.stop.wait(0.02):
            if not self.namespace:
                continue
            for pid in companions(self.namespace):
                try:
                    with open(f"/proc/{pid}/cgroup") as f:
                        lines = f.read().splitlines()
                except OSError:
                    continue
                self.samples += 1
                self.inside += [(pid, line) for line in lines if f"/{self.cgroups_root}/" in line + "/"]

    def check(self):
        """After the case: no companion was ever seen in a container's cgroup."""
        self.stop.set()
        self.watcher.join()
        check(not self.inside, f"companions inside a container's cgroup: {self.inside[:5]}")
        return f"{self.samples} cgroup samples of companions, none in a container's cgroup"

    def close(self):
        self.stop.set()
        unmount_below(self.tmp)
        # The agent leaves its (by now empty) cgroups root in every hierarchy.
        for hierarchy in os.listdir("/sys/fs/cgroup"):
            root = os.path.join("/sys/fs/cgroup", hierarchy, self.cgroups_root)
            for d, _, _ in sorted(os.walk(root), key=lambda w: len(w[0]), reverse=True):
                try:
                    os.rmdir(d)
                except OSError:
                    pass


class SystemdHost:
    """The agent as a unit of a real systemd, as production agents run: an nspawn machine
    booting the systemd tests' Debian rootfs with Mesos' run-time libraries added
    (scripts/systemd-rootfs.sh --with), --volatile=overlay, sharing the host's network so
    that the master, mesos-execute and /files/read reach the agent on loopback as
    before (in a network namespace of the run's own). Mesos, the build (module and
    companion) and the run's directory are bound in
    at the same paths. The agent's unit is written as Mesos' packaging writes it
    (Delegate=yes), with KillMode=control-group: what stays in the unit's cgroup dies with
    every stop. The agent runs with --systemd_enable_support, which moves executors to
    mesos_executors.slice; the module's cgroup_placement=auto moves companions there.

    cgroup layout: pure cgroup2 (SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1). On this kind of
    machine the kernel binds every controller to a cgroup v1 hierarchy, which nspawn
    mounts read-only inside a machine, so neither the cgroups isolators nor the linux
    launcher's v1 freezer can run in one; the cgroup2 tree is the machine's own, and
    Mesos master's linux launcher uses it (cgroup.freeze, cgroup.kill). Isolation is
    posix/cpu,posix/mem."""

    # The machine shares the run's network namespace (so that the master, mesos-execute
    # and /files/read reach the agent on loopback), never the host's: its systemd sets
    # net.unix.max_dgram_qlen=512 in the namespace it boots in, which on the host would
    # change what every other test and benchmark measures (main() runs such a case in a
    # namespace of its own, OwnNetworkNamespace).
    NEEDS_NETNS = True
    # The agent unit's KillMode: Mesos' own packaging writes process (a stop kills the
    # agent alone); control-group (everything left in the unit's cgroup dies with it) is
    # what the module's cgroup placement is for (docs/module.md#surviving-agent-restarts).
    KILL_MODE = "process"
    UNIFIED = False  # the hybrid layout; True: pure cgroup2

    # What Mesos' Debian 12 builds link beyond the rootfs (ldd of mesos-agent, libmesos).
    MESOS_RUNTIME = ("libapr1,libaprutil1,libarchive13,libcurl4,libgrpc++1.51,libprotobuf32,libsasl2-2,"
                     "libsasl2-modules,libssl3,libsvn1,libunwind8,libzookeeper-mt2,zlib1g")

    def __init__(self, tmp, opts):
        rootfs = subprocess.run([os.path.join(REPO, "scripts", "systemd-rootfs.sh"), "--with", self.MESOS_RUNTIME],
                                capture_output=True, text=True)
        check(rootfs.returncode == 0, f"no Debian rootfs with Mesos' libraries: {rootfs.stderr[-2000:]}")
        self.name = f"mj-mesos-{os.getpid()}"
        self.console = open(os.path.join(tmp, "machine.console.log"), "ab")
        binds = {opts.mesos_root, os.path.dirname(opts.module), os.path.dirname(opts.companion), tmp}
        netns = os.environ.get(NETNS_ENV)
        check(netns, f"{self.__class__.__name__} needs the run in a network namespace of its own")
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "-q", "-D", rootfs.stdout.strip(), "-M", self.name, "-b", "--register=no",
             "--keep-unit", "--console=read-only", "--volatile=overlay", f"--network-namespace-path=/run/netns/{netns}",
             *(f"--bind-ro={b}" for b in sorted(binds) if b != tmp), f"--bind={tmp}"],
            stdin=subprocess.DEVNULL, stdout=self.console, stderr=subprocess.STDOUT, start_new_session=True,
            env={**{k: v for k, v in os.environ.items() if k != "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY"},
                 **({"SYSTEMD_NSPAWN_UNIFIED_HIERARCHY": "1"} if self.UNIFIED else {})})
        def leader():
            check(self.proc.poll() is None, f"systemd-nspawn exited {self.proc.returncode}")
            children = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
            return int(children[0]) if children else None
        try:
            self.leader = wait_for("the machine's PID 1", leader, timeout=30, interval=0.02)
            wait_for("the machine's systemd to be running", lambda: self.run(
                "systemctl", "is-system-running", "--wait").stdout.strip() in ("running", "degraded"), timeout=60)
        except BaseException:
            self.close()  # the case runner gets no helper to close
            raise

    def run(self, *argv, check_status=False):
        r = subprocess.run(["nsenter", "-t", str(self.leader), "-m", "-u", "-i", "-n", "-p", "-C", "-r", "-w", "--",
                            *argv], capture_output=True, text=True, check=False)
        check(not check_status or r.returncode == 0, f"in the machine, {argv} exited {r.returncode}: {r.stderr}")
        return r

    def journal(self, name):
        return MachineJournal(self, name)

    def service(self, name, argv, env, log):
        return MachineService(self, name, argv, env, log)

    def agent_flags(self):
        return ("--systemd_enable_support", "--launcher=posix", "--isolation=posix/cpu,posix/mem")

    def close(self):
        stop_process(self.proc, 30)  # on SIGTERM nspawn powers the machine off
        self.console.close()


class SystemdHostKillingTheUnitsCgroup(SystemdHost):
    KILL_MODE = "control-group"


class SystemdHostUnified(SystemdHost):
    """Pure cgroup2 (KillMode=process). Mesos' --systemd_enable_support needs the v1
    name=systemd hierarchy: 1.12.0 exits "Failed to initialize systemd: Failed to locate
    systemd cgroups hierarchy: '/sys/fs/cgroup/systemd' is not a valid hierarchy", so the
    agent runs without it. Master's linux launcher on cgroup2 aborted here without the
    cgroups v2 isolators ("Check failed: cgroups2::exists(flags.cgroups_root)"), and
    those need controllers this kind of machine binds to v1: the posix launcher."""
    UNIFIED = True

    def agent_flags(self):
        return ("--no-systemd_enable_support", "--launcher=posix", "--isolation=posix/cpu,posix/mem")


class MachineJournal:
    """A journal namespace of the machine's systemd (systemd-journald@NAME, as on any
    systemd host), read with its journalctl."""

    def __init__(self, machine, name):
        self.machine, self.name = machine, name
        machine.run("mkdir", "-p", "/etc/systemd", check_status=True)
        machine.run("sh", "-c", f"printf '[Journal]\\nStorage=volatile\\nRateLimitIntervalSec=0\\nRuntimeMaxUse=1G\\n' "
                    f"> /etc/systemd/journald@{name}.conf", check_status=True)
        # The namespace's units stop when no unit needs them (StopWhenUnneeded=yes): a unit
        # with LogNamespace= holds them, as any service logging there would.
        machine.run("systemd-run", f"--unit=mj-journal-{name}", f"--property=LogNamespace={name}", "sleep", "infinity",
                    check_status=True)

    def entries(self, *matches):
        r = self.machine.run("journalctl", f"--namespace={self.name}", "-o", "json", "--all", "--no-pager", *matches)
        if r.returncode not in (0, 1):
            raise Failure(f"journalctl in the machine failed: {r.stderr}")
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def close(self):
        pass  # the machine's volatile overlay goes with it


class MachineService:
    """A unit of the machine's systemd with the Popen methods Cluster uses."""

    def __init__(self, machine, name, argv, env, log):
        self.machine, self.unit, self.returncode = machine, f"{name}.service", None
        quote = lambda a: '"' + a.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'
        keep = {k: v for k, v in env.items() if k.startswith(("MESOS_", "LIBPROCESS_", "GLOG_")) or k == "LD_LIBRARY_PATH"}
        unit = ["[Service]", f"ExecStart={' '.join(quote(a) for a in argv)}",
                *(f"Environment={quote(f'{k}={v}')}" for k, v in sorted(keep.items())),
                "Delegate=yes", f"KillMode={machine.KILL_MODE}", "TimeoutStopSec=20s",
                f"StandardOutput=append:{log}", f"StandardError=append:{log}"]
        machine.run("sh", "-c", f"cat > /etc/systemd/system/{self.unit} <<'EOF'\n" + "\n".join(unit) + "\nEOF",
                    check_status=True)
        machine.run("systemctl", "daemon-reload", check_status=True)
        machine.run("systemctl", "start", self.unit, check_status=True)
        self.log = open(log, "ab")  # Cluster closes it

    def poll(self):
        state = self.machine.run("systemctl", "is-active", self.unit).stdout.strip()
        if state in ("active", "activating", "reloading", "deactivating"):
            return None
        self.returncode = state
        return self.returncode

    def restart(self):
        self.machine.run("systemctl", "restart", self.unit, check_status=True)

    def kill(self):
        self.machine.run("systemctl", "kill", "--kill-who=main", "-s", "SIGKILL", self.unit)

    def terminate(self):
        self.machine.run("systemctl", "stop", "--no-block", self.unit)

    def wait(self, timeout=60):
        try:
            wait_for(f"{self.unit} to stop", lambda: self.poll() is not None, timeout=timeout)
        except Failure:
            raise subprocess.TimeoutExpired(self.unit, timeout)  # as Popen.wait() does


def start_ticking_under_systemd(cluster, n):
    """A checkpointed task writing n numbered lines, once it is writing: its process, its
    companions and their cgroups, which must be in mesos_executors.slice in every
    hierarchy that has one (the module's cgroup_placement=auto)."""
    proc = cluster.execute_async("--name=long", "--checkpoint",
                                 f"--command=i=0; while [ $i -lt {n} ]; do echo tick $i; i=$((i+1)); "
                                 "[ $((i % 100)) -eq 0 ] && sleep 0.2; done; echo done")
    wait_for("the task to be writing", lambda: len(cluster.journal.entries("MESSAGE=tick 200")) == 1, timeout=90)
    before = set(cluster.companions())
    check(before, "no companion of the task is running")
    # The hierarchies the machine's systemd tracks: cgroup2, and in the hybrid layout also
    # name=systemd (in the pure cgroup2 layout that line is the host's).
    tracked = r"0::" if cluster.machine.UNIFIED else r"\d+:(name=systemd)?:"
    cgroups = {pid: open(f"/proc/{pid}/cgroup").read() for pid in before}
    outside = {pid: c for pid, c in cgroups.items()
               if any("mesos_executors.slice" not in line for line in c.splitlines() if re.match(tracked, line))}
    check(not outside, f"a companion is not in mesos_executors.slice in every systemd hierarchy: {outside}")
    return proc, before


def ticks_of(cluster):
    es = cluster.journal.entries("TASK_ID=long", "STREAM=STDOUT")
    return [field_bytes(e["MESSAGE"]) for e in es if field_bytes(e["MESSAGE"]).startswith(b"tick ")]


def finished_output(proc):
    proc.wait(240)
    proc.log.seek(0)
    out = proc.log.read().decode(errors="replace")
    proc.log.close()
    return out


def case_systemctl_restart(cluster, tmp):
    """The agent a unit of a real systemd with KillMode=process, as Mesos' packaging
    writes it: `systemctl restart` of it mid-task (what a package upgrade or a
    configuration change does). The task goes on, is recovered and finishes; every line
    arrives once and in order; the companion exits with the task."""
    n = 3000
    proc, before = start_ticking_under_systemd(cluster, n)
    cluster.agent.restart()
    check(set(cluster.companions()) >= before, "a companion died with the agent's restart")
    wait_for("the agent to re-register", lambda: cluster.agent_state().get("master_hostname"), timeout=60)
    out = finished_output(proc)
    check(Cluster._states(out).get("long") == "TASK_FINISHED", f"the task did not finish after the restart:\n{out}")
    got = ticks_of(cluster)
    check(got == [b"tick %d" % i for i in range(n)], f"{len(got)} of {n} ticks, in order: {got[:3]}…")
    wait_for("the task's companion to exit", lambda: not (set(cluster.companions()) & before), timeout=30)
    return f"{n} lines across systemctl restart of the agent's unit"


def case_systemctl_restart_kills_executors(cluster, tmp):
    """KillMode=control-group in the hybrid layout: Mesos moves executors to
    mesos_executors.slice only in the v1 name=systemd hierarchy, but systemd tracks
    processes in cgroup2 there, so `systemctl restart` kills the executor and its task
    with the agent's unit (Mesos' doing, measured here with 1.11.0 and 1.12.0). The
    companion, moved in both hierarchies, is not killed: every line the task wrote
    before it died reaches journald and the sandbox, in order, and the companion exits
    once the pipes close."""
    n = 3000
    proc, before = start_ticking_under_systemd(cluster, n)
    cluster.agent.restart()
    wait_for("the agent to re-register", lambda: cluster.agent_state().get("master_hostname"), timeout=60)
    out = finished_output(proc)
    state = Cluster._states(out).get("long")
    check(state in ("TASK_FAILED", "TASK_LOST", "TASK_GONE", "TASK_FINISHED"), f"the task ended {state}:\n{out}")
    wait_for("the task's companion to exit", lambda: not (set(cluster.companions()) & before), timeout=30)
    got = ticks_of(cluster)
    check(len(got) > 200 and got == [b"tick %d" % i for i in range(len(got))],
          f"{len(got)} ticks, not 0 to the last one the task wrote in order: {got[:3]}…{got[-3:]}")
    sandbox = cluster.executors(cluster.framework_id(out))[0]["directory"]
    with open(os.path.join(sandbox, "stdout"), "rb") as f:
        in_file = [line for line in f.read().split(b"\n") if line.startswith(b"tick ")]
    check(in_file == got, f"the sandbox holds {len(in_file)} ticks, journald {len(got)}")
    return f"the task ended {state} with the unit; its {len(got)} lines, in journald and the sandbox alike"


def make_image_archive(registry, name):
    """registry/NAME.tar in the legacy `docker save` layout Mesos' local puller reads:
    `repositories` naming one layer, whose directory holds `json` (its manifest, with the
    config docker/runtime applies) and `layer.tar` (the systemd tests' Debian rootfs).
    The archive is made once per rootfs and linked into each run's registry."""
    rootfs = subprocess.run([os.path.join(REPO, "scripts", "systemd-rootfs.sh")], capture_output=True, text=True)
    check(rootfs.returncode == 0, f"no Debian rootfs for the image: {rootfs.stderr}")
    rootfs = rootfs.stdout.strip()
    cached = f"{rootfs}.{name}.tar"
    if not os.path.exists(cached):
        layer = "a" * 64
        staging = tempfile.mkdtemp(prefix="mj-image-")
        try:
            os.makedirs(os.path.join(staging, layer))
            subprocess.run(["tar", "-C", rootfs, "-cf", os.path.join(staging, layer, "layer.tar"), "."], check=True)
            with open(os.path.join(staging, layer, "json"), "w") as f:
                json.dump({"id": layer, "architecture": "amd64", "os": "linux", "config": {
                    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                    "Cmd": ["/bin/sh"], "WorkingDir": ""}}, f)
            with open(os.path.join(staging, layer, "VERSION"), "w") as f:
                f.write("1.0")
            with open(os.path.join(staging, "repositories"), "w") as f:
                json.dump({name: {"latest": layer}}, f)
            subprocess.run(["tar", "-C", staging, "-cf", cached + ".part", "repositories", layer], check=True)
            os.rename(cached + ".part", cached)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(registry, exist_ok=True)
    os.symlink(cached, os.path.join(registry, f"{name}.tar"))


def launcher_line(message):
    """One of the lines Mesos' container launcher itself writes to a container's stderr
    under filesystem/linux before the task runs: output of the container, not the task's."""
    return message.startswith((b"Preparing rootfs at ", b"Marked '/' as rslave", b"Changing root to "))


def in_image(container=None):
    """A ContainerInfo running the task in Production.IMAGE (and any extra keys)."""
    info = {"type": "MESOS", "mesos": {"image": {"type": "DOCKER", "docker": {"name": Production.IMAGE}}}}
    info.update(container or {})
    return info


def payload_command():
    """Writes STDOUT_PAYLOAD and STDERR_PAYLOAD from inside an image, where the test's
    files are not: base64 in the command line."""
    b64 = lambda b: base64.b64encode(b).decode()
    return f"echo {b64(STDOUT_PAYLOAD)} | base64 -d; echo {b64(STDERR_PAYLOAD)} | base64 -d >&2"


def case_image_task(cluster, tmp):
    """A command task in a container image (filesystem/linux, docker/runtime, pid
    namespace, cgroups): every line with its ids in journald, the bytes in the sandbox."""
    task = {"name": "in image", "task_id": {"value": "image-1"}, "agent_id": {"value": ""},
            "resources": resources(), "command": {"value": payload_command()}, "container": in_image()}
    fw, executor, es = run_payload_task(cluster, tmp, task)
    for e in es:
        for name, want in (("FRAMEWORK_ID", fw), ("EXECUTOR_ID", "image-1"), ("TASK_ID", "image-1"),
                           ("CONTAINER_ID", executor["container"]), ("TASK_NAME", "in image")):
            check(e.get(name) == want, f"{name}={e.get(name)!r}, expected {want!r} in {e}")
    return f"{len(es)} entries, {check_payload_delivered(cluster, es, executor)} sandbox bytes"


def case_image_pod(cluster, tmp):
    """A pod whose two tasks run in the image: each task's lines by its TASK_ID, exact."""
    tasks = [{"name": f"image pod {i}", "task_id": {"value": f"ipod-{i}"}, "agent_id": {"value": ""},
              "resources": resources(), "command": {"value": f"echo first of {i}; {payload_command()}"},
              "container": in_image()} for i in (1, 2)]
    # Checkpointed, as production frameworks run: a pod task's TASK_NAME comes from the
    # agent's checkpoint of it (src/pipe/pod_task.h).
    out, states = cluster.execute(f"--task_group=file://{write_json(tmp, 'group.json', {'tasks': tasks})}",
                                  "--checkpoint")
    for i in (1, 2):
        check(states.get(f"ipod-{i}") == "TASK_FINISHED", f"ipod-{i} did not finish:\n{out}")
    total = 0
    for i in (1, 2):
        want = [b"first of %d" % i] + lines_of(STDOUT_PAYLOAD)
        es = task_entries(cluster, f"ipod-{i}", len(want))
        check(messages(es, "STDOUT") == want, f"ipod-{i} stdout lines: {messages(es, 'STDOUT')[:5]}…")
        # The launcher's own lines come first on the container's stderr: the task's follow
        # them, exact.
        stderr = messages(es, "STDERR")
        check(all(launcher_line(m) for m in stderr[:-3]) and stderr[-3:] == lines_of(STDERR_PAYLOAD),
              f"ipod-{i} stderr: {stderr}")
        bad = [e for e in es if e.get("TASK_NAME") != f"image pod {i}"]
        check(not bad, f"{len(bad)} entries of ipod-{i} without its TASK_NAME, e.g. {bad[:2]}")
        total += len(es)
    return f"{total} entries of two pod tasks in an image"


def case_oom_task(cluster, tmp):
    """A task killed by its memory limit (cgroups/mem): every line it wrote before the
    kill is delivered, and it ends TASK_FAILED."""
    n = 500
    task = {"name": "oom", "task_id": {"value": "oom"}, "agent_id": {"value": ""}, "resources": resources(mem=32),
            "command": {"value": f"i=0; while [ $i -lt {n} ]; do echo before the limit $i; i=$((i+1)); done; "
                                 "tail /dev/zero"},
            "container": in_image()}
    out, states = cluster.execute(f"--task=file://{write_json(tmp, 'oom.json', task)}")
    check(states.get("oom") == "TASK_FAILED", f"the task was not failed by its memory limit:\n{out}")
    check(re.search(r"[Mm]emory limit exceeded|REASON_CONTAINER_LIMITATION_MEMORY|OOM", out),
          f"the task failed, but not for its memory limit:\n{out}")
    want = [b"before the limit %d" % i for i in range(n)]
    es = task_entries(cluster, "oom", n)
    check([m for m in messages(es, "STDOUT") if m.startswith(b"before")] == want,
          f"{len(messages(es, 'STDOUT'))} of {n} lines before the OOM kill")
    return f"{n} of {n} lines of a task killed by its memory limit"


def case_kill_policy(cluster, tmp):
    """A graceful kill: the task's last words on SIGTERM, within its kill policy's grace
    period, are delivered before the container is destroyed."""
    task = {"name": "graceful", "task_id": {"value": "graceful"}, "agent_id": {"value": ""},
            "resources": resources(), "container": in_image(),
            "kill_policy": {"grace_period": {"nanoseconds": 10_000_000_000}},
            "command": {"value": "trap 'echo goodbye on SIGTERM; echo last stderr words >&2; exit 0' TERM; "
                                 "echo running; while :; do sleep 0.1; done"}}
    proc = cluster.execute_async(f"--task=file://{write_json(tmp, 'graceful.json', task)}", "--kill_after=3secs")
    proc.wait(120)
    proc.log.seek(0)
    out = proc.log.read().decode(errors="replace")
    proc.log.close()
    check(Cluster._states(out).get("graceful") == "TASK_KILLED", f"the task was not killed:\n{out}")
    es = task_entries(cluster, "graceful", b"goodbye on SIGTERM")
    check(b"last stderr words" in messages(es, "STDERR"), f"stderr's last words missing: {messages(es, 'STDERR')}")
    check(messages(es, "STDOUT")[0] == b"running", f"stdout: {messages(es, 'STDOUT')[:3]}")
    return "last words on SIGTERM delivered from both streams"


def case_tty_task(cluster, tmp):
    """A task with a TTY (ContainerInfo.tty_info): the I/O switchboard sits between the
    container's terminal and the logger. Every line, stdout and stderr alike (one
    terminal, so one stream), reaches journald with the task's ids; a terminal ends
    lines with \\r\\n (onlcr), and the entries keep the \\r, as the task's bytes."""
    n = 100
    task = {"name": "tty", "task_id": {"value": "tty"}, "agent_id": {"value": ""}, "resources": resources(),
            "container": in_image({"tty_info": {}}),
            "command": {"value": f"i=0; while [ $i -lt {n} ]; do echo tty line $i; i=$((i+1)); done; "
                                 "echo to stderr >&2"}}
    out, states = cluster.execute(f"--task=file://{write_json(tmp, 'tty.json', task)}")
    check(states.get("tty") == "TASK_FINISHED", f"task did not finish:\n{out}")
    es = task_entries(cluster, "tty", b"to stderr\r")
    check(contains_run(messages(es, "STDOUT"), [b"tty line %d\r" % i for i in range(n)] + [b"to stderr\r"]),
          f"tty lines: {messages(es, 'STDOUT')[:8]}…")
    check(not messages(es, "STDERR"), f"entries on STDERR from one terminal: {messages(es, 'STDERR')[:3]}")
    return f"{len(es)} entries through the I/O switchboard of a TTY container"


def parent_container(entries):
    """The executor's container id of a pod task's entries (CONTAINER_ID is parent.child)."""
    return entries[0]["CONTAINER_ID"].rsplit(".", 1)[0]


def case_checked_pod(cluster, tmp):
    """A pod task with a command check and a command health check: the default executor
    runs each as a nested DEBUG container, for which no companion is started
    (docs/module.md#debug-containers), and copies its output into its own stdout and
    stderr. That output is the executor's in journald, never mixed into the task's."""
    n = 40
    task = {"name": "checked", "task_id": {"value": "checked"}, "agent_id": {"value": ""}, "resources": resources(),
            "command": {"value": f"i=0; while [ $i -lt {n} ]; do echo task line $i; i=$((i+1)); sleep 0.1; done"},
            "check": {"type": "COMMAND", "delay_seconds": 0, "interval_seconds": 1, "timeout_seconds": 10,
                      "command": {"command": {"value": "echo check stdout; echo check stderr >&2"}}},
            "health_check": {"type": "COMMAND", "delay_seconds": 0, "interval_seconds": 1, "grace_period_seconds": 30,
                             "timeout_seconds": 10, "command": {"value": "echo health stdout; echo health stderr >&2"}}}
    out, states = cluster.execute(f"--task_group=file://{write_json(tmp, 'checked.json', {'tasks': [task]})}",
                                  "--checkpoint")
    check(states.get("checked") == "TASK_FINISHED", f"task did not finish:\n{out}")
    es = task_entries(cluster, "checked", n)
    check(messages(es, "STDOUT") == [b"task line %d" % i for i in range(n)], f"stdout: {messages(es, 'STDOUT')[:5]}…")
    stderr = [m for m in messages(es, "STDERR") if not launcher_line(m)]
    check(not stderr, f"the task's stderr holds {stderr[:3]}")
    # The default executor copies each check's output into its own stdout and stderr (Mesos'
    # checker does), so it reaches journald as the executor's, never as the task's.
    checks = [e for e in cluster.journal.entries() if (field_bytes(e.get("MESSAGE")) or b"").startswith(
        (b"check ", b"health "))]
    in_task = [e for e in checks if e.get("TASK_ID") or e.get("CONTAINER_ID") != parent_container(es)]
    check(not in_task, f"{len(in_task)} lines of checks not the executor's, e.g. " + "; ".join(
        f"{e.get('MESSAGE')!r} CONTAINER_ID={e.get('CONTAINER_ID')} TASK_ID={e.get('TASK_ID')}" for e in in_task[:4]))
    check_runs = sum(1 for e in checks if field_bytes(e["MESSAGE"]) == b"check stdout")
    health_runs = sum(1 for e in checks if field_bytes(e["MESSAGE"]) == b"health stdout")
    check(check_runs and health_runs, f"no output of the check ({check_runs}) or the health check ({health_runs})")
    with open(os.path.join(tmp, "agent.log"), errors="replace") as f:
        started = len(re.findall(r"mesos-journald: container \S+: started ", f.read()))
    check(started == 2, f"{started} companions started, expected 2 (the default executor and the task)")
    return (f"{n} task lines alone; {check_runs} checks and {health_runs} health checks, their output the "
            "executor's; 2 companions")


def case_prepare_time(cluster, tmp):
    """How long a container stays PREPARING (the state in which the agent calls the
    logger's prepare(), through the I/O switchboard), over 10 command tasks. Run also as
    prepare_time_baseline, on the same agent without the module (Mesos' default
    sandbox logger), for the comparison docs/testing.md reports."""
    for i in range(10):
        out, states = cluster.execute(f"--name=prep-{i}", "--command=true")
        check(states.get(f"prep-{i}") == "TASK_FINISHED", f"task did not finish:\n{out}")
    with open(os.path.join(tmp, "agent.log"), errors="replace") as f:
        ms = []
        for m in re.finditer(r"from PREPARING to ISOLATING after ([0-9.]+)(ms|us|secs)", f.read()):
            ms.append(float(m.group(1)) * {"ms": 1, "us": 0.001, "secs": 1000}[m.group(2)])
    check(len(ms) == 10, f"{len(ms)} PREPARING times in the agent log, expected 10")
    ms.sort()
    return f"PREPARING median {ms[5]:.1f} ms, min {ms[0]:.1f}, max {ms[-1]:.1f} (10 containers)"


def mesos_version(root):
    out = subprocess.run([os.path.join(root, "sbin", "mesos-agent"), "--version"], capture_output=True, text=True,
                         env=dict(os.environ, LD_LIBRARY_PATH=os.path.join(root, "lib")), check=False)
    m = re.search(r"mesos (\S+)", out.stdout)
    check(m, f"{root}/sbin/mesos-agent --version said {out.stdout!r} {out.stderr!r}")
    return m.group(1)


def case_version_mismatch(opts, tmp):
    """This build's module loaded into an agent of another Mesos version
    (--foreign-mesos-root): the agent refuses it at start-up, naming both versions, and
    exits 1; it neither starts without its logger nor crashes."""
    check(opts.foreign_mesos_root, "version_mismatch needs --foreign-mesos-root")
    own, foreign = mesos_version(opts.mesos_root), mesos_version(opts.foreign_mesos_root)
    check(own != foreign, f"--foreign-mesos-root is Mesos {foreign}, the same version as the module's")
    modules = write_json(tmp, "modules.json", {"libraries": [{"file": opts.module, "modules": [{
        "name": MODULE_NAME, "parameters": [{"key": "companion_path", "value": opts.companion}]}]}]})
    argv = [os.path.join(opts.foreign_mesos_root, "sbin", "mesos-agent"), f"--master=127.0.0.1:{free_port()}",
            "--ip=127.0.0.1", f"--port={free_port()}", f"--work_dir={tmp}/agent", f"--runtime_dir={tmp}/agent-runtime",
            "--no-systemd_enable_support", "--launcher=posix", "--isolation=posix/cpu,posix/mem",
            f"--launcher_dir={opts.foreign_mesos_root}/libexec/mesos", f"--modules=file://{modules}",
            f"--container_logger={MODULE_NAME}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MESOS_", "LIBPROCESS_"))}
    env.update(LD_LIBRARY_PATH=os.path.join(opts.foreign_mesos_root, "lib"), LIBPROCESS_IP="127.0.0.1")
    try:
        r = subprocess.run(argv, capture_output=True, env=env, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        raise Failure(f"a Mesos {foreign} agent started with a module built for {own}")
    log = (r.stdout + r.stderr).decode(errors="replace")
    refusal = next((line for line in log.splitlines() if "Error verifying module" in line), "")
    check(r.returncode == 1, f"the Mesos {foreign} agent exited with {r.returncode}, not 1:\n{log[-3000:]}")
    check(f"'{MODULE_NAME}'" in refusal and f"module is compiled with version {own}" in refusal,
          f"the agent's refusal does not name the module and its version {own}:\n{log[-3000:]}")
    return f"Mesos {foreign} refused the module built for {own}: {refusal.split('] ', 1)[-1]}"


# Cases without a cluster of their own: function(opts, tmp).
STANDALONE = {"version_mismatch": case_version_mismatch}

# name: (function, module parameters, extra agent flags, command the agent runs under,
#        what the case needs started first: a class taking the work directory, whose
#        agent_flags() are added and whose close() runs at the end)
CASES = {
    "command_task": (case_command_task, {}, (), ()),
    "task_group": (case_task_group, {}, (), ()),
    "overrides": (case_overrides, {"overridable": "max_stdout_size,max_files"}, (), ()),
    "agent_restart": (case_agent_restart, {}, (), ()),
    "unprivileged_user": (case_unprivileged_user, {}, (), ()),
    "kill_task": (case_kill_task, {}, ("--gc_delay=1secs", "--disk_watch_interval=1secs"), ()),
    "debug_container": (case_debug_container, {}, (), ()),
    "agent_as_pid1": (case_agent_as_pid1, {}, (), ("unshare", "--pid", "--fork", "--kill-child", "--mount-proc")),
    "docker_task": (case_docker_task, {}, (), (), PrivateDocker),
    # The Debian package's way: flags through the environment, the module file in a
    # --modules_dir (packaging/systemd/mesos-journald.conf.in).
    "env_config": (case_command_task, {}, (), (), None, True),
    # The production configuration (class Production): linux launcher, cgroups,
    # filesystem/linux, pid namespaces, tasks in an image.
    "prod_image_task": (case_image_task, {}, (), (), Production),
    "prod_image_pod": (case_image_pod, {}, (), (), Production),
    "prod_oom_task": (case_oom_task, {}, (), (), Production),
    "prod_kill_policy": (case_kill_policy, {}, (), (), Production),
    "prod_agent_restart": (case_agent_restart, {}, (), (), Production),
    "systemd_restart": (case_systemctl_restart, {}, (), (), SystemdHost),
    "systemd_unified_restart": (case_systemctl_restart, {}, (), (), SystemdHostUnified),
    "systemd_restart_control_group": (case_systemctl_restart_kills_executors, {}, (), (),
                                      SystemdHostKillingTheUnitsCgroup),
    "prod_tty_task": (case_tty_task, {}, (), (), Production),
    "prod_checked_pod": (case_checked_pod, {}, (), (), Production),
    "prod_prepare_time": (case_prepare_time, {}, (), (), Production),
    "prod_prepare_time_baseline": (case_prepare_time, {}, (), (), Production, False, True),
    "prepare_time": (case_prepare_time, {}, (), ()),
    "prepare_time_baseline": (case_prepare_time, {}, (), (), None, False, True),
}


def unavailable(opts):
    if not opts.mesos_root:
        return "no Mesos installation: configure with -DMESOS_ROOT=<prefix of a full Mesos install>"
    for rel in ("sbin/mesos-master", "sbin/mesos-agent", "bin/mesos-execute", "libexec/mesos"):
        if not os.path.exists(os.path.join(opts.mesos_root, rel)):
            return f"no Mesos installation: {opts.mesos_root}/{rel} is missing (headers alone build the module)"
    if not opts.module or not os.path.exists(opts.module):
        return "no Mesos installation: libmesos_journald.so was not built"
    return None


NETNS_ENV = "MJ_E2E_NETNS"


class OwnNetworkNamespace:
    """Moves this process (its one thread, and so every process it starts) into a new
    network namespace with only loopback up, named for `ip netns` so that nspawn can join
    it; removed at exit. Not `ip netns exec`: that also remounts /sys, hiding the cgroup
    hierarchies nspawn needs."""

    def __init__(self, name):
        self.name = name
        subprocess.run(["ip", "netns", "add", name], check=True)
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
                raise OSError(ctypes.get_errno(), f"setns into network namespace {name}")
        finally:
            os.close(fd)
        os.environ[NETNS_ENV] = name

    def close(self):
        subprocess.run(["ip", "netns", "delete", self.name], check=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mesos-root", default="")
    ap.add_argument("--module", default="")
    ap.add_argument("--companion", required=True)
    ap.add_argument("--foreign-mesos-root", default="",
                    help="another Mesos installation, of another version (the version_mismatch case)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("case", choices=sorted(CASES) + sorted(STANDALONE) + ["list"])
    opts = ap.parse_args()
    # The agent resolves paths from its own working directory.
    opts.module = os.path.abspath(opts.module) if opts.module else ""
    opts.companion = os.path.abspath(opts.companion)
    if opts.case == "list":
        print("\n".join(sorted(CASES) + sorted(STANDALONE)))
        return 0
    why = unavailable(opts)
    if why:
        print(f"SKIP: {why}")
        return SKIP
    check(os.geteuid() == 0, "the Mesos suite needs root (the agent launches containers as root)")
    if opts.case in STANDALONE:
        tmp = tempfile.mkdtemp(prefix=f"mj-mesos-{opts.case}-")
        try:
            print(f"PASS {opts.case}: {STANDALONE[opts.case](opts, tmp)}")
            return 0
        except Failure as e:
            print(f"FAIL {opts.case}: {e}")
            return 1
        finally:
            if not opts.keep:
                shutil.rmtree(tmp, ignore_errors=True)
    func, params, flags, wrapper, *extra = CASES[opts.case]
    needs, config_by_env, without_module = (extra + [None, False, False])[:3]
    netns = OwnNetworkNamespace(f"mje2e{os.getpid()}") if getattr(needs, "NEEDS_NETNS", False) else None
    tmp = tempfile.mkdtemp(prefix=f"mj-mesos-{opts.case}-")
    os.chmod(tmp, 0o755)
    started = time.monotonic()
    cluster = None
    helper = None
    try:
        if needs:
            helper = needs(tmp, opts)
            flags = (*flags, *helper.agent_flags())
        cluster = Cluster(opts, tmp, params, flags, wrapper, config_by_env, without_module,
                          helper if isinstance(helper, SystemdHost) else None)
        if isinstance(helper, Production):
            helper.namespace = cluster.journal.name
        what = func(cluster, tmp)
        # Every case: once its tasks have ended, no companion of the run is left.
        wait_for("the run's companions to finish after its tasks ended", lambda: not cluster.companions(), timeout=30)
        if isinstance(helper, Production):
            what += "; " + helper.check()
        print(f"PASS {opts.case}: {what} ({time.monotonic() - started:.1f} s)")
        return 0
    except (Failure, subprocess.TimeoutExpired) as e:
        print(f"FAIL {opts.case}: {e}")
        if cluster:
            print(cluster.logs())
        return 1
    finally:
        if cluster:
            cluster.close()
        if helper:
            helper.close()
        if netns:
            netns.close()
        if not opts.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
