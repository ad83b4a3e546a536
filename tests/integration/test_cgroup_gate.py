"""The init builds its mounts while the parent moves it into its cgroups.

Only what needs the cgroups waits for "cgroups": the cgroup namespace, a cgroup mount, a
copy-up tmpfs, /dev's devices, the hooks and pivot_root. The order is checked on the mount
code itself, and on real containers from outside (the init's cgroups, the root of its cgroup
mounts as our cgroup namespace sees them) and inside (/proc/self/cgroup relative to the
container's cgroup namespace): had the namespace been unshared before the move, its root
would be the runtime's cgroup, and the container would see its own path in it.
"""

from __future__ import annotations

import posixpath

import pytest
from cgroup_sandbox import default_device_rules, proc_cgroups, v1_sandbox
from test_rootfs_harness import (
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    at,
    make_config,
    mounts_of,
    standard_mounts,
    started,
)

from libcontainer.configs import Cgroup, Mount, Resources
from libcontainer.configs.mount import EXT_COPYUP
from libcontainer.rootfs import cgroupmount, mounts

pytestmark = pytest.mark.integration
CGROUP = Mount(source="cgroup", destination="/sys/fs/cgroup", device="cgroup",
               flags=MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY)
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET", "NEWCGROUP")


@pytest.fixture
def sandbox():
    with v1_sandbox("lc-gate") as sb:
        yield sb


def _record(monkeypatch):
    calls = []
    for name in ("mount_special", "mount_tmpfs", "mount_bind", "mount_other"):
        monkeypatch.setattr(mounts, name, lambda ctx, m, name=name, **kw: calls.append(m.destination))
    monkeypatch.setattr(cgroupmount, "mount_cgroup", lambda ctx, m: calls.append(m.destination))
    return calls


@pytest.mark.parametrize("cgroup_mount", [
    Mount(source="cgroup", destination="/sys/fs/cgroup", device="cgroup"),
    Mount(source="cgroup2", destination="/sys/fs/cgroup", device="cgroup2"),
    Mount(source="tmpfs", destination="/sys/fs/cgroup", device="tmpfs", extensions=EXT_COPYUP),
])
def test_gate_runs_once_right_before_the_first_mount_that_needs_it(monkeypatch, cgroup_mount):
    calls = _record(monkeypatch)
    ctx = mounts.MountContext(-1, enter_cgroups=lambda: calls.append("GATE"))
    later = Mount(source="cgroup", destination="/later", device="cgroup")
    mounts.mount_all(ctx, standard_mounts() + [cgroup_mount, later])
    assert calls == [m.destination for m in standard_mounts()] + ["GATE", "/sys/fs/cgroup", "/later"]
    ctx.need_cgroups()  # rootfs.setup calls it after the mounts: no second wait
    assert calls.count("GATE") == 1


def test_gate_waits_for_the_end_without_a_cgroup_mount(monkeypatch):
    calls = _record(monkeypatch)
    ctx = mounts.MountContext(-1, enter_cgroups=lambda: calls.append("GATE"))
    mounts.mount_all(ctx, standard_mounts())
    assert "GATE" not in calls
    ctx.need_cgroups()
    assert calls[-1] == "GATE"


def _expected(sb, sub: str) -> str:
    return posixpath.join(sb.hierarchies[sub][1], sb.relative("c"))


@pytest.mark.parametrize("with_mount", [True, False], ids=["cgroup-mount", "no-cgroup-mount"])
def test_cgroup_namespace_is_rooted_at_the_container_cgroup(rootfs, state_root, tmp_path, sandbox, no_leaks, with_mount):
    config = make_config(rootfs, standard_mounts() + ([CGROUP] if with_mount else []), namespaces=NEW,
                         hostname="gate")
    config.cgroups = Cgroup(path=sandbox.relative("c"), resources=Resources(devices=default_device_rules()))
    config.cgroup_driver = "cgroupfs"
    subs = ("memory", "pids", "devices", "freezer")
    with started(state_root, config, "hostname; grep -E ':(memory|pids|devices|freezer):' /proc/self/cgroup", tmp_path) as (pid, release):
        outside = proc_cgroups(pid)
        for sub in subs:
            assert outside[sub] == _expected(sandbox, sub), (sub, outside)
        if with_mount:
            ms = mounts_of(pid)
            for sub in subs:
                m = at(ms, f"/sys/fs/cgroup/{sub}")
                # a hierarchy mounted in the cgroup namespace: its root, as our namespace
                # shows it, is the container's cgroup
                assert m.fstype == "cgroup" and m.root == _expected(sandbox, sub), (sub, m)
        status, out = release()
    assert status.code == 0, out
    lines = out.split()
    assert lines[0] == "gate"
    assert sorted(line.split(":", 2)[2] for line in lines[1:]) == ["/"] * len(subs), out
