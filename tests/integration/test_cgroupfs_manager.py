"""The cgroupfs (v1) driver: path resolution on injected text, and the real thing.

The real test works only below this process's own cgroup in each hierarchy, in a directory
named after the test run, moves only a ``sleep`` it started, and removes everything after.
"""

from __future__ import annotations

import os
import subprocess
import types

import pytest

from libcontainer.cgroups.manager import FreezerState
from libcontainer.errors import ConfigError, NotBuiltError

paths = pytest.importorskip("libcontainer_cgroupfs.paths")
manager_mod = pytest.importorskip("libcontainer_cgroupfs.manager")

MOUNTINFO = """\
24 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 /outer /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
PROC_CGROUP = """\
5:devices:/user.slice
4:memory:/outer/job
3:cpuset:/
2:cpu,cpuacct:/user.slice
1:name=systemd:/user.slice/session-1.scope
0::/user.slice
"""


def cg(**kw):
    base = {"name": "", "parent": "", "path": "", "systemd": False, "resources": None}
    return types.SimpleNamespace(**{**base, **kw})


def test_absolute_path_goes_under_each_mountpoint():
    got = paths.resolve(cg(path="/runc/c1"), MOUNTINFO, PROC_CGROUP)
    assert got == {
        "cpuset": "/sys/fs/cgroup/cpuset/runc/c1",
        "devices": "/sys/fs/cgroup/devices/runc/c1",
        "memory": "/sys/fs/cgroup/memory/runc/c1",
        "cpu": "/sys/fs/cgroup/cpu,cpuacct/runc/c1",
        "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/runc/c1",
        "name=systemd": "/sys/fs/cgroup/systemd/runc/c1",
    }


def test_relative_path_nests_under_own_cgroup():
    got = paths.resolve(cg(parent="pod", name="c1"), MOUNTINFO, PROC_CGROUP)
    assert got["devices"] == "/sys/fs/cgroup/devices/user.slice/pod/c1"
    assert got["cpuset"] == "/sys/fs/cgroup/cpuset/pod/c1"
    assert got["memory"] == "/sys/fs/cgroup/memory/job/pod/c1"  # mount root /outer
    assert got["name=systemd"] == "/sys/fs/cgroup/systemd/user.slice/session-1.scope/pod/c1"


def test_paths_cannot_escape():
    got = paths.resolve(cg(path="../../../etc"), MOUNTINFO, PROC_CGROUP)
    assert got["devices"] == "/sys/fs/cgroup/devices/user.slice/etc"
    got = paths.resolve(cg(path="/a/../../b"), MOUNTINFO, PROC_CGROUP)
    assert got["devices"] == "/sys/fs/cgroup/devices/b"


def test_path_and_name_conflict_and_devices_required():
    with pytest.raises(ConfigError, match="either path or name"):
        paths.resolve(cg(path="/x", name="y"), MOUNTINFO, PROC_CGROUP)
    no_devices = "\n".join(ln for ln in MOUNTINFO.splitlines() if "devices" not in ln)
    with pytest.raises(ConfigError, match="devices"):
        paths.resolve(cg(path="/x"), no_devices, PROC_CGROUP)
    skip = cg(path="/x", resources=types.SimpleNamespace(skip_devices=True))
    assert "devices" not in paths.resolve(skip, no_devices, PROC_CGROUP)


def test_manager_from_persisted_paths_and_unhandled_resource():
    m = manager_mod.FsManager(cg(path="/x"), {"devices": "/nonexistent/x", "": "/u"})
    assert m.get_paths() == {"devices": "/nonexistent/x"} and not m.exists()
    with pytest.raises(NotBuiltError, match="resources.blkio_weight"):
        m.set(types.SimpleNamespace(blkio_weight=500, memory=0))
    with pytest.raises(NotBuiltError):
        m.get_stats()


def _v1_available() -> bool:
    try:
        with open("/proc/self/mountinfo") as f:
            mounts = paths.parse_mountinfo(f.read())
    except OSError:
        return False
    return os.geteuid() == 0 and {"pids", "freezer", "memory", "cpu", "devices"} <= set(mounts)


@pytest.mark.integration
@pytest.mark.skipif(not _v1_available(), reason="needs root and cgroup v1 hierarchies")
def test_real_cgroupfs_lifecycle():
    from libcontainer import plugins

    group = cg(parent=f"lc-pytest-{os.getpid()}", name="c1")
    manager = plugins.cgroup_manager(group, driver="cgroupfs")
    sleeper = subprocess.Popen(["sleep", "60"])
    created = manager.get_paths()
    try:
        manager.apply(sleeper.pid)
        assert manager.exists()
        assert manager.get_pids() == [sleeper.pid]
        assert sleeper.pid in manager.get_all_pids()
        if "cpuset" in created:
            assert open(os.path.join(created["cpuset"], "cpuset.cpus")).read().strip()
        resources = types.SimpleNamespace(
            pids_limit=42, memory=64 << 20, memory_swap=0, cpu_shares=512,
            cpu_period=100000, cpu_quota=50000, cpuset_cpus="", cpuset_mems="",
            devices=[], freezer="", skip_devices=False, blkio_weight=0,
        )
        manager.set(resources)
        read = lambda sub, f: open(os.path.join(created[sub], f)).read().strip()  # noqa: E731
        assert read("pids", "pids.max") == "42"
        assert read("memory", "memory.limit_in_bytes") == str(64 << 20)
        assert read("cpu", "cpu.shares") == "512"
        assert read("cpu", "cpu.cfs_quota_us") == "50000"
        manager.freeze(FreezerState.FROZEN)
        assert manager.get_freezer_state() is FreezerState.FROZEN
        manager.freeze(FreezerState.THAWED)
        assert manager.get_freezer_state() is FreezerState.THAWED
        with pytest.raises(NotBuiltError, match="blkio_weight"):
            manager.set(types.SimpleNamespace(blkio_weight=300))
    finally:
        sleeper.kill()
        sleeper.wait()
        manager.destroy()
    for path in created.values():
        assert not os.path.exists(path)
        assert not os.path.exists(os.path.dirname(path))  # the parent it made, too
