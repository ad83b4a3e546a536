"""The single seam between the runtime and the kernel (youki's ``Syscall`` trait, in Python).

Runtime code never calls ``_nsenter`` or the privileged ``os`` functions directly; it does::

    from libcontainer import syscalls
    sc = syscalls.get()
    sc.mount(None, "/", None, MS_SLAVE | MS_REC)

``get()`` returns the active layer: by default a :class:`LinuxSyscalls` that forwards to the C
extension ``libcontainer._nsenter`` (imported lazily, so importing this module stays cheap and
works where the extension is not built) and to :mod:`os`. Unit tests install a
``RecordingSyscalls`` double (:mod:`libcontainer.syscalls_double`, also reachable here as
``syscalls.RecordingSyscalls``) with :func:`use` and assert on the calls it recorded::

    double = syscalls.RecordingSyscalls(results={"clone": 42})
    with syscalls.use(double):
        start_init(...)
    assert ("clone", (flags, -1)) in double.calls

Constants of the extension are reachable as ``syscalls.MS_BIND`` etc. (forwarded lazily).
"""

from __future__ import annotations

import os

__all__ = ["LinuxSyscalls", "get", "use"]


def _native():
    from . import _nsenter  # lazy: the C extension is only needed for real calls

    return _nsenter


class LinuxSyscalls:
    """The real layer. Signatures match ``_nsenter`` (see docs/architecture.md) and :mod:`os`."""

    # -- namespaces ------------------------------------------------------------------------------
    def setns(self, fd, nstype=0):
        return _native().setns(fd, nstype)

    def unshare(self, flags):
        return _native().unshare(flags)

    def clone(self, flags, cgroup_fd=-1):
        # cgroup_fd >= 0: clone3 + CLONE_INTO_CGROUP; OSError (no child) where the kernel can't
        return _native().clone(flags, cgroup_fd)

    def clone_init(self, flags, cgroup_fd, plan, sync_fd, share_memory=False):
        # as clone, but the child runs init/plan.py's native steps and never returns
        return _native().clone_init(flags, cgroup_fd, plan, sync_fd, share_memory)

    # -- mounts ----------------------------------------------------------------------------------
    def mount(self, source, target, fstype, flags=0, data=None):
        return _native().mount(source, target, fstype, flags, data)

    def umount2(self, target, flags=0):
        return _native().umount2(target, flags)

    def pivot_root(self, new_root, put_old):
        return _native().pivot_root(new_root, put_old)

    def open_tree(self, dirfd, path, flags=0):
        return _native().open_tree(dirfd, path, flags)

    def move_mount(self, from_dirfd, from_path, to_dirfd, to_path, flags=0):
        return _native().move_mount(from_dirfd, from_path, to_dirfd, to_path, flags)

    def fsopen(self, fsname, flags=0):
        return _native().fsopen(fsname, flags)

    def fsconfig(self, fd, cmd, key=None, value=None, aux=0):
        return _native().fsconfig(fd, cmd, key, value, aux)

    def fsmount(self, fd, flags=0, attr_flags=0):
        return _native().fsmount(fd, flags, attr_flags)

    def mount_setattr(self, dirfd, path, flags, attr_set, attr_clr=0, propagation=0, userns_fd=0):
        return _native().mount_setattr(dirfd, path, flags, attr_set, attr_clr, propagation, userns_fd)

    # -- files and processes ---------------------------------------------------------------------
    def openat2(self, dirfd, path, flags=0, mode=0, resolve=0):
        return _native().openat2(dirfd, path, flags, mode, resolve)

    def pidfd_open(self, pid, flags=0):
        return _native().pidfd_open(pid, flags)

    def pidfd_send_signal(self, pidfd, sig, flags=0):
        return _native().pidfd_send_signal(pidfd, sig, flags)

    def close_range(self, first, last, flags=0):
        return _native().close_range(first, last, flags)

    # -- credentials and process attributes ------------------------------------------------------
    def capget(self, pid=0):
        return _native().capget(pid)

    def capset(self, effective, permitted, inheritable):
        return _native().capset(effective, permitted, inheritable)

    def cap_last_cap(self):
        return _native().cap_last_cap()

    def prctl(self, option, arg2=0, arg3=0, arg4=0, arg5=0):
        return _native().prctl(option, arg2, arg3, arg4, arg5)

    def sethostname(self, name):
        return _native().sethostname(name)

    def setdomainname(self, name):
        return _native().setdomainname(name)

    def setresuid(self, ruid, euid, suid):
        return os.setresuid(ruid, euid, suid)

    def setresgid(self, rgid, egid, sgid):
        return os.setresgid(rgid, egid, sgid)

    def setgroups(self, groups):
        return os.setgroups(groups)

    # -- filesystem (os-level, but privileged or container-visible) ------------------------------
    def chdir(self, path):
        return os.chdir(path)

    def fchdir(self, fd):
        return os.fchdir(fd)

    def chroot(self, path):
        return os.chroot(path)

    def mkdir(self, path, mode=0o777, *, dir_fd=None):
        return os.mkdir(path, mode, dir_fd=dir_fd)

    def mknod(self, path, mode=0o600, device=0, *, dir_fd=None):
        return os.mknod(path, mode, device, dir_fd=dir_fd)

    def symlink(self, src, dst, *, dir_fd=None):
        return os.symlink(src, dst, dir_fd=dir_fd)

    def chown(self, path, uid, gid, *, dir_fd=None, follow_symlinks=True):
        return os.chown(path, uid, gid, dir_fd=dir_fd, follow_symlinks=follow_symlinks)

    def umask(self, mask):
        return os.umask(mask)

    def execve(self, path, argv, env):
        return os.execve(path, argv, env)


def _api_names() -> tuple[str, ...]:
    return tuple(n for n, v in vars(LinuxSyscalls).items() if not n.startswith("_") and callable(v))


#: every call the seam offers; the double accepts exactly these
API: tuple[str, ...] = _api_names()

# -- the active layer ----------------------------------------------------------------------------

_active: object = None


def get():
    """The active syscall layer (a :class:`LinuxSyscalls` unless a test installed a double)."""
    global _active
    if _active is None:
        _active = LinuxSyscalls()
    return _active


class use:  # noqa: N801 - used like a function: ``syscalls.use(x)`` or ``with syscalls.use(x):``
    """Install ``layer`` as the active layer now; as a context manager, restore the previous one
    on exit. ``use(None)`` goes back to the real layer."""

    def __init__(self, layer: object) -> None:
        global _active
        self.previous = _active
        self.layer = layer
        _active = layer

    def __enter__(self) -> object:
        return self.layer

    def __exit__(self, *exc: object) -> None:
        global _active
        _active = self.previous


def __getattr__(name: str) -> object:
    # ``syscalls.MS_BIND`` etc.: constants of the extension, resolved on first use
    if name == "RecordingSyscalls":  # the double lives in its own module: tests only
        from .syscalls_double import RecordingSyscalls

        return RecordingSyscalls
    if name.isupper():
        try:
            return getattr(_native(), name)
        except AttributeError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
