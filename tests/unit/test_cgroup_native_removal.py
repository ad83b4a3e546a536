"""CgroupManager.native_removal: which backends let native/front_delete.c remove their
cgroups (cgroupfs and fs2, for cgroups of their own), and what it is told to remove:
exactly what a manager rebuilt from state.json would remove in destroy(), with the file
that tells a paused container."""

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
    freeze_file, thawed, dirs = m.native_removal()
    assert (freeze_file, thawed) == (PATHS["freezer"] + "/freezer.state", "THAWED")
    # one entry per directory; the unified one is not the v1 manager's to remove
    assert dirs == [PATHS["freezer"], PATHS["cpu"], PATHS["memory"]]
    assert set(dirs) == set(FsManager(SimpleNamespace(paths=None), dict(PATHS)).paths.values())


def test_joined_cgroups_and_no_freezer_are_not_removed_natively():
    joined = FsManager(SimpleNamespace(paths={"freezer": PATHS["freezer"]}), dict(PATHS))
    assert joined.joined and joined.native_removal() is None
    no_freezer = FsManager(SimpleNamespace(paths=None), {k: v for k, v in PATHS.items() if k != "freezer"})
    assert no_freezer.native_removal() is None


def test_the_fs2_removal_is_its_own_cgroup():
    from libcontainer_fs2.manager import Fs2Manager

    m = Fs2Manager.__new__(Fs2Manager)  # the two attributes native_removal reads
    m.joined, m.dir_path = False, "/sys/fs/cgroup/pod/c"
    assert m.native_removal() == ("/sys/fs/cgroup/pod/c/cgroup.freeze", "0", ["/sys/fs/cgroup/pod/c"])
    m.joined = True
    assert m.native_removal() is None


def test_other_backends_keep_their_destroy():
    assert CgroupManager.native_removal(SimpleNamespace()) is None
