"""The container lifecycle through the library API: exec, signal, pause/resume, set,
processes, status transitions, load from another process, locking and corrupt state.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from libcontainer import Factory, Process
from libcontainer.configs import Cgroup, Config, Mount, Namespace, Resources
from libcontainer.errors import (
    ContainerError,
    ContainerNotPaused,
    ContainerNotRunning,
    ContainerRunning,
    ContainerStartError,
)
from libcontainer.state import StateCorrupt, locked

pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")


def make_config(rootfs, cgroup_name=None, **kw) -> Config:
    cfg = Config(
        rootfs=rootfs,
        hostname="lc",
        namespaces=[Namespace(t) for t in NEW],
        mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)],
        **kw,
    )
    if cgroup_name:
        cfg.cgroups = Cgroup(path=cgroup_name, resources=Resources(skip_devices=True))
        cfg.cgroup_driver = "cgroupfs"
    return cfg


@pytest.fixture
def cgroup_name():
    """A relative cgroup path: nested under this process's own cgroup in each hierarchy."""
    name = f"pyrunc-lc-{os.getpid()}-{time.monotonic_ns()}"
    yield name
    leftovers = []
    for h in os.listdir("/sys/fs/cgroup"):
        base = f"/sys/fs/cgroup/{h}"
        own = _own_cgroup(h)
        if own is None:
            continue
        path = os.path.join(base + own, name)
        if os.path.isdir(path):
            leftovers.append(path)
            os.rmdir(path)
    assert not leftovers, f"cgroups leaked: {leftovers}"


def _own_cgroup(hierarchy: str):
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            names = ctrls.split(",") if ctrls else [""]
            if hierarchy in names or (hierarchy == "systemd" and "name=systemd" in names) \
                    or (hierarchy == "unified" and ctrls == ""):
                return path
            if hierarchy in ("cpu,cpuacct", "cpuacct,cpu") and "cpu" in names:
                return path
    return None


@pytest.fixture
def running(rootfs, state_root, no_leaks, cgroup_name):
    """A running container (init: sleep) in its own cgroups; destroyed afterwards."""
    factory = Factory(state_root)
    container = factory.create("lc1", make_config(rootfs, cgroup_name))
    init = Process(args=["/bin/sleep", "1000"])
    container.run(init)
    yield factory, container, init
    if str(container.status()) != "stopped":
        if str(container.status()) == "paused":
            container.resume()
        container.signal(signal.SIGKILL)
        init.wait()
    container.destroy()


def _read(path):
    with open(path) as f:
        return f.read()


@pytest.mark.parametrize("route", ["one fork, native", "one fork, python", "two-step"])
def test_exec_joins_every_namespace_and_returns_status(running, tmp_path, route, monkeypatch):
    """Both ways into the PID namespace (exec_process.py): the runtime's own setns for its
    child, undone after the fork, or the child's setns and a CLONE_PARENT clone. The one
    fork's child is native code (init/plan.py's compile_exec) unless that is turned off."""
    from libcontainer import exec_process, syscalls

    clones = []

    class Spy(syscalls.LinuxSyscalls):
        def clone_init(self, flags, cgroup_fd, plan, sync_fd, share_memory=False):
            clones.append(flags)
            return super().clone_init(flags, cgroup_fd, plan, sync_fd, share_memory)

    monkeypatch.setattr(syscalls, "_active", Spy())
    if route == "one fork, python":
        monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "0")
    if route == "two-step":
        monkeypatch.setattr(exec_process, "_enter_pidns", lambda config, init_pid: (False, None))
    _, container, init = running
    out = open(tmp_path / "exec.out", "w+")
    proc = Process(args=["/bin/sh", "-c", "echo $$; hostname; sleep 0.3; exit 3"], stdout=out, stderr=out)
    container.start(proc)
    # our children's PID namespace is ours again
    assert os.readlink("/proc/self/ns/pid_for_children") == os.readlink("/proc/self/ns/pid")
    with open(f"/proc/{proc.pid}/stat") as f:
        assert int(f.read().rsplit(")", 1)[1].split()[1]) == os.getpid()  # our child: wait() works
    for ns in ("mnt", "uts", "ipc", "pid", "net"):
        assert os.readlink(f"/proc/{proc.pid}/ns/{ns}") == os.readlink(f"/proc/{init.pid}/ns/{ns}"), ns
    assert proc.pid in container.processes() and init.pid in container.processes()
    # it is in the container's cgroups too
    assert _read(f"/proc/{proc.pid}/cgroup") == _read(f"/proc/{init.pid}/cgroup")
    # and in its root
    assert os.readlink(f"/proc/{proc.pid}/root") == "/"
    assert os.stat(f"/proc/{proc.pid}/root/bin/busybox").st_ino == os.stat(f"/proc/{init.pid}/root/bin/busybox").st_ino
    status = proc.wait()
    assert status.code == 3
    out.seek(0)
    pid_inside, hostname = out.read().split()
    assert int(pid_inside) > 1 and hostname == "lc"
    assert clones == ([0] if route == "one fork, native" else [])


def test_exec_missing_binary_is_an_error_and_leaves_nothing(running):
    _, container, _ = running
    before = container.processes()
    with pytest.raises(ContainerStartError, match="executable file not found"):
        container.start(Process(args=["nope-not-here"]))
    assert container.processes() == before


def test_pause_resume_through_the_freezer(running, cgroup_name):
    _, container, init = running
    container.pause()
    assert str(container.status()) == "paused"
    freezer = container.cgroup_manager.path("freezer")
    assert _read(os.path.join(freezer, "freezer.state")).strip() == "FROZEN"
    with pytest.raises(ContainerError):
        container.pause()
    container.resume()
    assert str(container.status()) == "running"
    assert _read(os.path.join(freezer, "freezer.state")).strip() == "THAWED"
    with pytest.raises(ContainerNotPaused):
        container.resume()


