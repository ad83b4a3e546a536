"""Entering the root: pivot_root, the no-pivot path (MS_MOVE + chroot), root propagation.

Propagation is checked against a shared tmpfs the test mounts (and removes) under its own
tmp dir: the container sees it through a bind mount, and the mountinfo tags of that bind
("shared:N" / "master:N" / none) show how the container's tree is connected to the host's.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from test_rootfs_harness import (
    MS_BIND,
    MS_PRIVATE,
    MS_REC,
    MS_SHARED,
    MS_SLAVE,
    at,
    make_config,
    mounts_of,
    standard_mounts,
    started,
)

from libcontainer.configs import Mount
from libcontainer.rootfs import mountinfo

pytestmark = pytest.mark.integration


def _host_mounts():
    return mountinfo.read()


def test_pivot_root_leaves_no_host_mounts(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs)
    with started(state_root, config, "cat /proc/self/mountinfo; ls /", tmp_path) as (pid, release):
        mounts = mounts_of(pid)
        real = os.path.realpath(rootfs)
        assert at(mounts, "/").root.endswith(real.split("/", 2)[-1])
        host_only = {m.mountpoint for m in _host_mounts()} - {"/", "/proc", "/sys", "/dev", "/dev/pts",
                                                               "/dev/shm", "/sys/fs/cgroup"}
        assert not host_only & {m.mountpoint for m in mounts}
        status, out = release()
    assert status.code == 0 and "bin" in out.split()
    inside = [mountinfo.parse_line(line).mountpoint for line in out.splitlines() if " - " in line]
    assert inside and inside[0] == "/"
    assert not any(mp.startswith(real) or mp.startswith("/mnt/sandboxing") for mp in inside)


def test_no_pivot_moves_and_chroots(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs, no_pivot_root=True)
    with started(state_root, config, "ls /; cat /proc/self/mountinfo", tmp_path) as (pid, release):
        # the init's root is the rootfs directory, reached by chroot into the moved mount
        assert os.stat(f"/proc/{pid}/root/bin/busybox").st_ino == os.stat(os.path.join(rootfs, "bin/busybox")).st_ino
        mounts = mounts_of(pid)
        assert at(mounts, "/proc").fstype == "proc"
        # the host's full procfs and sysfs were unmounted in the container's namespace
        assert [m.mountpoint for m in mounts if m.fstype == "proc" and m.root == "/"] == ["/proc"]
        status, out = release()
    assert status.code == 0, out
    assert "bin" in out.split()


@pytest.fixture
def shared_host_mount(tmp_path):
    """A tmpfs of the test's own, made shared on the host, removed afterwards."""
    where = tmp_path / "shared-src"
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "pyrunc-shared", str(where)], check=True)
    try:
        subprocess.run(["mount", "--make-shared", str(where)], check=True)
        yield where
    finally:
        subprocess.run(["umount", "-R", "-l", str(where)], check=False)


def _peer_group(path) -> str:
    m = at(_host_mounts(), str(path))
    return next(o for o in m.optional if o.startswith("shared:")).split(":")[1]


@pytest.mark.parametrize("prop,expect", [
    (0, "master"),  # default rslave
    (MS_SLAVE | MS_REC, "master"),
    (MS_SHARED | MS_REC, "shared"),
    (MS_PRIVATE | MS_REC, None),
])
def test_root_propagation(rootfs, state_root, tmp_path, shared_host_mount, no_leaks, prop, expect):
    group = _peer_group(shared_host_mount)
    config = make_config(rootfs, standard_mounts() + [
        Mount(source=str(shared_host_mount), destination="/mnt/shared", device="bind", flags=MS_BIND | MS_REC),
    ], root_propagation=prop)
    with started(state_root, config, "ls /mnt/shared", tmp_path) as (pid, release):
        tags = at(mounts_of(pid), "/mnt/shared").optional
        if expect is None:
            assert tags == []
        else:
            assert f"{expect}:{group}" in tags, tags
        if expect == "master":
            assert not any(t.startswith("shared:") for t in tags)
        # a mount made on the host afterwards reaches the container unless it is private
        late = shared_host_mount / "late"
        late.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "late", str(late)], check=True)
        try:
            seen = any(m.mountpoint == "/mnt/shared/late" for m in mounts_of(pid))
        finally:
            subprocess.run(["umount", str(late)], check=True)
        assert seen == (expect is not None)
        status, out = release()
    assert status.code == 0, out
    # the rootfs bind and the pivot never reached the host
    assert not any(m.mountpoint.startswith(os.path.realpath(rootfs)) for m in _host_mounts())
