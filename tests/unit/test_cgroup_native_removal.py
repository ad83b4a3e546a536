"""CgroupManager.native_removal: which backends let native/front_delete.c remove their
cgroups (the cgroupfs manager, for cgroups of its own), and what it is told to remove:
exactly what a manager rebuilt from state.json would remove in destroy()."""

from __future__ import annotations

from types import SimpleNamespace

from libcontainer.cgroups.manager import CgroupManager
from libcontainer_cgroupfs.manager import FsManager

PATHS = {
    "freezer": "/sys/fs/cgroup/freezer/pod/c",
    "cpu": "/sys/fs/cgroup/cpu,cpuacct/pod/c",
    "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/pod/c",
    "memory": "/sys/fs/cgroup/memory/pod/c",
    "": "/sys/fs/cgroup/unified/pod/c",
}


def test_the_cgroupfs_removal_is_its_rebuilt_destroy():
    m = FsManager(SimpleNamespace(paths=None), dict(PATHS))
    freezer, dirs = m.native_removal()
    assert freezer == PATHS["freezer"]
    # one entry per directory; the unified one is not the v1 manager's to remove
    assert dirs == [PATHS["freezer"], PATHS["cpu"], PATHS["memory"]]
    assert set(dirs) == set(FsManager(SimpleNamespace(paths=None), dict(PATHS)).paths.values())


def test_joined_cgroups_and_no_freezer_are_not_removed_natively():
    joined = FsManager(SimpleNamespace(paths={"freezer": PATHS["freezer"]}), dict(PATHS))
    assert joined.joined and joined.native_removal() is None
    no_freezer = FsManager(SimpleNamespace(paths=None), {k: v for k, v in PATHS.items() if k != "freezer"})
    assert no_freezer.native_removal() is None


def test_other_backends_keep_their_destroy():
    assert CgroupManager.native_removal(SimpleNamespace()) is None