def test_set_updates_limits_and_saves_config(running, state_root):
    factory, container, _ = running
    cfg = make_config(container.config.rootfs, container.config.cgroups.path)
    cfg.cgroups.resources = Resources(pids_limit=42, skip_devices=True)
    container.set(cfg)
    assert _read(os.path.join(container.cgroup_manager.path("pids"), "pids.max")).strip() == "42"
    again = factory.load("lc1")
    assert again.config.cgroups.resources.pids_limit == 42


def test_signal_all_and_status_transitions(running):
    _, container, init = running
    helper = Process(args=["/bin/sleep", "1000"])
    container.start(helper)
    with pytest.raises(ContainerRunning):
        container.destroy()
    with pytest.raises(ContainerError):
        container.exec()  # start on a running container
    container.signal(signal.SIGKILL, all=True)
    assert helper.wait().signal == signal.SIGKILL
    assert init.wait().signal == signal.SIGKILL
    assert str(container.status()) == "stopped"
    with pytest.raises(ContainerNotRunning):
        container.signal(signal.SIGTERM)


LOADER = r"""
import os, sys
from libcontainer import Factory, Process
from libcontainer.configs.load import config_from_json
root, cid, cfg = sys.argv[1:4]
c = Factory(root).create(cid, config_from_json(cfg))
null = os.open(os.devnull, os.O_RDWR)
c.start(Process(args=["/bin/sleep", "1000"], stdin=null, stdout=null, stderr=null))
print(c.init_pid)
"""


def test_load_a_container_created_by_another_process(rootfs, state_root, no_leaks):
    from libcontainer.configs.load import config_to_json

    cfg = config_to_json(make_config(rootfs))
    r = subprocess.run([sys.executable, "-c", LOADER, state_root, "other", cfg],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    init_pid = int(r.stdout)
    factory = Factory(state_root)
    c = None
    assert factory.list() == ["other"]
    try:
        c = factory.load("other")
        assert c.init_pid == init_pid
        assert str(c.status()) == "created"
        assert c.config.hostname == "lc"
        c.exec()
        assert str(c.status()) == "running"
        c.signal(signal.SIGKILL)
        for _ in range(500):
            if str(c.status()) == "stopped":
                break
            time.sleep(0.01)
        assert str(c.status()) == "stopped"
    finally:
        try:
            os.kill(init_pid, signal.SIGKILL)  # not our child: nobody else would
        except ProcessLookupError:
            pass
        if c is not None:
            c.destroy()
        else:
            subprocess.run(["rm", "-rf", os.path.join(state_root, "other")])
    assert factory.list() == []


def test_destroy_in_created_state_kills_the_init(rootfs, state_root, no_leaks):
    factory = Factory(state_root)
    c = factory.create("cr", make_config(rootfs))
    c.start(Process(args=["/bin/true"]))
    pid = c.init_pid
    assert str(c.status()) == "created"
    c.destroy()
    assert not os.path.exists(f"/proc/{pid}/stat") or _read(f"/proc/{pid}/stat").split(")")[1].split()[0] == "Z"
    assert factory.list() == []


def test_corrupt_state_is_reported(state_root):
    d = os.path.join(state_root, "broken")
    os.mkdir(d)
    try:
        with open(os.path.join(d, "state.json"), "w") as f:
            f.write('{"id": "broken", "init_process_pid": 12')  # half-written
        with pytest.raises(StateCorrupt, match="corrupt state file"):
            Factory(state_root).load("broken")
    finally:
        for name in os.listdir(d):
            os.unlink(os.path.join(d, name))
        os.rmdir(d)


def test_calls_on_one_container_are_serialized(state_root):
    d = os.path.join(state_root, "locked")
    os.mkdir(d)
    try:
        with open(os.path.join(d, "state.json"), "w") as f:
            json.dump({"id": "locked", "config": {"rootfs": "/"}}, f)
        done = []
        with locked(d):
            t = threading.Thread(target=lambda: done.append(Factory(state_root).load("locked")))
            t.start()
            time.sleep(0.2)
            assert not done, "load went through while another call held the lock"
        t.join(5)
        assert done and done[0].id == "locked"
    finally:
        for name in os.listdir(d):
            os.unlink(os.path.join(d, name))
        os.rmdir(d)


def test_exec_with_a_terminal_gets_a_pty_of_the_container(rootfs, state_root, no_leaks):
    cfg = make_config(rootfs)
    cfg.mounts.append(Mount(source="devpts", destination="/dev/pts", device="devpts", flags=0xA,
                            data="newinstance,ptmxmode=0666,mode=0620"))
    factory = Factory(state_root)
    container = factory.create("tty", cfg)
    init = Process(args=["/bin/sleep", "1000"])
    proc = None
    try:
        container.run(init)
        proc = Process(args=["/bin/sh", "-c", "tty; exit 4"], terminal=True,
                       console_width=100, console_height=30)
        container.start(proc)
        assert proc.console_master is not None
        # from outside: stdin of the exec'd process is a pty slave (major 136)
        st = os.stat(f"/proc/{proc.pid}/fd/0")
        assert os.major(st.st_rdev) == 136
        data = b""
        while True:
            try:
                chunk = os.read(proc.console_master, 1024)
            except OSError:  # EIO once the slave side is closed
                break
            if not chunk:
                break
            data += chunk
        assert proc.wait().code == 4
        assert data.decode().strip().startswith("/dev/pts/")
    finally:
        if proc is not None and proc.console_master is not None:
            os.close(proc.console_master)
        container.signal(signal.SIGKILL)
        init.wait()
        container.destroy()
