"""The cgroupfs (v1) driver: path resolution on injected text, the devices emulator, and
the manager on the real hierarchies (placement, joining, cpuset inheritance, freeze while
tasks fork, destroy ownership).

Real tests work only inside a ``cgroup_sandbox`` (below this process's own cgroup in each
hierarchy), move only processes they started, and remove everything after.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import types

import pytest
from cgroup_sandbox import proc_cgroups, task_state, v1_sandbox

from libcontainer.cgroups.manager import FreezerState
from libcontainer.configs import Cgroup, DeviceRule, Resources
from libcontainer.errors import ConfigError

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


def test_separately_mounted_cpu_and_cpuacct():
    info = MOUNTINFO.replace(
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
    )
    got = paths.resolve(cg(path="/c1"), info, PROC_CGROUP.replace("2:cpu,cpuacct", "2:cpu"))
    assert got["cpu"] == "/sys/fs/cgroup/cpu/c1" and got["cpuacct"] == "/sys/fs/cgroup/cpuacct/c1"


def test_unified_and_unmounted_controllers_are_refused():
    m = manager_mod.FsManager(cg(path="/x"), {"devices": "/nonexistent/x", "": "/u"})
    assert m.get_paths() == {"devices": "/nonexistent/x"} and not m.exists()
    with pytest.raises(ConfigError, match="unified"):
        m.set(Resources(unified={"memory.max": "1"}))
    with pytest.raises(OSError, match="cannot set net_cls limit: container could not join or create cgroup"):
        m.set(Resources(net_cls_classid=0x100001, skip_devices=True))


# ---- the devices emulator (pure) --------------------------------------------------------

emu = pytest.importorskip("libcontainer_cgroupfs.devices_emulator")


def rule(kind, major, minor, perms, allow):
    return DeviceRule(type=kind, major=major, minor=minor, permissions=perms, allow=allow)


def writes(current_list, rules):
    return [(r.allow, r.cgroup_string()) for r in emu.from_list(current_list).transition(emu.from_rules(rules))]


def test_emulator_from_allow_all_denies_then_allows():
    got = writes("a *:* rwm\n", [rule("a", -1, -1, "rwm", False), rule("c", 1, 3, "rwm", True)])
    assert got == [(False, "a"), (True, "c 1:3 rwm")]


def test_emulator_update_never_widens():
    current = "c 1:3 rwm\nc 1:5 rwm\nc *:* m\n"
    target = [rule("a", -1, -1, "rwm", False), rule("c", 1, 3, "rwm", True), rule("c", 1, 5, "r", True),
              rule("c", -1, -1, "m", True), rule("b", 254, 0, "r", True)]
    got = writes(current, target)
    # only the differences: no "a" write, so there is no window at all
    assert got == [(False, "c 1:5 wm"), (True, "b 254:0 r")]
    assert writes(current, target[:1] + [rule("c", 1, 3, "rwm", True), rule("c", 1, 5, "rwm", True),
                                         rule("c", -1, -1, "m", True)]) == []


def test_emulator_refuses_hole_in_wildcard_and_bad_types():
    with pytest.raises(emu.EmulatorError, match="cannot punch hole"):
        emu.from_rules([rule("a", -1, -1, "rwm", False), rule("c", 1, -1, "rwm", True), rule("c", 1, 3, "r", False)])
    with pytest.raises(emu.EmulatorError, match="p is not a valid device type"):
        emu.from_rules([rule("p", 1, 1, "rwm", True)])
    # a blacklist: allow all, deny one; "a" in the list means allow-all
    e = emu.from_rules([rule("a", -1, -1, "rwm", True), rule("b", 8, 0, "w", False)])
    assert e.is_blacklist() and e.rules == {("b", 8, 0): frozenset("w")}


# ---- the manager on the real hierarchies ---------------------------------------------------



@pytest.fixture
def sandbox():
    with v1_sandbox("lc-mgr") as sb:
        yield sb


@pytest.fixture
def sleeper():
    procs = []

    def start():
        p = subprocess.Popen(["sleep", "60"])
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.kill()
        p.wait()


def _manager(cgroup):
    from libcontainer import plugins

    return plugins.cgroup_manager(cgroup, driver="cgroupfs")


@pytest.mark.integration
def test_apply_places_init_and_later_processes_everywhere(sandbox, sleeper):
    m = _manager(Cgroup(parent=sandbox.relative("pod"), name="c1", resources=Resources(skip_devices=True)))
    first, second = sleeper(), sleeper()
    try:
        m.apply(first.pid)
        m.apply(second.pid)  # an exec'd process joins the existing cgroups
        for pid in (first.pid, second.pid):
            seen = proc_cgroups(pid)
            for sub, (mountpoint, own) in sandbox.hierarchies.items():
                assert seen[sub] == os.path.join(own, sandbox.relative("pod", "c1")), sub
                assert m.path(sub) == os.path.join(mountpoint, own.lstrip("/"), sandbox.relative("pod", "c1"))
        assert sorted(m.get_pids()) == sorted([first.pid, second.pid])
        # cpuset: cpus/mems inherited level by level before the first task joined
        with open("/sys/fs/cgroup/cpuset/cpuset.cpus") as f:
            root_cpus = f.read()
        for level in (sandbox.dir("cpuset", "pod"), m.path("cpuset")):
            with open(os.path.join(level, "cpuset.cpus")) as f:
                assert f.read() == root_cpus
    finally:
        first.kill(), second.kill(), first.wait(), second.wait()
        m.destroy()
    assert not os.path.exists(m.path("memory")) and not os.path.exists(sandbox.dir("memory", "pod"))


@pytest.mark.integration
def test_destroy_spares_what_it_did_not_create(sandbox, sleeper):
    existing = {sub: sandbox.dir(sub, "mine") for sub in sandbox.hierarchies}
    for d in existing.values():
        os.mkdir(d)
    m = _manager(Cgroup(path=sandbox.relative("mine"), resources=Resources(skip_devices=True)))
    p = sleeper()
    m.apply(p.pid)
    p.kill(), p.wait()
    m.destroy()
    assert all(os.path.isdir(d) for d in existing.values())  # found, not made: kept
    # joining explicit paths: the pid goes in, nothing is configured, nothing removed
    joined = _manager(Cgroup(paths=dict(existing), resources=Resources(pids_limit=7, skip_devices=True)))
    q = sleeper()
    joined.apply(q.pid)
    joined.set(joined.get_cgroups().resources)
    assert proc_cgroups(q.pid)["pids"].endswith("/mine")
    with open(os.path.join(existing["pids"], "pids.max")) as f:
        assert f.read().strip() == "max"
    q.kill(), q.wait()
    joined.destroy()
    # rebuilt from state.json (paths persisted) it still knows the cgroups are not its own
    manager_mod.FsManager(joined.get_cgroups(), joined.get_paths()).destroy()
    assert all(os.path.isdir(d) for d in existing.values())
    for d in existing.values():
        os.rmdir(d)


FORKER = "import os, time\nwhile True:\n    pid = os.fork()\n    if pid == 0:\n        time.sleep(0.02); os._exit(0)\n    os.waitpid(pid, 0)\n"


@pytest.mark.integration
def test_freeze_waits_for_frozen_while_tasks_fork(sandbox):
    m = _manager(Cgroup(path=sandbox.relative("frz"), resources=Resources(skip_devices=True, pids_limit=64)))
    m.apply(-1)
    m.set(m.get_cgroups().resources)
    # processes that fork continuously, started inside the cgroup
    def join():  # in the child, before exec: every hierarchy, so kill_all reaches it
        for path in m.get_paths().values():
            with open(os.path.join(path, "cgroup.procs"), "w") as f:
                f.write("0")

    procs = []
    try:
        procs.extend(subprocess.Popen([sys.executable, "-c", FORKER], preexec_fn=join) for _ in range(3))
        time.sleep(0.3)
        for _ in range(5):
            m.freeze(FreezerState.FROZEN)
            assert m.get_freezer_state() is FreezerState.FROZEN
            pids = m.get_all_pids()
            assert pids and all(task_state(pid) == "D" for pid in pids), [(p, task_state(p)) for p in pids]
            count = len(pids)
            time.sleep(0.1)
            assert len(m.get_all_pids()) == count  # nothing forks while frozen
            m.freeze(FreezerState.THAWED)
            assert m.get_freezer_state() is FreezerState.THAWED
            time.sleep(0.05)
        assert any(task_state(pid) != "D" for pid in m.get_all_pids())
    finally:
        m.kill_all(9)
        for p in procs:
            p.kill()
            p.wait()
        m.destroy()
    assert not m.exists()


def _bookkeeping(m) -> tuple:
    return list(m._created), set(m._found)


@pytest.mark.integration
def test_begin_apply_makes_what_apply_makes_and_destroy_removes_it(sandbox, sleeper):
    """The directories made in the background (native/mkdirs.c) are recorded as apply's own
    would be -- parents first, a leaf that was there already not ours -- so that apply and
    destroy do the same with or without it."""
    existing = sandbox.dir("memory", "pre", "c2")
    os.makedirs(existing)  # one hierarchy where the leaf is there already
    outcomes = []
    for early in (False, True):
        m = _manager(Cgroup(parent=sandbox.relative("pre"), name="c2", resources=Resources(skip_devices=True)))
        settle = m.begin_apply() if early else None
        if early:
            assert settle is not None
            settle()  # what the runtime does before it clones
        p = sleeper()
        m.apply(p.pid)
        outcomes.append(_bookkeeping(m))
        assert all(proc_cgroups(p.pid)[sub].endswith(sandbox.relative("pre", "c2")) for sub in sandbox.hierarchies)
        p.kill(), p.wait()
        m.destroy()
        assert os.path.isdir(existing)  # found, not made: kept
        assert not os.path.exists(sandbox.dir("cpu", "pre"))
    assert outcomes[0] == outcomes[1]
    assert existing in outcomes[1][1]
    os.rmdir(existing), os.rmdir(os.path.dirname(existing))


def test_begin_apply_leaves_its_errors_to_apply(tmp_path):
    """A path the thread could not make: apply raises what it would have raised itself, and
    destroy removes what was made (on a plain directory tree: the bookkeeping is the same)."""
    blocker = tmp_path / "memory" / "pod"
    blocker.parent.mkdir()
    blocker.write_text("")  # a file where a parent directory should be
    paths = {"pids": str(tmp_path / "pids" / "pod" / "c3"), "memory": str(blocker / "c3")}
    m = manager_mod.FsManager(Cgroup(parent="pod", name="c3", resources=Resources(skip_devices=True)), paths)
    m.begin_apply()
    with pytest.raises(NotADirectoryError):
        m.apply(-1)
    assert os.path.isdir(paths["pids"])  # the other one was made, and is recorded as ours
    blocker.unlink()
    m.destroy()
    assert not (tmp_path / "pids" / "pod").exists()


@pytest.mark.integration
def test_a_begin_apply_never_settled_is_undone_by_destroy(sandbox):
    """A start that failed before apply: destroy waits for the thread, then removes what it made."""
    m = _manager(Cgroup(parent=sandbox.relative("f"), name="c4", resources=Resources(skip_devices=True)))
    m.begin_apply()
    m.destroy()
    assert not any(os.path.exists(sandbox.dir(sub, "f")) for sub in sandbox.hierarchies)
