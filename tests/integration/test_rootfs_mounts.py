"""Every kind of mount, its flags, and the rules about where a mount may go.

Checked from outside in the init's /proc/<pid>/mountinfo (fstype, per-mount and
superblock options, propagation tags) and from inside with a short shell command.
"""

from __future__ import annotations

import os

import pytest
from test_rootfs_harness import (
    MOUNT_ATTR_RDONLY,
    MS_BIND,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_REC,
    MS_SHARED,
    at,
    make_config,
    mounts_of,
    opts,
    run,
    standard_mounts,
    started,
)

from libcontainer.configs import Mount
from libcontainer.configs.mount import EXT_COPYUP, MountAttr
from libcontainer.errors import ContainerStartError
from libcontainer.rootfs import procguard

pytestmark = pytest.mark.integration


def test_bind_file_and_dir_with_remounted_flags(rootfs, state_root, tmp_path, no_leaks):
    src = tmp_path / "src"
    src.mkdir()
    (src / "data").write_text("from-host\n")
    hostfile = tmp_path / "hostfile"
    hostfile.write_text("a file\n")
    config = make_config(rootfs, standard_mounts() + [
        Mount(source=str(src), destination="/mnt/ro", device="bind", flags=MS_BIND | MS_RDONLY | MS_NOEXEC),
        Mount(source=str(src), destination="/mnt/rw", device="bind", flags=MS_BIND),
        Mount(source=str(hostfile), destination="/etc/hostfile", device="bind", flags=MS_BIND),
    ])
    script = "cat /mnt/ro/data /etc/hostfile; touch /mnt/ro/x 2>&1; touch /mnt/rw/y && echo rw-ok"
    with started(state_root, config, script, tmp_path) as (pid, release):
        mounts = mounts_of(pid)
        ro = at(mounts, "/mnt/ro")
        assert {"ro", "noexec"} <= opts(ro)
        assert "rw" in opts(at(mounts, "/mnt/rw"))
        assert at(mounts, "/etc/hostfile").root.endswith("/hostfile")
        status, out = release()
    assert status.code == 0, out
    assert "from-host" in out and "a file" in out
    assert "Read-only file system" in out and "rw-ok" in out
    assert (src / "y").exists() and not (src / "x").exists()


def test_rbind_with_recursive_readonly_attr(rootfs, state_root, tmp_path, no_leaks):
    """"ro" on a bind makes only the top mount read-only; rec_attr (rro) reaches submounts."""
    config = make_config(rootfs, standard_mounts() + [
        Mount(source="/sys", destination="/mnt/rsys", device="bind", flags=MS_BIND | MS_REC | MS_RDONLY),
        Mount(source="/sys", destination="/mnt/rrosys", device="bind", flags=MS_BIND | MS_REC,
              rec_attr=MountAttr(attr_set=MOUNT_ATTR_RDONLY)),
    ])
    with started(state_root, config, "true", tmp_path) as (pid, release):
        mounts = mounts_of(pid)
        assert "ro" in opts(at(mounts, "/mnt/rsys"))
        plain_subs = [m for m in mounts if m.mountpoint.startswith("/mnt/rsys/")]
        rro_subs = [m for m in mounts if m.mountpoint.startswith("/mnt/rrosys/")]
        assert plain_subs and rro_subs
        assert "ro" in opts(at(mounts, "/mnt/rrosys"))
        assert all("ro" in opts(m) for m in rro_subs)
        host_rw = {m.mountpoint[len("/mnt/rsys"):] for m in plain_subs if "rw" in opts(m)}
        assert host_rw, "expected some rw submount of /sys to stay rw under a plain ro bind"
        assert release()[0].code == 0


def test_tmpfs_keeps_mode_and_copyup(rootfs, state_root, tmp_path, no_leaks):
    os.makedirs(os.path.join(rootfs, "scratch"), exist_ok=True)
    os.chmod(os.path.join(rootfs, "scratch"), 0o1750)
    config = make_config(rootfs, standard_mounts() + [
        Mount(source="tmpfs", destination="/scratch", device="tmpfs", data="size=1m"),
        Mount(source="tmpfs", destination="/etc", device="tmpfs", extensions=EXT_COPYUP),
        Mount(source="tmpfs", destination="/newdir/deep", device="tmpfs", flags=MS_NOSUID),
    ])
    script = "stat -c %a /scratch; grep -c root /etc/passwd; echo x > /etc/new && echo etc-writable"
    with started(state_root, config, script, tmp_path) as (pid, release):
        mounts = mounts_of(pid)
        scratch = at(mounts, "/scratch")
        assert scratch.fstype == "tmpfs" and "mode=1750" in scratch.super_options
        assert at(mounts, "/etc").fstype == "tmpfs"
        assert "nosuid" in opts(at(mounts, "/newdir/deep"))
        status, out = release()
    assert status.code == 0, out
    assert out.split()[:2] == ["1750", "1"] and "etc-writable" in out
    assert not os.path.exists(os.path.join(rootfs, "etc", "new"))  # went to the tmpfs


