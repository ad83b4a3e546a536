"""/dev inside the container: device nodes, /dev/ptmx and the standard symlinks.

Only done when /dev is not a bind mount of some existing tree (runc's needsSetupDev). Nodes
are made with mknod and given the configured mode and owner; in a user namespace mknod is
not allowed (and a node made there would be unusable anyway), so the host's node is
bind-mounted onto an empty file instead -- also the fallback when mknod says EPERM.
"""

from __future__ import annotations

import errno
import os
import stat

from .. import namespaces as ns
from .. import syscalls
from ..syscalls import MS_BIND
from ..userns import running_in_user_ns
from . import safepath
from .safepath import clean, fd_path

#: a device's type letter -> the file type bits mknod(2) takes (init/plan.py uses it too)
NODE_TYPES = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}

DEV_SYMLINKS = (
    ("/proc/self/fd", "fd"),
    ("/proc/self/fd/0", "stdin"),
    ("/proc/self/fd/1", "stdout"),
    ("/proc/self/fd/2", "stderr"),
)


def needs_setup_dev(config) -> bool:
    return not any(m.device == "bind" and clean(m.destination) == "/dev" for m in config.mounts or ())


def _bind_node(root_fd: int, parent_fd: int, name: str, node) -> None:
    try:
        os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                         dir_fd=parent_fd))
    except FileExistsError:
        pass
    target = safepath.open_in_root(root_fd, node.path)
    try:
        syscalls.get().mount(node.path, fd_path(target), None, MS_BIND, None)
    finally:
        os.close(target)


def _mknod(root_fd: int, parent_fd: int, name: str, node) -> None:
    try:
        ftype = NODE_TYPES[node.type]
    except KeyError:
        raise OSError(errno.EINVAL, f"{node.type} is not a valid device type for device {node.path}") from None
    syscalls.get().mknod(name, ftype | (node.file_mode & 0o7777), node.mkdev(), dir_fd=parent_fd)
    fd = safepath.open_in_root(root_fd, node.path, os.O_PATH | os.O_NOFOLLOW)
    try:
        # through the fd: the umask must not change the bits, and no symlink may be chowned
        os.chmod(fd_path(fd), node.file_mode & 0o7777)
        os.chown(fd_path(fd), node.uid, node.gid)
    finally:
        os.close(fd)


def create_device(root_fd: int, node, bind: bool) -> None:
    if not node.path:
        return  # a cgroup rule only
    path = clean(node.path)
    parent = safepath.mkdir_all(root_fd, os.path.dirname(path))
    name = os.path.basename(path)
    try:
        if bind:
            _bind_node(root_fd, parent, name, node)
            return
        try:
            _mknod(root_fd, parent, name, node)
        except FileExistsError:
            pass
        except PermissionError:
            _bind_node(root_fd, parent, name, node)
    finally:
        os.close(parent)


def create_devices(root_fd: int, config) -> None:
    bind = running_in_user_ns() or ns.find(config.namespaces, "NEWUSER") is not None
    for node in config.devices or ():
        if clean(node.path or "/") == "/dev/ptmx":
            continue  # setup_ptmx makes it a symlink to the devpts instance
        try:
            create_device(root_fd, node, bind)
        except OSError as e:
            raise OSError(e.errno, f"error creating device nodes: {node.path}: {e.strerror or e}") from None


def setup_ptmx(root_fd: int) -> None:
    dev = safepath.mkdir_all(root_fd, "/dev")
    try:
        try:
            os.unlink("ptmx", dir_fd=dev)
        except FileNotFoundError:
            pass
        os.symlink("pts/ptmx", "ptmx", dir_fd=dev)
    finally:
        os.close(dev)


def setup_dev_symlinks(root_fd: int) -> None:
    links = list(DEV_SYMLINKS)
    if os.path.exists("/proc/kcore"):  # CONFIG_PROC_KCORE may be off
        links.append(("/proc/kcore", "core"))
    dev = safepath.mkdir_all(root_fd, "/dev")
    try:
        for src, name in links:
            try:
                os.symlink(src, name, dir_fd=dev)
            except FileExistsError:
                pass
    finally:
        os.close(dev)


def reopen_dev_null() -> None:
    """After the pivot: stdio that was the host's /dev/null becomes the container's.

    Unlike runc this is skipped (rather than failing) when the container has no usable
    /dev/null, since a config without devices is legitimate here.
    """
    try:
        fd = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        null = os.fstat(fd)
        if not stat.S_ISCHR(null.st_mode) or null.st_rdev != os.makedev(1, 3):
            return
        for std in range(3):
            try:
                st = os.fstat(std)
            except OSError:
                continue
            if stat.S_ISCHR(st.st_mode) and st.st_rdev == null.st_rdev:
                os.dup2(fd, std, inheritable=True)
    finally:
        os.close(fd)
