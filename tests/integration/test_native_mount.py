"""libcontainer._nsenter mount / umount2 / pivot_root and the new mount API against the real kernel.

Mounts are only made inside a child's *private* mount namespace, so they vanish with the child.

Child processes, mounts and the leak check come from ``native_helpers``.
"""

from __future__ import annotations

import errno
import os
import stat

import pytest
from native_helpers import (
    in_child,
    mount_at,
    no_leaked_mounts,  # noqa: F401 - autouse fixture: importing activates it
    nse,
    private_mount_ns,
    tmpfs_at,
)

pytestmark = pytest.mark.integration

if os.geteuid() != 0:  # pragma: no cover - the suite is meant for a root VM
    pytest.skip("needs root", allow_module_level=True)


# -- mount / umount2 ------------------------------------------------------------------------------

def test_mount_tmpfs_in_private_namespace(tmp_path):
    target = tmp_path / "mnt"
    target.mkdir()

    def child():
        private_mount_ns()
        nse.mount(b"lc-tmpfs", target, "tmpfs", nse.MS_NOSUID | nse.MS_NODEV, "size=1m,mode=0710")
        (target / "file").write_text("data")
        info, mode = mount_at(target), stat.S_IMODE(os.stat(target).st_mode)
        nse.umount2(str(target))
        return info, mode, mount_at(target), os.listdir(target)

    info, mode, after, listing = in_child(child)
    assert info["fstype"] == "tmpfs" and info["source"] == "lc-tmpfs"
    assert {"nosuid", "nodev"} <= set(info["opts"]) and "size=1024k" in info["super"]
    assert mode == 0o710
    assert after is None and listing == []
    assert mount_at(target) is None and not (target / "file").exists()


def test_mount_bind_and_remount_readonly_with_none_arguments(tmp_path):
    (tmp_path / "f").write_text("x")

    def child():
        private_mount_ns()
        nse.mount(str(tmp_path), tmp_path, None, nse.MS_BIND)
        nse.mount(None, tmp_path, None, nse.MS_BIND | nse.MS_REMOUNT | nse.MS_RDONLY, None)
        try:
            (tmp_path / "f").write_text("y")
        except OSError as e:
            return e.errno, "ro" in mount_at(tmp_path)["opts"]
        return None, False

    assert in_child(child) == (errno.EROFS, True)
    assert (tmp_path / "f").read_text() == "x"


def test_mount_error_carries_filename(tmp_path):
    missing = str(tmp_path / "missing")

    def child():
        private_mount_ns()
        tmpfs_at(missing)

    with pytest.raises(FileNotFoundError) as ei:
        in_child(child)
    assert ei.value.filename == missing
    with pytest.raises(ValueError):
        nse.mount("tmpfs", "/no\0pe", "tmpfs")  # rejected before any syscall


def test_umount2_errors_detach_and_nofollow(tmp_path):
    target, link = tmp_path / "mnt", tmp_path / "link"
    target.mkdir()
    link.symlink_to(target)

    def child():
        private_mount_ns()
        results = {}
        try:
            nse.umount2(target)
        except OSError as e:
            results["not_mounted"] = (e.errno, e.filename)
        tmpfs_at(target)
        try:
            nse.umount2(link, nse.UMOUNT_NOFOLLOW)
        except OSError as e:
            results["nofollow"] = e.errno
        fd = os.open(target / "busy", os.O_CREAT | os.O_WRONLY)
        os.chdir(target)
        try:
            nse.umount2(target)
        except OSError as e:
            results["busy"] = e.errno
        nse.umount2(target, nse.MNT_DETACH)
        os.chdir("/")
        os.close(fd)
        results["after"] = mount_at(target)
        return results

    res = in_child(child)
    assert res["not_mounted"] == (errno.EINVAL, target)
    assert res["nofollow"] == errno.EINVAL  # the symlink itself is not a mount point
    assert res["busy"] == errno.EBUSY
    assert res["after"] is None


# -- pivot_root ------------------------------------------------------------------------------------

def test_pivot_root_into_tmpfs(tmp_path):
    def child():
        private_mount_ns()
        tmpfs_at(tmp_path)
        (tmp_path / "old").mkdir()
        (tmp_path / "marker").write_text("new root")
        host_has_proc = os.path.isdir("/proc/self")
        nse.pivot_root(tmp_path, tmp_path / "old")
        os.chdir("/")
        with open("/marker") as f:
            marker = f.read()
        listing = sorted(os.listdir("/"))
        old_root_visible = os.path.isdir("/old/proc/self") == host_has_proc
        nse.umount2("/old", nse.MNT_DETACH)
        return marker, listing, old_root_visible, os.listdir("/old")

    marker, listing, old_visible, old_after = in_child(child)
    assert marker == "new root" and listing == ["marker", "old"]
    assert old_visible and old_after == []


def test_pivot_root_dot_dot_idiom(tmp_path):
    def child():
        private_mount_ns()
        tmpfs_at(tmp_path)
        (tmp_path / "marker").touch()
        os.chdir(tmp_path)
        nse.pivot_root(".", ".")
        nse.umount2(".", nse.MNT_DETACH)  # the old root, stacked on top
        os.chdir("/")
        return sorted(os.listdir("/"))

    assert in_child(child) == ["marker"]