def test_overlay_mount(rootfs, state_root, tmp_path, no_leaks):
    lower, upper, work = (tmp_path / n for n in ("lower", "upper", "work"))
    for d in (lower, upper, work):
        d.mkdir()
    (lower / "base").write_text("lower-layer\n")
    config = make_config(rootfs, standard_mounts() + [
        Mount(source="overlay", destination="/merged", device="overlay",
              data=f"lowerdir={lower},upperdir={upper},workdir={work}"),
    ])
    with started(state_root, config, "cat /merged/base; echo new > /merged/added", tmp_path) as (pid, release):
        assert at(mounts_of(pid), "/merged").fstype == "overlay"
        status, out = release()
    assert status.code == 0 and "lower-layer" in out
    assert (upper / "added").read_text() == "new\n" and not (lower / "added").exists()


def test_propagation_flags_apply_to_the_new_mount(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs, standard_mounts() + [
        Mount(source="tmpfs", destination="/shared", device="tmpfs", propagation_flags=[MS_SHARED]),
        Mount(source="tmpfs", destination="/plain", device="tmpfs"),
    ])
    with started(state_root, config, "true", tmp_path) as (pid, release):
        mounts = mounts_of(pid)
        assert any(o.startswith("shared:") for o in at(mounts, "/shared").optional)
        assert not at(mounts, "/plain").optional
        assert release()[0].code == 0


@pytest.mark.parametrize("mount,message", [
    (Mount(source="/etc", destination="/proc/sys", device="bind", flags=MS_BIND), "inside /proc"),
    (Mount(source="/etc", destination="/proc", device="bind", flags=MS_BIND), "not of type proc"),
    (Mount(source="tmpfs", destination="/proc/acpi/x", device="devpts"), "inside /proc"),
])
def test_nothing_is_mounted_inside_proc(rootfs, state_root, tmp_path, no_leaks, mount, message):
    config = make_config(rootfs, standard_mounts() + [mount])
    with pytest.raises(ContainerStartError, match=message):
        run(state_root, config, "true", tmp_path)
    assert os.listdir(state_root) == []


def test_lxcfs_style_proc_file_bind_is_allowed(rootfs, state_root, tmp_path, no_leaks):
    fake = tmp_path / "uptime"
    fake.write_text("12345.00 0.00\n")
    config = make_config(rootfs, standard_mounts() + [
        Mount(source=str(fake), destination="/proc/uptime", device="bind", flags=MS_BIND),
    ])
    status, out = run(state_root, config, "cat /proc/uptime", tmp_path)
    assert status.code == 0 and out.strip() == "12345.00 0.00"


@pytest.mark.parametrize("fs,dest", [("proc", "/proc"), ("sysfs", "/sys")])
def test_proc_and_sysfs_refuse_a_symlinked_destination(rootfs, state_root, tmp_path, no_leaks, fs, dest):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = os.path.join(rootfs, dest.lstrip("/"))
    if os.path.isdir(target):
        os.rmdir(target)
    os.symlink("/tmp", target)
    config = make_config(rootfs, [Mount(source=fs, destination=dest, device=fs)], devices=[])
    with pytest.raises(ContainerStartError, match="must be mounted on ordinary directory"):
        run(state_root, config, "true", tmp_path)
    assert not os.path.ismount(os.path.join(rootfs, "tmp"))


def test_target_under_proc_must_be_on_procfs(tmp_path):
    """The check the mask/readonly/mount code makes on the descriptor it mounts through."""
    fd = os.open(tmp_path, os.O_PATH)
    try:
        mounted = [Mount(source="proc", destination="/proc", device="proc")]
        with pytest.raises(PermissionError, match="not on the container's procfs"):
            procguard.verify_target(fd, "/proc/sys", mounted)
        procguard.verify_target(fd, "/elsewhere", mounted)  # not under a procfs we mounted
    finally:
        os.close(fd)
    proc_fd = os.open("/proc/sys", os.O_PATH)
    try:
        procguard.verify_target(proc_fd, "/proc/sys", mounted)
    finally:
        os.close(proc_fd)


def test_symlink_destination_cannot_escape_the_rootfs(rootfs, state_root, tmp_path, no_leaks):
    host_dir = tmp_path / "host-dir"
    host_dir.mkdir()
    src = tmp_path / "src"
    src.mkdir()
    os.symlink(str(host_dir), os.path.join(rootfs, "evil"))  # absolute, pointing at the host
    os.symlink("../../../../../../../../" + str(host_dir).lstrip("/"), os.path.join(rootfs, "evil2"))
    config = make_config(rootfs, standard_mounts() + [
        Mount(source="tmpfs", destination="/evil/sub", device="tmpfs"),
        Mount(source=str(src), destination="/evil2/bound", device="bind", flags=MS_BIND),
    ])
    with started(state_root, config, "ls -d /evil/sub /evil2/bound", tmp_path) as (pid, release):
        mounts = mounts_of(pid)
        # both landed at the symlinks' targets *inside* the root
        assert at(mounts, f"{host_dir}/sub").fstype == "tmpfs"
        assert at(mounts, f"{host_dir}/bound").root.endswith("/src")
        status, out = release()
    assert status.code == 0, out
    assert os.listdir(host_dir) == []  # nothing created or mounted on the host
    assert os.path.isdir(os.path.join(rootfs, str(host_dir).lstrip("/"), "sub"))
