"""The init of a new container: everything between clone and execve, on the child's side.

Runs in the cloned child (already in its new namespaces, except the cgroup namespace),
single-threaded, with the parent waiting on the sync channel. It never returns: it either
execs the user's program or reports an error to the parent and exits. Each step lives in
the module named for it; this file only fixes their order.
"""

from __future__ import annotations

import gc
import os
import sys

from .. import console, rootfs, syscalls
from ..syscalls import PR_SET_DUMPABLE, PR_SET_PDEATHSIG
from . import cgroupjoin, namespaces_setup, process_setup, security

# hooks.py and finisher.py are imported by _init, first thing, for the configs that use them:
# a run without hooks has no exec FIFO either, and skips both (~0.5 ms each here)


def main(config, process, chan, fifo_fd: int, container_id: str = "", console_conn=None,
         seccomp_filter=None) -> None:
    """Entry point in the child. Never returns. ``seccomp_filter``: the runtime's compiled
    filter (seccomp/compiled.py), or None for the backend to compile it here."""
    gc.disable()  # a short life until execve: a collection would only copy-on-write the heap
    try:
        _init(config, process, chan, fifo_fd, container_id, console_conn, seccomp_filter)
    except BaseException as e:  # noqa: BLE001 - everything must reach the parent
        try:
            chan.send("error", message=str(e) or type(e).__name__)
        except OSError:
            # traceback.print_exc()'s text from the interpreter's own C printer: importing
            # traceback would cost every runtime ~10 ms, and after pivot_root an import
            # would search the container's files
            sys.__excepthook__(*sys.exc_info())
    finally:
        security.exit_init(1)


def _init(config, process, chan, fifo_fd: int, container_id: str = "", console_conn=None,
          seccomp_filter=None) -> None:
    sc = syscalls.get()
    # Until execve, nothing in the container may ptrace us or open /proc/PID/exe: that
    # file is the host's Python interpreter (CVE-2019-5736).
    sc.prctl(PR_SET_DUMPABLE, 0)
    if config.parent_death_signal:
        sc.prctl(PR_SET_PDEATHSIG, config.parent_death_signal)
    # before stage(): a join by path may take us into another mount namespace
    with_hooks = config.hooks is not None and not config.hooks.is_empty()
    if with_hooks:
        from .. import hooks
    if fifo_fd >= 0:
        from . import finisher

    namespaces_setup.stage(sc, config, chan)  # joins by path, time ns: forks the real init
    chan.expect("go")  # uid/gid maps written; the parent now creates our cgroups
    os.setsid()  # as runc's nsexec: the init leads its own session (and may take a terminal)
    # Up to the first mount that needs our cgroups, nothing needs them: this overlaps the
    # parent's work on them (mkdir, the limits, the networks).
    # the host's plugins, libseccomp, LSM state: before pivot
    sec = security.Security(config, process, chan, seccomp_filter)
    init_hooks = hooks.InitHooks(chan, config, process, container_id) if with_hooks else None
    # sealed copy of the native waiter, or None: wait here (or exec at once: no FIFO)
    fifo_fd = fifo_fd if fifo_fd >= 0 else None
    memfd = finisher.prepare(config, process) if fifo_fd is not None else None
    namespaces_setup.enter(sc, config)  # root in the user namespace, hostname

    def enter_cgroups() -> None:
        chan.expect("join")  # our cgroups exist (we may have been moved already)
        cgroupjoin.join(chan.take_fds())  # into them ourselves, no RCU grace period
        namespaces_setup.enter_cgroupns(sc, config)

    # "join" before a cgroup mount; "cgroups" (limits set, networks built) before /dev's
    # devices and the hooks, so always before pivot_root, the terminal and exec
    rootfs.setup(sc, config, before_pivot=init_hooks and init_hooks.before_pivot, enter_cgroups=enter_cgroups,
                 before_dev=lambda: chan.expect("cgroups"))
    if process.terminal:  # runc: after the mounts, before finalizing the rootfs
        console.setup(process, chan, console_conn)
    namespaces_setup.apply_sysctls(config)
    rootfs.finalize(sc, config)
    prepared = process_setup.prepare(config, process)
    if process.terminal:
        console.give_to(prepared.user.uid)
    fifo_fd, memfd = process_setup.make_room(process, chan, fifo_fd, memfd)  # extra files take 3..
    process_setup.apply(sc, config, process, prepared, sec)
    sec.load_last()  # seccomp with no_new_privs: as late as the runtime allows (runc's place)

    if memfd is not None:  # "ready", the FIFO wait and the execve, in a few kB of native code
        finisher.hand_over(sc, memfd, fifo_fd, chan, config, prepared, process_setup.kept_fds(process))
    chan.send("ready", pid=os.getpid())
    if fifo_fd is not None:
        # Block until `start` opens the FIFO for reading (runc's exec.fifo). The FIFO lives
        # in the state dir, outside the rootfs: it is reached through the descriptor opened
        # before pivot_root, reopened for writing through /proc/self/fd.
        fifo = os.open(f"/proc/self/fd/{fifo_fd}", os.O_WRONLY | os.O_CLOEXEC)
        os.write(fifo, b"0")
        if init_hooks is not None:
            init_hooks.start_container(fifo)  # a failure is written to the FIFO for `start`
    process_setup.close_fds_on_exec(process_setup.kept_fds(process))
    os.execve(prepared.path, prepared.argv, prepared.env)

