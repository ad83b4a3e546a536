"""Read-only rootfs, read-only paths and masked paths (applied after the sysctls)."""

from __future__ import annotations

import os

import pytest
from test_rootfs_harness import (
    MS_RDONLY,
    at,
    make_config,
    mounts_of,
    opts,
    run,
    standard_mounts,
    started,
)

from libcontainer.configs import Mount
from libcontainer.errors import ContainerStartError

pytestmark = pytest.mark.integration


def test_readonly_rootfs_and_delayed_readonly_tmpfs(rootfs, state_root, tmp_path, no_leaks):
    mounts = standard_mounts()
    for m in mounts:
        if m.destination == "/dev":
            m.flags |= MS_RDONLY  # still filled with devices first, read-only at the end
    mounts.append(Mount(source="tmpfs", destination="/data", device="tmpfs", flags=MS_RDONLY))
    config = make_config(rootfs, mounts, readonlyfs=True)
    script = "touch /x 2>&1; touch /data/y 2>&1; touch /dev/z 2>&1; echo ok > /dev/null && echo null-ok"
    with started(state_root, config, script, tmp_path) as (pid, release):
        ms = mounts_of(pid)
        for where in ("/", "/data", "/dev"):
            assert "ro" in opts(at(ms, where)), where
        assert "rw" in opts(at(ms, "/dev/shm"))
        status, out = release()
    assert status.code == 0, out
    assert out.count("Read-only file system") == 3 and "null-ok" in out


def test_masked_and_readonly_paths(rootfs, state_root, tmp_path, no_leaks):
    os.makedirs(os.path.join(rootfs, "secret-dir"))
    with open(os.path.join(rootfs, "secret-dir", "inside"), "w") as f:
        f.write("hidden")
    with open(os.path.join(rootfs, "secret-file"), "w") as f:
        f.write("hidden")
    os.makedirs(os.path.join(rootfs, "ro-data"))
    config = make_config(
        rootfs,
        mask_paths=["/secret-dir", "/secret-file", "/proc/keys", "/sys/firmware", "/does/not/exist"],
        readonly_paths=["/proc/sys", "/ro-data", "/not/there"],
        sysctl={"net.ipv4.ip_forward": "1"},  # written before /proc/sys turns read-only
    )
    script = ("cat /secret-file | wc -c; ls /secret-dir | wc -l; cat /proc/sys/net/ipv4/ip_forward;"
              " echo 0 > /proc/sys/net/ipv4/ip_forward 2>&1; touch /ro-data/x 2>&1; touch /secret-dir/x 2>&1; true")
    with started(state_root, config, script, tmp_path) as (pid, release):
        ms = mounts_of(pid)
        secret_file = at(ms, "/secret-file")
        assert secret_file.fstype == "tmpfs" and secret_file.root == "/null"  # /dev/null of the /dev tmpfs
        secret_dir = at(ms, "/secret-dir")
        assert secret_dir.fstype == "tmpfs" and "ro" in opts(secret_dir)
        assert at(ms, "/proc/keys").root == "/null"
        assert at(ms, "/sys/firmware").fstype == "tmpfs"
        procsys = at(ms, "/proc/sys")
        assert procsys.fstype == "proc" and "ro" in opts(procsys)
        assert "ro" in opts(at(ms, "/ro-data"))
        status, out = release()
    assert status.code == 0, out
    lines = out.splitlines()
    assert lines[:3] == ["0", "0", "1"]
    assert out.count("Read-only file system") == 3


def test_mask_refuses_a_fake_dev_null(rootfs, state_root, tmp_path, no_leaks):
    """A container whose /dev/null is not the null device must not get it bound over a
    masked file (CVE-2025-31133): here it is a regular file in the image."""
    os.makedirs(os.path.join(rootfs, "dev"), exist_ok=True)
    with open(os.path.join(rootfs, "dev", "null"), "w") as f:
        f.write("not null")
    config = make_config(rootfs, [Mount(source="proc", destination="/proc", device="proc")], devices=[],
                         mask_paths=["/proc/keys"])
    with pytest.raises(ContainerStartError, match="not the null device"):
        run(state_root, config, "true", tmp_path)
    os.unlink(os.path.join(rootfs, "dev", "null"))
    os.symlink("/proc/sys/kernel/core_pattern", os.path.join(rootfs, "dev", "null"))
    with pytest.raises(ContainerStartError, match="can't mask path /proc/keys"):
        run(state_root, config, "true", tmp_path)
