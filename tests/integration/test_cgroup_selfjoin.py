"""On cgroup v1 the init, and a process entering with exec, move themselves into their cgroups.

A move by PID through ``cgroup.procs`` takes the kernel's global threadgroup lock and waits
an RCU grace period; a single-threaded process writing "0" to a ``tasks`` file does not
(init/cgroupjoin.py). Checked here: the runtime never moves these processes by PID (the
backend's ``apply`` only ever sees -1, "create the directories"), yet from outside every
one of them sits in every hierarchy's container cgroup -- for a plain init, an init in a
user namespace (whose root cannot open the host's cgroup files: the runtime's descriptors
carry the runtime's credentials), a staged init (a time namespace), and an exec'd process.
"""

from __future__ import annotations

import os
import posixpath
import time

import pytest
from cgroup_sandbox import default_device_rules, proc_cgroups, v1_sandbox
from test_namespaces_userns import user_config
from test_rootfs_harness import make_config, started

from libcontainer import Factory, Process
from libcontainer.configs import Cgroup, Resources
from libcontainer.init import cgroupjoin
from libcontainer_cgroupfs.manager import FsManager

pytestmark = pytest.mark.integration
SUBS = ("memory", "pids", "devices", "freezer", "cpu", "blkio")


@pytest.fixture
def sandbox():
    with v1_sandbox("lc-join") as sb:
        yield sb


@pytest.fixture
def moves(monkeypatch):
    """Every pid FsManager.apply was given (-1 = create only, never a move)."""
    seen: list[int] = []
    real = FsManager.apply

    def apply(self, pid):
        seen.append(pid)
        return real(self, pid)

    monkeypatch.setattr(FsManager, "apply", apply)
    return seen


def _expected(sb, sub: str, name: str) -> str:
    return posixpath.join(sb.hierarchies[sub][1], sb.relative(name))


def _check_inside(sb, pid: int, name: str) -> None:
    where = proc_cgroups(pid)
    for sub in SUBS:
        if sub in sb.hierarchies:
            assert where[sub] == _expected(sb, sub, name), (sub, where)


def _with_cgroup(config, sb, name: str):
    config.cgroups = Cgroup(path=sb.relative(name), resources=Resources(devices=default_device_rules()))
    config.cgroup_driver = "cgroupfs"
    return config


@pytest.mark.parametrize("kind", ["plain", "staged"])
def test_init_moves_itself(rootfs, state_root, tmp_path, sandbox, no_leaks, moves, kind):
    namespaces = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET", "NEWCGROUP")
    if kind == "staged":
        if not os.path.exists("/proc/self/ns/time"):
            pytest.skip("no time namespaces in this kernel")
        namespaces += ("NEWTIME",)
    config = _with_cgroup(make_config(rootfs, namespaces=namespaces), sandbox, "c")
    with started(state_root, config, "cat /proc/self/cgroup", tmp_path) as (pid, release):
        _check_inside(sandbox, pid, "c")
        status, out = release()
    assert status.code == 0, out
    assert moves and set(moves) == {-1}, moves  # created, never moved by PID


def test_user_namespaced_init_moves_itself(mapped_rootfs, state_root, tmp_path, sandbox, no_leaks, moves):
    config = _with_cgroup(user_config(mapped_rootfs), sandbox, "u")
    with started(state_root, config, "true", tmp_path) as (pid, release):
        _check_inside(sandbox, pid, "u")
        status, out = release()
    assert status.code == 0, out
    assert set(moves) == {-1}, moves


def test_exec_moves_itself(rootfs, state_root, tmp_path, sandbox, no_leaks, moves):
    config = _with_cgroup(make_config(rootfs), sandbox, "e")
    container = Factory(state_root).create("join-exec", config)
    out = open(tmp_path / "out", "w+")
    try:
        container.run(Process(args=["/bin/sleep", "60"], stdout=out, stderr=out))
        moves.clear()
        extra = Process(args=["/bin/sleep", "60"], init=False, stdout=out, stderr=out)
        container.start(extra)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # exec'd by now: its own cmdline, not ours
            with open(f"/proc/{extra.pid}/cmdline", "rb") as f:
                if f.read().startswith(b"/bin/sleep"):
                    break
            time.sleep(0.01)
        _check_inside(sandbox, extra.pid, "e")
        assert moves == [], moves  # not even a "create": the cgroup is there
        os.kill(extra.pid, 9)
        extra.wait()
        os.kill(container.init_pid, 9)
        container.init_process.wait()
    finally:
        container.destroy()
        out.close()


def test_join_writes_zero_and_closes(tmp_path):
    """The helper itself: "0" through each descriptor, each closed, nothing to do -> False."""
    paths = [tmp_path / "a", tmp_path / "b"]
    fds = [os.open(p, os.O_WRONLY | os.O_CREAT) for p in paths]
    assert cgroupjoin.join(fds) is True
    assert [p.read_bytes() for p in paths] == [b"0", b"0"]
    for fd in fds:
        with pytest.raises(OSError):
            os.fstat(fd)
    assert cgroupjoin.join([]) is False


@pytest.mark.parametrize("native", ["1", "0"])
def test_the_backends_thread_is_done_before_the_init_is_cloned(rootfs, state_root, tmp_path, sandbox, no_leaks,
                                                               monkeypatch, native):
    """begin_apply's directories (native/mkdirs.c) are made while the plan compiles, and the
    thread is joined before the clone: a fork-like clone copies no other thread, and a Python
    init that then changes its credentials through glibc (uid 1000 here) would wait for it
    forever (setresuid is made to reach every thread glibc knows of)."""
    from libcontainer import syscalls

    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", native)
    managers, at_clone = [], []
    real_begin = FsManager.begin_apply

    def begin(self):
        managers.append(self)
        return real_begin(self)

    monkeypatch.setattr(FsManager, "begin_apply", begin)
    for name in ("clone", "clone_init"):
        real = getattr(syscalls.LinuxSyscalls, name)

        def spy(self, *args, _real=real, **kw):
            at_clone.append([m._pending for m in managers])
            return _real(self, *args, **kw)

        monkeypatch.setattr(syscalls.LinuxSyscalls, name, spy)
    config = _with_cgroup(make_config(rootfs), sandbox, "t" + native)
    container = Factory(state_root).create("thread-" + native, config)
    out = open(tmp_path / "out", "w+")
    try:
        proc = Process(args=["/bin/sh", "-c", "id -u"], user="1000:1000", stdout=out, stderr=out)
        container.start(proc)  # a start that hangs here is the bug this test is about
        _check_inside(sandbox, container.init_pid, "t" + native)
        container.exec()
        status = proc.wait()
        out.seek(0)
        text = out.read()
    finally:
        container.destroy()
        out.close()
    assert status.code == 0 and text.strip() == "1000", text
    assert managers and at_clone and all(p is None for seen in at_clone for p in seen), at_clone
