"""Building the container's root filesystem, from inside its new mount namespace.

``setup`` is runc's prepareRootfs: propagation, the rootfs bind, every configured mount,
/dev, then pivot_root (or MS_MOVE + chroot). ``finalize`` is runc's finalizeRootfs plus the
read-only and masked paths, which runc applies right after the sysctls -- the init calls it
after writing them, because /proc/sys is itself usually one of the read-only paths.
"""

from __future__ import annotations

import errno
import os
import time

from .. import namespaces as ns
from ..syscalls import MS_BIND, MS_RDONLY, MS_REMOUNT
from . import safepath
from .safepath import clean, fd_path

# The steps' modules are imported by setup(), not here: the runtime imports this package's
# light modules (safepath, mountinfo, fstype, procguard, cgroupmount, devices) to compile the
# native init (init/plan.py) and has no use for the rest. setup() runs before pivot_root,
# so finalize() -- after it -- finds them loaded and never searches the container's files.


def setup(sc, config, before_pivot=None, enter_cgroups=None, before_dev=None) -> None:
    """Everything from the first mount to being inside the new root.

    ``enter_cgroups`` (the init: wait for "cgroups", unshare the cgroup namespace) runs
    once, right before the first mount that needs the init in its cgroups (a cgroup mount,
    a copy-up tmpfs), and at the latest once the other mounts are made: before /dev is
    filled (mknod answers to the devices cgroup) and the hooks. ``before_pivot`` runs
    when the mounts and /dev are made and the host's tree is still in view: the
    prestart/createRuntime/createContainer hooks (libcontainer.hooks). ``before_dev`` runs
    after the mounts, before /dev is filled: an init that joined its cgroups itself waits
    there for its limits (the devices cgroup answers mknod).
    """
    from . import devices, masked, mounts, pivot, propagation  # noqa: F401 - masked, mounts: for finalize

    propagation.prepare_root(sc, config)
    rootfs = config.rootfs
    root_fd = os.open(rootfs, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        ctx = mounts.MountContext(root_fd, cgroupns=ns.find(config.namespaces, "NEWCGROUP") is not None,
                                  enter_cgroups=enter_cgroups)
        mounts.mount_all(ctx, config.mounts)
        ctx.need_cgroups()
        if before_dev is not None:
            before_dev()
        setup_dev = devices.needs_setup_dev(config)
        if setup_dev:
            devices.create_devices(root_fd, config)
            devices.setup_ptmx(root_fd)
            devices.setup_dev_symlinks(root_fd)
    finally:
        os.close(root_fd)
    if before_pivot is not None:
        before_pivot()
    os.chdir(rootfs)
    if config.no_pivot_root:
        pivot.move_root(rootfs)
    elif ns.find(config.namespaces, "NEWNS") is not None:
        pivot.pivot_root(rootfs)
    else:
        pivot.chroot()
    if setup_dev:
        devices.reopen_dev_null()


def remount_readonly(sc, root_fd: int, m) -> None:
    """Make a mount that was kept writable during setup (tmpfs, /dev) read-only."""
    flags = (m.flags or 0) | MS_REMOUNT | MS_BIND | MS_RDONLY
    for _ in range(5):
        fd = safepath.open_in_root(root_fd, m.destination)
        try:
            sc.mount(None, fd_path(fd), None, flags, None)
            return
        except OSError as e:
            if e.errno != errno.EBUSY:
                raise
        finally:
            os.close(fd)
        time.sleep(0.1)
    raise OSError(errno.EBUSY, f"unable to mount {m.destination} as readonly max retries reached")


def set_readonly(sc) -> None:
    """Remount / read-only; if the kernel wants the locked flags repeated, repeat them."""
    from . import mounts

    flags = MS_BIND | MS_REMOUNT | MS_RDONLY
    try:
        sc.mount(None, "/", None, flags, None)
    except OSError:
        sc.mount(None, "/", None, flags | mounts.statfs_flags("/"), None)


def finalize(sc, config) -> None:
    """After pivot_root and sysctls: the steps that make things read-only or hidden."""
    from . import masked

    root_fd = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for m in config.mounts or ():
            if (m.flags or 0) & MS_RDONLY and (m.device == "tmpfs" or clean(m.destination) == "/dev"):
                remount_readonly(sc, root_fd, m)
        if config.readonlyfs:
            try:
                set_readonly(sc)
            except OSError as e:
                raise OSError(e.errno, f"error setting rootfs as readonly: {e.strerror or e}") from None
        os.umask(config.umask if config.umask is not None else 0o022)
        masked.readonly_paths(root_fd, config.readonly_paths, config.mounts)
        masked.mask_paths(root_fd, config.mask_paths, config.mounts, config.mount_label)
    finally:
        os.close(root_fd)
