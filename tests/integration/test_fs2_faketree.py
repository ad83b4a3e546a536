"""The fs2 manager's file writing, checked against a temporary fake cgroup2 tree.

This host's unified hierarchy has no memory/cpu/pids/io controllers (they are bound to v1),
so what the manager *writes* for each resource is checked here, on plain files that record
every write in order; the kernel's side of it runs in the QEMU guest (tests/vm/).
"""

from __future__ import annotations

import os
import select
import threading
import time

import pytest

from libcontainer.cgroups.manager import FreezerState
from libcontainer.configs import Cgroup, DeviceRule, Resources
from libcontainer.configs.cgroup import HugepageLimit, LinuxRdma, ThrottleDevice
from libcontainer.errors import ConfigError
from libcontainer_fs2 import convert, devicefilter, fscommon, paths
from libcontainer_fs2.manager import Fs2Manager

CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma misc"
LEAF_FILES = [
    "cgroup.procs", "cgroup.controllers", "cgroup.subtree_control", "cgroup.freeze", "cgroup.kill",
    "memory.max", "memory.low", "memory.swap.max", "memory.current", "pids.max", "cpu.max",
    "cpu.weight", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems", "io.weight", "io.max",
    "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "rdma.max", "memory.high",
]


class FakeTree:
    """A directory shaped like a cgroup2 mount; ``writes`` logs (relative file, value)."""

    def __init__(self, root, monkeypatch, leaf="lc/c1", own="/"):
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)
        self.writes: list[tuple[str, str]] = []
        self.mountinfo = f"30 20 0:26 / {self.root} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
        self.proc_cgroup = f"0::{own}\n"
        self.put("", "cgroup.controllers", CONTROLLERS)
        self.put("", "cgroup.subtree_control", "")
        self.leaf = os.path.join(self.root, leaf)
        for d in (os.path.dirname(self.leaf),):
            os.makedirs(d, exist_ok=True)
            self.put(os.path.relpath(d, self.root), "cgroup.controllers", CONTROLLERS)
            self.put(os.path.relpath(d, self.root), "cgroup.subtree_control", "")
        os.makedirs(self.leaf, exist_ok=True)
        for name in LEAF_FILES:
            self.put(leaf, name, "")
        self.put(leaf, "cgroup.controllers", CONTROLLERS)
        self.put(leaf, "cgroup.events", "populated 1\nfrozen 0\n")
        real = fscommon.write

        def recording(directory, name, value):
            self.writes.append((os.path.relpath(os.path.join(directory, name), self.root), str(value)))
            real(directory, name, value)

        monkeypatch.setattr(fscommon, "write", recording)

    def put(self, rel, name, text):
        with open(os.path.join(self.root, rel, name), "w") as f:
            f.write(text)

    def get(self, name):
        with open(os.path.join(self.leaf, name)) as f:
            return f.read()

    def manager(self, resources=None, path="/lc/c1"):
        resources = resources or Resources()
        resources.skip_devices = True  # the BPF side needs a real cgroup: test_fs2_unified_host.py
        return Fs2Manager(Cgroup(path=path, resources=resources), mountinfo=self.mountinfo, proc_cgroup=self.proc_cgroup)

    def leaf_writes(self):
        return [(n.rsplit("/", 1)[1], v) for n, v in self.writes if n.startswith("lc/c1/")]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    return FakeTree(tmp_path / "cg", monkeypatch)


# ---- paths ---------------------------------------------------------------------------------

HYBRID = (
    "25 22 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs ro\n"
    "26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
    "27 25 0:24 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
)
PURE = "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"


