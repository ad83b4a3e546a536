"""`runc spec`'s example config, converted with specconv, runs end to end.

It is the config most people start from, and exercises nearly everything the rootfs does:
a read-only root, proc, a tmpfs /dev with devices and symlinks, a devpts instance, /dev/shm,
mqueue, a read-only sysfs, the cgroup mount, masked and read-only paths.
"""

from __future__ import annotations

import os

import pytest
from test_rootfs_harness import at, cid, mounts_of, opts, started

from libcontainer import specconv

pytestmark = pytest.mark.integration


def test_example_spec_runs(rootfs, state_root, tmp_path, no_leaks):
    spec = specconv.example_spec()
    spec["root"]["path"] = rootfs
    spec["process"]["terminal"] = False
    name = cid("example")
    config = specconv.create_config(spec, container_id=name, bundle=str(tmp_path))
    config.cgroups = None  # the rootfs is what is under test; no cgroup backend needed
    script = ("touch /x 2>&1; cat /proc/keys | wc -c; echo hi > /proc/sys/kernel/hostname 2>&1;"
              " ls /sys/fs/cgroup; ls -l /dev/ptmx /dev/fd; ls /dev; stat -c %a /dev/null; hostname")
    with started(state_root, config, script, tmp_path, name) as (pid, release):
        mounts = mounts_of(pid)
        assert "ro" in opts(at(mounts, "/"))
        assert at(mounts, "/proc").fstype == "proc"
        assert at(mounts, "/dev").fstype == "tmpfs"
        pts = at(mounts, "/dev/pts")
        assert pts.fstype == "devpts" and "ptmxmode=666" in pts.super_options
        assert at(mounts, "/dev/shm").fstype == "tmpfs"
        assert at(mounts, "/dev/mqueue").fstype == "mqueue"
        sysfs = at(mounts, "/sys")
        assert sysfs.fstype == "sysfs" and "ro" in opts(sysfs)
        assert at(mounts, "/sys/fs/cgroup").fstype in ("tmpfs", "cgroup2")
        assert at(mounts, "/proc/keys").fstype == "tmpfs"  # /dev/null from the /dev tmpfs
        assert "ro" in opts(at(mounts, "/proc/sys"))
        assert at(mounts, "/sys/firmware").fstype == "tmpfs"
        status, out = release()
    assert status.code == 0, out
    assert "Read-only file system" in out  # touch /x and the /proc/sys write both refused
    lines = out.splitlines()
    assert "0" in lines  # the masked /proc/keys reads as empty
    assert ("core" in lines) == os.path.exists("/proc/kcore")  # /dev/core only with a kcore
    assert "/dev/ptmx -> pts/ptmx" in out and "/dev/fd -> /proc/self/fd" in out
    assert "666" in lines and lines[-1] == "runc"
    if os.path.exists("/sys/fs/cgroup/memory"):
        assert "memory" in out
