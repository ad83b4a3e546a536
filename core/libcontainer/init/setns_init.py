"""The child side of `exec`: join a running container and become a process in it.

Forked from the runtime, the child opens every namespace of the container's init first
(after the mount namespace is joined, the host's /proc is out of reach), joins them user
namespace first, then clones once more with CLONE_PARENT: the joined PID namespace only
applies to children, and CLONE_PARENT makes that grandchild a direct child of the runtime,
so the caller can wait for it like any process it started. When the runtime could fork
it straight into the container's PID namespace (``direct``, see exec_process.py), there is
no second clone: the child already is that process.
"""

from __future__ import annotations

import gc
import os
import sys

from .. import console, syscalls
from .. import namespaces as ns
from ..configs.namespace import NS_FILE_NAMES
from ..syscalls import CLONE_PARENT, PR_SET_DUMPABLE
from . import cgroupjoin, process_setup, security


def main(config, process, chan, init_pid: int, console_conn=None, join_fds=(), direct: bool = False,
         seccomp_filter=None) -> None:
    """Entry point of the forked child. Never returns. ``seccomp_filter``: the runtime's
    compiled filter for the container's profile, or None for the backend to compile it."""
    gc.disable()  # a short life until execve: a collection would only copy-on-write the heap
    try:
        sec = security.Security(config, process, chan, seccomp_filter)  # needs the host's files: before joining
        _join(config, init_pid)  # the PID namespace, when direct, is ours already: skipped
        if direct:
            _in_container(config, process, chan, console_conn, sec, join_fds)
        pid = syscalls.get().clone(CLONE_PARENT)
        if pid == 0:
            _in_container(config, process, chan, console_conn, sec, join_fds)
        for fd in join_fds:
            os.close(fd)
        chan.send("pid", pid=pid)
        os._exit(0)
    except BaseException as e:  # noqa: BLE001 - everything must reach the parent
        _report(chan, e)
    finally:
        os._exit(1)


def _report(chan, e: BaseException) -> None:
    try:
        chan.send("error", message=str(e) or type(e).__name__)
    except OSError:
        sys.__excepthook__(*sys.exc_info())  # traceback.print_exc(), no import (see standard.py)


def _join(config, init_pid: int) -> None:
    sc = syscalls.get()
    sc.prctl(PR_SET_DUMPABLE, 0)
    fds = []
    for ns_type in ns.JOIN_ORDER:
        entry = ns.find(config.namespaces, ns_type)
        if entry is None:
            continue  # the container shares ours: nothing to join
        path = f"/proc/{init_pid}/ns/{NS_FILE_NAMES[ns_type]}"
        if os.readlink(path) == os.readlink(f"/proc/self/ns/{NS_FILE_NAMES[ns_type]}"):
            continue  # setns into our own user namespace is EINVAL; the others are no-ops
        fds.append((ns_type, os.open(path, os.O_RDONLY | os.O_CLOEXEC)))
    try:
        for ns_type, fd in fds:
            try:
                sc.setns(fd, ns.CLONE_FLAGS[ns_type])
            except OSError as e:
                raise OSError(e.errno, f"joining the container's {NS_FILE_NAMES[ns_type]} namespace: {e.strerror}") from None
    finally:
        for _, fd in fds:
            os.close(fd)


def _in_container(config, process, chan, console_conn, sec=None, join_fds=()) -> None:
    try:
        cgroupjoin.join(join_fds)  # first thing: into the container's cgroups by ourselves
        sc = syscalls.get()
        chan.expect("go")  # the parent has put us in the container's cgroups (or we did)
        os.setsid()  # a session of its own, as runc's exec'd processes get
        if ns.find(config.namespaces, "NEWUSER") is not None:
            os.setresgid(0, 0, 0)
            os.setresuid(0, 0, 0)
        if getattr(process, "terminal", False):
            console.setup(process, chan, console_conn, mount=False)
        prepared = process_setup.prepare(config, process)
        process_setup.make_room(process, chan)  # extra files take 3..
        process_setup.apply(sc, config, process, prepared, sec)
        if sec is not None:
            sec.load_last()  # seccomp with no_new_privs: just before execve
        process_setup.close_fds_on_exec(process_setup.kept_fds(process))
        os.execve(prepared.path, prepared.argv, prepared.env)
    except BaseException as e:  # noqa: BLE001
        _report(chan, e)
    finally:
        security.exit_init(127)