def test_paths_faketree():
    assert paths.unified_mount(HYBRID) == ("/sys/fs/cgroup/unified", "/")
    assert paths.unified_mount(PURE) == ("/sys/fs/cgroup", "/")
    # absolute: under the mount; relative: under the PARENT of the own cgroup (runc)
    assert paths.resolve(Cgroup(path="/a/b"), PURE, "0::/user.slice/s1\n") == ("/sys/fs/cgroup", "/sys/fs/cgroup/a/b")
    assert paths.resolve(Cgroup(path="a/b"), PURE, "0::/user.slice/s1\n")[1] == "/sys/fs/cgroup/user.slice/a/b"
    assert paths.resolve(Cgroup(parent="p", name="n"), HYBRID, "0::/\n")[1] == "/sys/fs/cgroup/unified/p/n"
    # ".." cannot climb out of the mount
    assert paths.resolve(Cgroup(path="/../../etc"), PURE, "0::/\n")[1] == "/sys/fs/cgroup/etc"
    # a cgroup namespace: the mount's root is a subtree, the own path is relative to it
    ns = "26 22 0:23 /ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
    assert paths.resolve(Cgroup(path="x"), ns, "0::/ctr/init\n")[1] == "/sys/fs/cgroup/x"
    with pytest.raises(ConfigError, match="either Path or Name and Parent"):
        paths.resolve(Cgroup(path="/a", name="n"), PURE, "0::/\n")
    with pytest.raises(OSError, match="no cgroup2"):
        paths.unified_mount("27 25 0:24 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n")


def test_plugin_selected_by_name():
    from libcontainer import plugins

    manager = plugins.cgroup_manager(Cgroup(path="/lc-fs2-probe/c1"), driver="fs2")
    assert isinstance(manager, Fs2Manager) and manager.driver == "fs2"
    assert manager.get_paths() == {"": manager.dir_path} and manager.dir_path.endswith("/lc-fs2-probe/c1")
    assert not os.path.exists(manager.dir_path)  # building a manager creates nothing


# ---- conversions ---------------------------------------------------------------------------

def test_conversions_are_runcs():
    assert [convert.cpu_shares_to_weight(s) for s in (0, 2, 1024, 262144)] == [0, 1, 39, 10000]
    assert [convert.blkio_weight_to_io_weight(w) for w in (0, 10, 500, 1000)] == [0, 1, 4950, 10000]
    swap = convert.memory_swap_to_v2
    assert swap(0, -1) == -1  # unlimited memory, swap unset: both unlimited
    assert swap(-1, 100) == -1 and swap(0, 100) == 0
    assert swap(300, 100) == 200 and swap(100, 100) == 0
    with pytest.raises(ConfigError, match="memory\\+swap limit should be >= memory limit"):
        swap(50, 100)
    with pytest.raises(ConfigError, match="unable to set swap limit without memory limit"):
        swap(100, 0)
    with pytest.raises(ConfigError, match="cpu_shares"):
        convert.cpu_shares_to_weight(1)
    assert [convert.limit_to_str(v) for v in (0, -1, -5, 7)] == ["", "max", "max", "7"]


# ---- set: every resource --------------------------------------------------------------------

def test_set_memory_faketree(tree):
    m = tree.manager()
    m.set(Resources(memory=64 << 20, memory_swap=128 << 20, memory_reservation=32 << 20))
    assert tree.leaf_writes() == [
        ("memory.swap.max", str(64 << 20)), ("memory.max", str(64 << 20)), ("memory.low", str(32 << 20)),
    ]
    tree.writes.clear()
    m.set(Resources(memory=64 << 20, memory_swap=64 << 20))  # equal: no swap at all
    assert ("memory.swap.max", "0") in tree.leaf_writes()
    tree.writes.clear()
    m.set(Resources(memory=64 << 20, memory_swap=-1))
    assert tree.get("memory.swap.max") == "max" and tree.get("memory.max") == str(64 << 20)
    tree.writes.clear()
    m.set(Resources(memory=-1))
    assert tree.leaf_writes() == [("memory.swap.max", "max"), ("memory.max", "max")]


