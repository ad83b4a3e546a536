"""Shared helpers for the rootfs tests (no tests here): configs, running, reading mountinfo.

Containers are checked from outside through /proc/<pid>/mountinfo while the init waits on
the exec FIFO (``started``), and from inside through what a short command prints (``run``).
"""

from __future__ import annotations

import contextlib
import uuid

from libcontainer import Factory, Process
from libcontainer.configs import Config, Mount, Namespace
from libcontainer.rootfs import mountinfo
from libcontainer.specconv.devices import default_devices

NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC = 0x20, 0x1000, 0x2000, 0x4000
MS_RELATIME, MS_STRICTATIME = 1 << 21, 1 << 24
MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED = 1 << 17, 1 << 18, 1 << 19, 1 << 20
MOUNT_ATTR_RDONLY = 0x1


def cid(prefix: str = "rfs") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def standard_mounts() -> list[Mount]:
    """The mounts of `runc spec`, minus the cgroup one (tests add it where they need it)."""
    return [
        Mount(source="proc", destination="/proc", device="proc"),
        Mount(source="tmpfs", destination="/dev", device="tmpfs", flags=MS_NOSUID | MS_STRICTATIME,
              data="mode=755,size=65536k"),
        Mount(source="devpts", destination="/dev/pts", device="devpts", flags=MS_NOSUID | MS_NOEXEC,
              data="newinstance,ptmxmode=0666,mode=0620,gid=5"),
        Mount(source="shm", destination="/dev/shm", device="tmpfs", flags=MS_NOSUID | MS_NOEXEC | MS_NODEV,
              data="mode=1777,size=65536k"),
        Mount(source="mqueue", destination="/dev/mqueue", device="mqueue", flags=MS_NOSUID | MS_NOEXEC | MS_NODEV),
        Mount(source="sysfs", destination="/sys", device="sysfs", flags=MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY),
    ]


def make_config(rootfs: str, mounts=None, *, namespaces=NEW, devices=None, **kw) -> Config:
    return Config(
        rootfs=rootfs,
        namespaces=[Namespace(t) for t in namespaces],
        mounts=standard_mounts() if mounts is None else mounts,
        devices=[d for d in default_devices() if d.path] if devices is None else devices,
        **kw,
    )


def run(state_root: str, config: Config, script: str, tmp_path, name: str | None = None):
    """Run ``sh -c script`` to completion; -> (ExitStatus, combined output)."""
    name = name or cid()
    out = open(tmp_path / f"{name}.out", "w+")
    container = Factory(state_root).create(name, config)
    try:
        proc = Process(args=["/bin/sh", "-c", script], stdout=out, stderr=out)
        container.run(proc)
        status = proc.wait()
    finally:
        container.destroy()
        out.seek(0)
        text = out.read()
        out.close()
    return status, text


@contextlib.contextmanager
def started(state_root: str, config: Config, script: str, tmp_path, name: str | None = None):
    """A created container whose init waits on the exec FIFO: inspect it from outside, then
    ``release()`` to run ``script``; yields (pid, release) where release -> (status, output)."""
    name = name or cid()
    out = open(tmp_path / f"{name}.out", "w+")
    container = Factory(state_root).create(name, config)
    proc = Process(args=["/bin/sh", "-c", script], stdout=out, stderr=out)
    try:
        container.start(proc)

        def release():
            container.exec()
            status = proc.wait()
            out.seek(0)
            return status, out.read()

        yield container.init_pid, release
    finally:
        container.destroy()
        out.close()


def mounts_of(pid: int) -> list[mountinfo.MountInfo]:
    return mountinfo.read(f"/proc/{pid}/mountinfo")


def at(mounts, mountpoint: str) -> mountinfo.MountInfo:
    """The topmost mount at ``mountpoint``."""
    found = [m for m in mounts if m.mountpoint == mountpoint]
    assert found, f"nothing mounted at {mountpoint}: {[m.mountpoint for m in mounts]}"
    return found[-1]


def opts(m: mountinfo.MountInfo) -> set[str]:
    return set(m.options.split(","))
