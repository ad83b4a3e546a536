"""/dev: nodes made with mknod (mode, owner), bound from the host in a user namespace, the
standard symlinks, /dev/ptmx, and /dev/shm as the mounts configure it."""

from __future__ import annotations

import os
import stat

import pytest
from test_rootfs_harness import at, make_config, mounts_of, started

from libcontainer.configs import Device, IDMap
from libcontainer.specconv.devices import default_devices

pytestmark = pytest.mark.integration


def test_devices_are_made_with_mode_and_owner(rootfs, state_root, tmp_path, no_leaks):
    devices = [d for d in default_devices() if d.path] + [
        Device(type="c", major=1, minor=3, path="/dev/mynull", file_mode=0o640, uid=1000, gid=1001),
        Device(type="c", major=1, minor=5, path="/dev/sub/dir/zero", file_mode=0o600),
        Device(type="p", path="/dev/myfifo", file_mode=0o620),
    ]
    config = make_config(rootfs, devices=devices)
    script = ("echo hi > /dev/mynull && head -c 4 /dev/sub/dir/zero | wc -c; "
              " for l in /dev/fd /dev/stdin /dev/stdout /dev/stderr /dev/ptmx; do readlink $l; done")
    with started(state_root, config, script, tmp_path) as (pid, release):
        root = f"/proc/{pid}/root"
        st = os.lstat(f"{root}/dev/mynull")
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
        assert stat.S_IMODE(st.st_mode) == 0o640 and (st.st_uid, st.st_gid) == (1000, 1001)
        assert stat.S_ISCHR(os.lstat(f"{root}/dev/sub/dir/zero").st_mode)
        fifo = os.lstat(f"{root}/dev/myfifo")
        assert stat.S_ISFIFO(fifo.st_mode) and stat.S_IMODE(fifo.st_mode) == 0o620
        assert stat.S_IMODE(os.lstat(f"{root}/dev/null").st_mode) == 0o666
        assert os.readlink(f"{root}/dev/ptmx") == "pts/ptmx"
        # made by mknod, not bound: no mount at /dev/null
        assert not [m for m in mounts_of(pid) if m.mountpoint == "/dev/null"]
        assert os.path.exists(f"{root}/dev/core") == os.path.exists("/proc/kcore")
        status, out = release()
    assert status.code == 0, out
    lines = out.split("\n")
    assert lines[0].strip() == "4"
    assert lines[1:6] == ["/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2", "pts/ptmx"]


def test_devices_are_bind_mounted_in_a_user_namespace(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(
        rootfs, namespaces=("NEWUSER", "NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET"),
        uid_mappings=[IDMap(0, 0, 65536)], gid_mappings=[IDMap(0, 0, 65536)],
    )
    # sysfs needs a network namespace owned by the user namespace; keep the rest
    config.mounts = [m for m in config.mounts if m.device != "sysfs"]
    with started(state_root, config, "echo x > /dev/null && head -c 3 /dev/zero | wc -c", tmp_path) as (pid, release):
        mounts = mounts_of(pid)
        for node in ("/dev/null", "/dev/zero", "/dev/tty", "/dev/urandom"):
            m = at(mounts, node)
            assert m.root == node[len("/dev"):] and m.fstype == "devtmpfs", m  # the host's node, bound
        status, out = release()
    assert status.code == 0, out
    assert out.strip() == "3"


def test_dev_shm_as_configured(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs)
    with started(state_root, config, "echo x > /dev/shm/f && cat /dev/shm/f && stat -c %a /dev/shm", tmp_path) as (pid, release):
        shm = at(mounts_of(pid), "/dev/shm")
        assert shm.fstype == "tmpfs" and "size=65536k" in shm.super_options
        assert {"nosuid", "nodev", "noexec"} <= set(shm.options.split(","))
        status, out = release()
    assert status.code == 0 and out.split() == ["x", "1777"]


def test_no_dev_setup_when_dev_is_a_bind(rootfs, state_root, tmp_path, no_leaks):
    devdir = tmp_path / "devdir"
    devdir.mkdir()
    (devdir / "marker").write_text("m")
    config = make_config(rootfs)
    config.mounts = [m for m in config.mounts if not m.destination.startswith("/dev")]
    from libcontainer.configs import Mount
    config.mounts.append(Mount(source=str(devdir), destination="/dev", device="bind", flags=0x1000))
    with started(state_root, config, "ls /dev", tmp_path) as (pid, release):
        status, out = release()
    assert status.code == 0 and out.split() == ["marker"]
    assert os.listdir(devdir) == ["marker"]  # no nodes or symlinks were made in the host's dir