def test_bad_swap_writes_nothing_faketree(tree):
    m = tree.manager()
    with pytest.raises(ConfigError) as info:
        m.set(Resources(memory=64 << 20, memory_swap=32 << 20, pids_limit=10))
    assert info.value.field == "cgroups.resources.memory_swap" and info.value.value == 32 << 20
    assert tree.writes == []  # validated before the first write, pids included


def test_memory_check_before_update_faketree(tree):
    tree.put("lc/c1", "memory.current", "1000000")
    with pytest.raises(ConfigError, match="below current usage 1000000"):
        tree.manager().set(Resources(memory=500000, memory_check_before_update=True))


def test_set_cpu_faketree(tree):
    m = tree.manager()
    m.set(Resources(cpu_shares=1024, cpu_quota=50000, cpu_period=200000, cpu_burst=1000, cpu_idle=0))
    assert tree.leaf_writes() == [
        ("cpu.idle", "0"), ("cpu.weight", "39"), ("cpu.max.burst", "1000"), ("cpu.max", "50000 200000"),
    ]
    tree.writes.clear()
    m.set(Resources(cpu_quota=-1))
    assert tree.leaf_writes() == [("cpu.max", "max 100000")]
    tree.writes.clear()
    m.set(Resources(cpu_weight=500, cpu_shares=1024))  # an explicit weight wins over shares
    assert tree.leaf_writes() == [("cpu.weight", "500")]
    for bad, field in ((Resources(cpu_rt_runtime=950000), "cpu_rt_runtime"), (Resources(cpu_period=10), "cpu_period"),
                       (Resources(cpu_weight=20000), "cpu_weight"), (Resources(cpu_idle=2), "cpu_idle")):
        with pytest.raises(ConfigError) as info:
            m.set(bad)
        assert info.value.field == f"cgroups.resources.{field}"


def test_set_pids_cpuset_io_hugetlb_rdma_faketree(tree):
    m = tree.manager()
    m.set(Resources(pids_limit=-1))
    assert tree.leaf_writes() == [("pids.max", "max")]
    tree.writes.clear()
    m.set(Resources(pids_limit=0))  # 0 and None leave the limit alone
    m.set(Resources(pids_limit=None))
    assert tree.leaf_writes() == []
    r = Resources(
        pids_limit=20, cpuset_cpus="0-1", cpuset_mems="0", blkio_weight=500,
        blkio_throttle_read_bps_device=[ThrottleDevice(8, 0, 1048576)],
        blkio_throttle_write_iops_device=[ThrottleDevice(8, 16, 100)],
        hugetlb_limit=[HugepageLimit("2MB", 4 << 21)],
        rdma={"mlx5_0": LinuxRdma(hca_handles=3, hca_objects=None)},
    )
    from libcontainer_fs2 import hugetlb

    if "2MB" not in hugetlb.page_sizes():
        r.hugetlb_limit = []
    m.set(r)
    expected = [
        ("pids.max", "20"), ("io.weight", "4950"), ("io.max", "8:0 rbps=1048576"), ("io.max", "8:16 wiops=100"),
        ("cpuset.cpus", "0-1"), ("cpuset.mems", "0"),
    ]
    if r.hugetlb_limit:
        expected += [("hugetlb.2MB.max", str(4 << 21)), ("hugetlb.2MB.rsvd.max", str(4 << 21))]
    expected += [("rdma.max", "mlx5_0 hca_handle=3")]
    assert tree.leaf_writes() == expected
    # with BFQ the v1 weight goes there verbatim
    tree.put("lc/c1", "io.bfq.weight", "default 100\n")
    tree.writes.clear()
    m.set(Resources(blkio_weight=500))
    assert tree.leaf_writes() == [("io.bfq.weight", "500")]
    with pytest.raises(ConfigError, match="huge page size"):
        m.set(Resources(hugetlb_limit=[HugepageLimit("3MB", 1)]))
    with pytest.raises(ConfigError, match="blkio_weight"):
        m.set(Resources(blkio_weight=5))