def test_pivot_root_requires_a_mount_point(tmp_path):
    new_root, put_old = tmp_path / "sub", tmp_path / "sub" / "old"

    def child():
        private_mount_ns()
        tmpfs_at(tmp_path)  # so new_root is off the root mount (that would be EBUSY)
        put_old.mkdir(parents=True)
        nse.pivot_root(new_root, put_old)

    with pytest.raises(OSError) as ei:
        in_child(child)
    assert ei.value.errno == errno.EINVAL  # new_root is not a mount point
    assert (ei.value.filename, ei.value.filename2) == (new_root, put_old)


# -- new mount API ---------------------------------------------------------------------------------

def test_open_tree_and_move_mount(tmp_path):
    src, dst, moved = tmp_path / "src", tmp_path / "dst", tmp_path / "moved"
    for d in (src, dst, moved):
        d.mkdir()

    def child():
        private_mount_ns()
        tmpfs_at(src)
        (src / "file").write_text("tree")
        fd = nse.open_tree(nse.AT_FDCWD, src, nse.OPEN_TREE_CLONE | nse.AT_RECURSIVE)
        inheritable = os.get_inheritable(fd)
        nse.move_mount(fd, "", nse.AT_FDCWD, dst, nse.MOVE_MOUNT_F_EMPTY_PATH)
        os.close(fd)
        cloned = ((dst / "file").read_text(), mount_at(dst)["fstype"], mount_at(src) is not None)
        # moving an attached mount (no clone): src stops being a mount point
        nse.move_mount(nse.AT_FDCWD, src, nse.AT_FDCWD, moved)
        return inheritable, cloned, mount_at(src), (moved / "file").read_text()

    inheritable, cloned, src_after, moved_file = in_child(child)
    assert not inheritable
    assert cloned == ("tree", "tmpfs", True)
    assert src_after is None and moved_file == "tree"


def test_move_mount_error_names_both_paths(tmp_path):
    def child():
        private_mount_ns()
        nse.move_mount(nse.AT_FDCWD, tmp_path / "nope", nse.AT_FDCWD, tmp_path)

    with pytest.raises(FileNotFoundError) as ei:
        in_child(child)
    assert (ei.value.filename, ei.value.filename2) == (tmp_path / "nope", tmp_path)


def test_fsopen_fsconfig_fsmount_and_mount_setattr(tmp_path):
    dst = tmp_path / "dst"
    dst.mkdir()

    def child():
        private_mount_ns()
        fsfd = nse.fsopen("tmpfs")
        nse.fsconfig(fsfd, nse.FSCONFIG_SET_STRING, "size", "1m")
        nse.fsconfig(fsfd, nse.FSCONFIG_SET_STRING, "mode", "0750")
        nse.fsconfig(fsfd, nse.FSCONFIG_CMD_CREATE)
        mfd = nse.fsmount(fsfd, 0, nse.MOUNT_ATTR_NODEV | nse.MOUNT_ATTR_NOSUID)
        fds_inheritable = os.get_inheritable(fsfd) or os.get_inheritable(mfd)
        nse.move_mount(mfd, "", nse.AT_FDCWD, dst, nse.MOVE_MOUNT_F_EMPTY_PATH)
        os.close(mfd)
        os.close(fsfd)
        info, mode = mount_at(dst), stat.S_IMODE(os.stat(dst).st_mode)
        nse.mount_setattr(nse.AT_FDCWD, dst, 0, nse.MOUNT_ATTR_RDONLY, propagation=nse.MS_SHARED)
        ro_info = mount_at(dst)
        try:
            (dst / "f").write_text("x")
            ro_errno = None
        except OSError as e:
            ro_errno = e.errno
        nse.mount_setattr(nse.AT_FDCWD, dst, 0, 0, nse.MOUNT_ATTR_RDONLY)
        (dst / "f").write_text("x")
        return fds_inheritable, info, mode, ro_info, ro_errno, "rw" in mount_at(dst)["opts"]

    inheritable, info, mode, ro_info, ro_errno, rw_again = in_child(child)
    assert not inheritable
    assert info["fstype"] == "tmpfs" and "size=1024k" in info["super"]
    assert {"nodev", "nosuid"} <= set(info["opts"]) and mode == 0o750
    assert "ro" in ro_info["opts"] and any(o.startswith("shared:") for o in ro_info["optional"])
    assert ro_errno == errno.EROFS and rw_again


def test_fsopen_and_fsconfig_errors():
    with pytest.raises(OSError) as ei:
        nse.fsopen("no-such-filesystem")
    assert ei.value.errno == errno.ENODEV
    fsfd = nse.fsopen("tmpfs")
    try:
        with pytest.raises(OSError) as ei:
            nse.fsconfig(fsfd, nse.FSCONFIG_SET_STRING, "no_such_option", "1")
        assert ei.value.errno == errno.EINVAL and ei.value.filename == "no_such_option"
    finally:
        os.close(fsfd)
