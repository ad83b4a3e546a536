"""The parent's side of starting a container's init.

The parent clones the child into its new namespaces, then does what only the outside can
do while the child waits: write the uid/gid maps, place the child in its cgroups, set the
resource limits and build the networks. Then it lets the child go on, and waits for
"ready" (rootfs built, program found, waiting on the exec FIFO) or an error.
Any failure kills the child and undoes what was done, so a failed create leaves nothing.
"""

from __future__ import annotations

import os
import signal

from . import console, hooks, syscalls
from . import namespaces as ns
from .errors import ContainerStartError
from .init import process_setup
from .init.sync import Channel, SyncError


def start_init(config, process, fifo_path: str, *, cgroup_manager=None, networks=(), container_id: str = "") -> int:
    """Clone the init and bring it to the point where it waits on the exec FIFO.

    Returns the init's PID (in our PID namespace). The caller owns the child: it is ours to
    wait for.
    """
    sc = syscalls.get()
    flags = ns.clone_flags(config.namespaces)
    parent, child = Channel.pair()
    fifo_fd = os.open(fifo_path, os.O_PATH | os.O_CLOEXEC)
    try:
        console_conn, own_conn = console.connect(process)  # runc's --console-socket
    except BaseException:
        os.close(fifo_fd)
        raise
    try:
        pid = sc.clone(flags)
        if pid == 0:  # pragma: no cover - runs in the child
            from .init import standard

            parent.close()
            standard.main(config, process, child, fifo_fd, container_id, console_conn)
    finally:
        os.close(fifo_fd)
        if own_conn:
            console_conn.close()
    child.close()
    process.pid = pid
    try:
        # id maps written; a staged start (joins by path, time ns) hands over the real init
        pid = process.pid = ns.settle_init(parent, config, pid)
        process_setup.write_oom_score_adj(pid, config, process)
        if cgroup_manager is not None:
            cgroup_manager.apply(pid)
            if config.cgroups is not None and config.cgroups.resources is not None:
                cgroup_manager.set(config.cgroups.resources)
        for strategy, network in networks:
            strategy.create(network, pid)
        parent.send("go")
        parent.serve_until("ready", {
            "hooks": lambda msg: hooks.serve_prestart(parent, config, container_id, pid),
            "console": lambda msg: None,  # the pty master rides along; taken below
            "seccomp": lambda msg: _seccomp_listener(parent, config, container_id, pid),
        })
        console.receive_master(parent, process)
    except BaseException as e:
        _kill_and_reap(pid)
        process._reaped = True
        if isinstance(e, SyncError):
            raise ContainerStartError(str(e)) from None
        raise
    finally:
        parent.close()
    return pid


def _seccomp_listener(chan, config, container_id: str, pid: int) -> None:
    """The init loaded a filter with SCMP_ACT_NOTIFY: its listener fd goes to the agent."""
    from .seccomp import notify

    notify.handle(chan, config, container_id, "creating", pid, pid)


def _kill_and_reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