def test_unified_verbatim_and_collisions_faketree(tree):
    m = tree.manager()
    m.set(Resources(memory=1 << 30, unified={"memory.high": "536870912", "cgroup.freeze": "0"}))
    assert tree.leaf_writes()[-2:] == [("memory.high", "536870912"), ("cgroup.freeze", "0")]
    tree.writes.clear()
    with pytest.raises(ConfigError) as info:
        m.set(Resources(memory=1 << 30, unified={"memory.max": "2G"}))
    assert "collides with the typed field cgroups.resources.memory" in str(info.value)
    assert info.value.field == "cgroups.resources.unified['memory.max']"
    for key in ("memory/max", "nodot", "cgroup.procs"):
        with pytest.raises(ConfigError):
            m.set(Resources(unified={key: "1"}))
    with pytest.raises(ConfigError, match="collides.*pids_limit"):
        m.set(Resources(pids_limit=5, unified={"pids.max": "6"}))
    assert tree.writes == []
    # a controller the cgroup lacks is named when its file is missing
    with pytest.raises(ConfigError, match="controller 'misc' not available|'misc' is not available"):
        tree.put("lc/c1", "cgroup.controllers", "memory")
        m.set(Resources(unified={"misc.max": "x 1"}))


def test_controllers_enabled_along_path_faketree(tree):
    m = tree.manager(Resources(memory=1 << 20, pids_limit=5))
    m.apply(-1)
    enabled = [(n, v) for n, v in tree.writes if n.endswith("cgroup.subtree_control")]
    assert enabled == [
        ("cgroup.subtree_control", "+memory"), ("lc/cgroup.subtree_control", "+memory"),
        ("cgroup.subtree_control", "+pids"), ("lc/cgroup.subtree_control", "+pids"),
    ]
    # already enabled: nothing written again
    tree.put("", "cgroup.subtree_control", "memory pids")
    tree.put("lc", "cgroup.subtree_control", "memory pids")
    tree.writes.clear()
    m.set(Resources(memory=2 << 20))
    assert not [w for w in tree.writes if w[0].endswith("subtree_control")]


def test_missing_controller_is_refused_clearly_faketree(tree):
    tree.put("lc", "cgroup.controllers", "memory")  # the parent does not offer pids
    tree.put("", "cgroup.subtree_control", "memory pids")
    m = tree.manager(Resources(pids_limit=5))
    with pytest.raises(ConfigError) as info:
        m.apply(-1)
    text = str(info.value)
    assert "'pids' is not available in" in text and text.startswith("cgroups.resources.pids_limit")
    assert not [w for w in tree.leaf_writes() if w[0] == "pids.max"]


def test_apply_creates_and_destroy_removes_faketree(tmp_path, monkeypatch):
    tree = FakeTree(tmp_path / "cg", monkeypatch, leaf="lc/c1")
    m = tree.manager(path="/new/deeper/c9")
    m.apply(-1)
    assert os.path.isdir(os.path.join(tree.root, "new/deeper/c9"))
    assert m.exists()
    m.destroy()
    assert not os.path.exists(os.path.join(tree.root, "new"))
    with pytest.raises(ConfigError):  # bad input: no directory is made
        tree.manager(Resources(memory=10, memory_swap=5), path="/bad/c").apply(-1)
    assert not os.path.exists(os.path.join(tree.root, "bad"))


