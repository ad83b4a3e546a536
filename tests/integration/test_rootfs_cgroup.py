"""The ``cgroup`` mount at /sys/fs/cgroup.

On this kind of host (v1 or hybrid) runc builds it from a tmpfs and one entry per v1
hierarchy: a read-only bind of the container's *own* cgroup without a cgroup namespace, a
direct cgroup mount with one. The v2 code path is exercised by making the init believe the
host is unified (it is a clone of this process, so the patched function goes with it):
cgroup2 mounts fine on a hybrid host too.
"""

from __future__ import annotations

import pytest
from test_rootfs_harness import (
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_RELATIME,
    at,
    make_config,
    mounts_of,
    opts,
    run,
    standard_mounts,
    started,
)

from libcontainer.configs import Mount
from libcontainer.rootfs import cgroupmount, mountinfo

pytestmark = pytest.mark.integration
CGROUP = Mount(source="cgroup", destination="/sys/fs/cgroup", device="cgroup",
               flags=MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY)

needs_v1 = pytest.mark.skipif(cgroupmount.unified(), reason="host has a unified cgroup v2 hierarchy, no v1")


def _own_cgroups(pid) -> dict[str, str]:
    with open(f"/proc/{pid}/cgroup") as f:
        return cgroupmount.parse_proc_cgroup(f.read())


def _host_hierarchies():
    with open("/proc/self/cgroup") as f:
        own = cgroupmount.parse_proc_cgroup(f.read())
    return cgroupmount.v1_hierarchies(mountinfo.read(), own)


def test_hierarchies_and_comounted_controllers_are_found():
    text = ("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
            "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
            "33 31 0:30 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
            "34 31 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
            "35 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")
    own = cgroupmount.parse_proc_cgroup("3:name=systemd:/a\n2:memory:/outer/job\n1:cpu,cpuacct:/b\n0::/c\n")
    found = {h.name: (h.subsystems, h.source) for h in cgroupmount.v1_hierarchies(mountinfo.parse(text), own)}
    assert found == {
        "cpu,cpuacct": (["cpu", "cpuacct"], "/sys/fs/cgroup/cpu,cpuacct/b"),
        "memory": (["memory"], "/sys/fs/cgroup/memory/job"),
        "systemd": (["name=systemd"], "/sys/fs/cgroup/systemd/a"),
    }


@needs_v1
def test_v1_binds_own_cgroups_read_only(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs, standard_mounts() + [CGROUP])
    hierarchies = _host_hierarchies()
    assert hierarchies
    with started(state_root, config, "ls /sys/fs/cgroup; mkdir /sys/fs/cgroup/memory/x 2>&1; true", tmp_path) as (pid, release):
        ms = mounts_of(pid)
        own = _own_cgroups(pid)
        assert at(ms, "/sys/fs/cgroup").fstype == "tmpfs"
        for h in hierarchies:
            m = at(ms, f"/sys/fs/cgroup/{h.name}")
            assert m.fstype == "cgroup" and "ro" in opts(m)
            assert m.root == own[h.subsystems[0]], (h.name, m.root)  # the container's own cgroup
        status, out = release()
    assert status.code == 0, out
    names = out.split()
    assert all(h.name in names for h in hierarchies)
    assert "Read-only file system" in out


@needs_v1
def test_v1_with_cgroup_namespace_mounts_hierarchies(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs, standard_mounts() + [CGROUP],
                         namespaces=("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET", "NEWCGROUP"))
    with started(state_root, config, "cat /proc/self/cgroup; ls /sys/fs/cgroup", tmp_path) as (pid, release):
        ms = mounts_of(pid)
        for h in _host_hierarchies():
            m = at(ms, f"/sys/fs/cgroup/{h.name}")
            assert m.fstype == "cgroup" and "ro" in opts(m)
        status, out = release()
    assert status.code == 0, out


def test_unified_path_mounts_cgroup2(rootfs, state_root, tmp_path, no_leaks, monkeypatch):
    monkeypatch.setattr(cgroupmount, "unified", lambda: True)
    config = make_config(rootfs, standard_mounts() + [CGROUP],
                         namespaces=("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET", "NEWCGROUP"))
    status, out = run(state_root, config, "grep ' /sys/fs/cgroup ' /proc/self/mountinfo; ls /sys/fs/cgroup", tmp_path)
    assert status.code == 0, out
    line = out.splitlines()[0]
    assert " - cgroup2 " in line and " ro," in line
    assert "cgroup.procs" in out.split()
