"""The init of a new container: everything between clone and execve, on the child's side.

Runs in the cloned child (already in its new namespaces, except the cgroup namespace),
single-threaded, with the parent waiting on the sync channel. It never returns: it either
execs the user's program or reports an error to the parent and exits. Each step lives in
the module named for it; this file only fixes their order.
"""

from __future__ import annotations

import os
import traceback

from .. import rootfs, syscalls
from ..syscalls import PR_SET_DUMPABLE, PR_SET_PDEATHSIG
from . import namespaces_setup, process_setup


def main(config, process, chan, fifo_fd: int) -> None:
    """Entry point in the child. Never returns."""
    try:
        _init(config, process, chan, fifo_fd)
    except BaseException as e:  # noqa: BLE001 - everything must reach the parent
        try:
            chan.send("error", message=str(e) or type(e).__name__)
        except OSError:
            traceback.print_exc()
    finally:
        os._exit(1)


def _init(config, process, chan, fifo_fd: int) -> None:
    sc = syscalls.get()
    # Until execve, nothing in the container may ptrace us or open /proc/PID/exe: that
    # file is the host's Python interpreter (CVE-2019-5736).
    sc.prctl(PR_SET_DUMPABLE, 0)
    if config.parent_death_signal:
        sc.prctl(PR_SET_PDEATHSIG, config.parent_death_signal)

    chan.expect("go")  # uid/gid maps written, cgroups applied by the parent
    namespaces_setup.enter(sc, config)
    rootfs.setup(sc, config)
    namespaces_setup.apply_sysctls(config)
    rootfs.finalize(sc, config)
    prepared = process_setup.prepare(config, process)
    process_setup.apply(sc, config, process, prepared)

    chan.send("ready", pid=os.getpid())
    # Block until `start` opens the FIFO for reading (runc's exec.fifo). The FIFO lives in
    # the state dir, outside the rootfs: it is reached through the descriptor opened before
    # pivot_root, reopened for writing through /proc/self/fd.
    fifo = os.open(f"/proc/self/fd/{fifo_fd}", os.O_WRONLY | os.O_CLOEXEC)
    os.write(fifo, b"0")
    process_setup.close_fds_on_exec()
    os.execve(prepared.path, prepared.argv, prepared.env)