def test_prepare_clone_creates_then_apply_only_enters_faketree(tmp_path, monkeypatch):
    tree = FakeTree(tmp_path / "cg", monkeypatch, leaf="lc/c1")
    m = tree.manager(Resources(pids_limit=5), path="/lc/c8")
    leaf = os.path.join(tree.root, "lc/c8")
    fd = m.prepare_clone()
    try:  # the leaf exists, pids is enabled along the path, and the fd is an O_PATH one on it
        assert os.readlink(f"/proc/self/fd/{fd}") == leaf
        assert os.stat(fd).st_ino == os.stat(leaf).st_ino
        flags = int(open(f"/proc/self/fdinfo/{fd}").read().split("flags:")[1].split()[0], 8)
        assert flags & os.O_PATH and flags & os.O_CLOEXEC
    finally:
        os.close(fd)
    assert ("lc/cgroup.subtree_control", "+pids") in tree.writes
    tree.writes.clear()
    open(os.path.join(leaf, "cgroup.procs"), "w").close()
    m.apply(4321)  # the init is already there: only cgroup.procs is written, nothing re-made
    assert tree.writes == [("lc/c8/cgroup.procs", "4321")]
    os.unlink(os.path.join(leaf, "cgroup.procs"))  # a real cgroup's files go with the rmdir
    m.destroy()
    assert not os.path.exists(leaf) and os.path.isdir(os.path.join(tree.root, "lc"))
    with pytest.raises(ConfigError):  # bad input is refused before the clone, nothing made
        tree.manager(Resources(memory=10, memory_swap=5), path="/bad/c").prepare_clone()
    assert not os.path.exists(os.path.join(tree.root, "bad"))


def test_prepare_clone_default_is_none():
    from libcontainer.cgroups.manager import CgroupManager

    assert CgroupManager.prepare_clone(object()) is None  # v1/systemd: clone, then apply


# ---- freezer, kill ----------------------------------------------------------------------------

def test_freeze_waits_for_events_faketree(tree):
    tree.put("lc/c1", "cgroup.freeze", "0\n")
    m = tree.manager()
    assert m.get_freezer_state() == FreezerState.THAWED

    def kernel():  # the "kernel" reports frozen a little later
        time.sleep(0.2)
        tree.put("lc/c1", "cgroup.events", "populated 1\nfrozen 1\n")

    t = threading.Thread(target=kernel)
    t.start()
    started = time.monotonic()
    m.freeze(FreezerState.FROZEN)
    t.join()
    assert time.monotonic() - started >= 0.15
    assert tree.get("cgroup.freeze") == "1" and m.get_freezer_state() == FreezerState.FROZEN
    m.freeze(FreezerState.THAWED)
    assert tree.get("cgroup.freeze") == "0" and m.get_freezer_state() == FreezerState.THAWED


def test_kill_uses_cgroup_kill_faketree(tree):
    tree.manager().kill_all(9)
    assert tree.leaf_writes() == [("cgroup.kill", "1")]


# ---- stats ------------------------------------------------------------------------------------

