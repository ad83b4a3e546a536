"""A first real container: namespaces, pivot_root, /proc, hostname, exit status, cleanup.

Checked from outside (the init's /proc entries, our own mount table and process table) as
well as from inside (what the container prints).
"""

from __future__ import annotations

import os
import signal

import pytest

from libcontainer import Factory, Process
from libcontainer.configs import Config, Mount, Namespace
from libcontainer.errors import (
    ConfigError,
    ContainerExists,
    ContainerStartError,
    InvalidContainerID,
)

pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")


def make_config(rootfs, **kw) -> Config:
    kw.setdefault("hostname", "pyrunc-test")
    return Config(
        rootfs=rootfs,
        namespaces=[Namespace(t) for t in NEW],
        mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)],
        **kw,
    )


def run(factory, cid, config, args, tmp_path):
    out = open(tmp_path / f"{cid}.out", "w+")
    container = factory.create(cid, config)
    try:
        proc = Process(args=args, stdout=out, stderr=out)
        container.run(proc)
        status = proc.wait()
    finally:
        container.destroy()
    out.seek(0)
    return status, out.read()


def test_run_prints_hostname_pid_and_root(rootfs, state_root, tmp_path, no_leaks):
    status, out = run(Factory(state_root), "c1", make_config(rootfs), ["/bin/sh", "-c", "hostname; echo pid $$; ls /"], tmp_path)
    lines = out.split()
    assert status.code == 0 and status.signal is None
    assert lines[0] == "pyrunc-test"
    assert lines[1:3] == ["pid", "1"]
    assert "bin" in lines and "proc" in lines
    assert not os.path.exists(os.path.join(state_root, "c1"))


def test_namespaces_and_root_seen_from_outside(rootfs, state_root, tmp_path, no_leaks):
    factory = Factory(state_root)
    container = factory.create("c2", make_config(rootfs))
    proc = Process(args=["/bin/true"])
    try:
        container.start(proc)  # init now waits on the exec FIFO
        pid = container.init_pid
        assert str(container.status()) == "created"
        for name in ("mnt", "uts", "ipc", "pid", "net"):
            assert os.readlink(f"/proc/{pid}/ns/{name}") != os.readlink(f"/proc/self/ns/{name}"), name
        assert os.readlink(f"/proc/{pid}/ns/user") == os.readlink("/proc/self/ns/user")
        with open(f"/proc/{pid}/mountinfo") as f:
            mounts = [line.split() for line in f]
        root = [m for m in mounts if m[4] == "/"]
        assert root and root[0][3] == os.path.realpath(rootfs) or root[0][3].endswith("/rootfs")
        assert any(m[4] == "/proc" and "proc" in m for m in mounts)
        # the host's mounts are gone from the container's view after pivot_root
        assert not any(m[4].startswith(os.path.realpath(rootfs)) for m in mounts)
        with open(f"/proc/{pid}/status") as f:
            status_text = f.read()
        assert "NSpid:" in status_text and status_text.split("NSpid:")[1].split("\n")[0].split()[-1] == "1"
        container.exec()
        assert proc.wait().code == 0
        assert str(container.status()) == "stopped"
    finally:
        container.destroy()
    assert not os.path.exists(os.path.join(state_root, "c2"))


def test_exit_code_and_signal_returned(rootfs, state_root, tmp_path, no_leaks):
    factory = Factory(state_root)
    status, _ = run(factory, "c3", make_config(rootfs), ["/bin/sh", "-c", "exit 7"], tmp_path)
    assert status.code == 7 and status.exit_code == 7
    # PID 1 of a namespace ignores signals from inside: the kill comes from outside
    container = factory.create("c4", make_config(rootfs))
    try:
        proc = Process(args=["/bin/sleep", "100"])
        container.run(proc)
        assert str(container.status()) == "running"
        container.signal(signal.SIGKILL)
        status = proc.wait()
    finally:
        container.destroy()
    assert status.signal == signal.SIGKILL and status.exit_code == 137


def test_invalid_config_creates_nothing(tmp_path, state_root, no_leaks):
    factory = Factory(state_root)
    with pytest.raises(ConfigError) as e:
        factory.create("bad", make_config(str(tmp_path / "missing")))
    assert "rootfs" in str(e.value)
    assert os.listdir(state_root) == []


def test_hostname_without_uts_namespace_is_refused(rootfs, state_root, no_leaks):
    config = make_config(rootfs)
    config.namespaces = [n for n in config.namespaces if n.type != "NEWUTS"]
    with pytest.raises(ConfigError) as e:
        Factory(state_root).create("bad2", config)
    assert "hostname" in str(e.value)
    assert os.listdir(state_root) == []


def test_ids_checked(rootfs, state_root, no_leaks):
    factory = Factory(state_root)
    for bad in ("", "..", "a/b", "x y"):
        with pytest.raises(InvalidContainerID):
            factory.create(bad, make_config(rootfs))
    c = factory.create("dup", make_config(rootfs))
    try:
        with pytest.raises(ContainerExists, match="container with given ID already exists"):
            factory.create("dup", make_config(rootfs))
    finally:
        c.destroy()


def test_missing_binary_fails_create_and_leaves_nothing(rootfs, state_root, no_leaks):
    factory = Factory(state_root)
    c = factory.create("nobin", make_config(rootfs))
    try:
        with pytest.raises(ContainerStartError, match="executable file not found"):
            c.start(Process(args=["no-such-program"]))
        assert str(c.status()) == "stopped"
    finally:
        c.destroy()
    assert os.listdir(state_root) == []