def test_stats_mapping_faketree(tree):
    put = lambda n, t: tree.put("lc/c1", n, t)  # noqa: E731
    put("cpu.stat", "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\nnr_throttled 2\nthrottled_usec 7\nnr_bursts 1\nburst_usec 3\n")
    put("memory.stat", "anon 4096\nfile 8192\n")
    put("memory.current", "12288\n")
    put("memory.max", "max\n")
    put("memory.peak", "20000\n")
    put("memory.swap.current", "100\n")
    put("memory.swap.max", "1000\n")
    put("memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n")
    put("pids.current", "3\n")
    put("pids.max", "max\n")
    put("io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n")
    put("cpu.pressure", "some avg10=1.50 avg60=0.00 avg300=0.00 total=42\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n")
    put("hugetlb.2MB.current", "0\n")
    put("hugetlb.2MB.events", "max 3\n")
    st = tree.manager().get_stats()
    c = st.cpu_stats
    assert (c.cpu_usage.total_usage, c.cpu_usage.usage_in_usermode, c.cpu_usage.usage_in_kernelmode) == (100000, 60000, 40000)
    assert (c.throttling_data.periods, c.throttling_data.throttled_periods, c.throttling_data.throttled_time) == (5, 2, 7000)
    assert (c.burst_data.bursts_periods, c.burst_data.burst_time) == (1, 3000)
    assert c.psi.some.avg10 == 1.5 and c.psi.some.total == 42 and c.psi.full.total == 7
    mem = st.memory_stats
    assert mem.cache == 8192 and mem.stats["anon"] == 4096 and mem.use_hierarchy
    assert (mem.usage.usage, mem.usage.limit, mem.usage.max_usage, mem.usage.failcnt) == (12288, fscommon.MAX_UINT64, 20000, 4)
    assert (mem.swap_only_usage.usage, mem.swap_only_usage.limit) == (100, 1000)
    assert mem.swap_usage.usage == 12388 and mem.swap_usage.limit == fscommon.MAX_UINT64 and mem.swap_usage.max_usage == 0
    assert (st.pids_stats.current, st.pids_stats.limit) == (3, 0)
    sb = {(e.op, e.value) for e in st.blkio_stats.io_service_bytes_recursive}
    assert {("Read", 10), ("Write", 20)} <= sb
    assert {(e.major, e.minor, e.op, e.value) for e in st.blkio_stats.io_serviced_recursive} >= {(8, 0, "Read", 1), (8, 0, "Write", 2)}
    from libcontainer_fs2 import hugetlb

    if "2MB" in hugetlb.page_sizes():
        assert st.hugetlb_stats["2MB"].failcnt == 3
    assert st.memory_stats.psi is None  # no memory.pressure file: no PSI, not an error
    assert tree.manager().oom_kill_count() == 1
    assert st.to_dict()["pids_stats"]["current"] == 3


def test_oom_notifier_inotify_faketree(tree):
    tree.put("lc/c1", "memory.events", "oom 0\noom_kill 0\n")
    m = tree.manager()
    with m.notify_oom() as ev:
        assert ev.wait(0.1) == 0 and not ev.closed
        tree.put("lc/c1", "memory.events", "oom 1\noom_kill 2\n")
        assert select.select([ev], [], [], 2)[0]
        assert ev.wait(1) == 2
        tree.put("lc/c1", "memory.events", "oom 1\nhigh 5\noom_kill 2\n")  # another counter moved
        assert ev.wait(0.3) == 0 and not ev.closed
        tree.put("lc/c1", "cgroup.events", "populated 0\nfrozen 0\n")  # the cgroup emptied: the end
        assert ev.wait(2) == 0 and ev.closed


# ---- device rules ----------------------------------------------------------------------------

def rule(t, major, minor, perms, allow):
    return DeviceRule(type=t, major=major, minor=minor, permissions=perms, allow=allow)


def test_device_rules_normalised():
    rs = devicefilter.normalise([rule("a", -1, -1, "rwm", False), rule("c", 1, 3, "rwm", True), rule("c", 1, 5, "r", True)])
    assert not rs.default_allow and rs.exceptions == {("c", 1, 3): 7, ("c", 1, 5): 2}
    # an "a" rule resets: allow-all, then deny block devices entirely
    rs = devicefilter.normalise([rule("c", 1, 3, "rwm", True), rule("a", -1, -1, "rwm", True), rule("b", -1, -1, "rwm", False)])
    assert rs.default_allow and rs.exceptions == {("b", -1, -1): 7}
    # removing part of an exception keeps the rest
    rs = devicefilter.normalise([rule("c", 1, 3, "rwm", True), rule("c", 1, 3, "w", False)])
    assert rs.exceptions == {("c", 1, 3): 3}
    with pytest.raises(ConfigError, match="punch a hole"):
        devicefilter.normalise([rule("c", -1, -1, "rwm", True), rule("c", 1, 3, "w", False)])
    with pytest.raises(ConfigError, match="non-cgroup type"):
        devicefilter.normalise([rule("p", 1, 3, "rwm", True)])
    # empty list: default deny, a 2-instruction tail after the 6-instruction prologue
    assert len(devicefilter.compile_rules([])) == 8 * 8
