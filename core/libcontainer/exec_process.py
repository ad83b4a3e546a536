"""The parent's side of `exec`: start an additional process in a running container."""

from __future__ import annotations

import os

from . import console
from .errors import ContainerStartError
from .init import cgroupjoin
from .init.sync import Channel, SyncError
from .process import kill_and_reap


def start_exec(config, process, init_pid: int, *, cgroup_manager=None, container_id: str = "") -> int:
    """Fork a child that joins the container; return the PID of the process in it.

    The returned process is our own child (CLONE_PARENT), so ``process.wait()`` works.
    """
    parent, child = Channel.pair()
    console_conn, own_conn = console.connect(process)  # runc's --console-socket
    join_fds = cgroupjoin.open_files(cgroup_manager, create=False)  # the process moves itself
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            from .init import setns_init

            parent.close()
            setns_init.main(config, process, child, init_pid, console_conn, join_fds)
    finally:
        for fd in join_fds:
            os.close(fd)
        if own_conn:
            console_conn.close()
    child.close()
    target = None
    try:
        msg = parent.expect("pid")
        target = msg["pid"]
        process.pid = target
        _reap(pid)
        pid = None
        if cgroup_manager is not None and not join_fds:  # else it moved itself
            cgroup_manager.apply(target)
        parent.send("go")
        # end-of-file means execve closed the child's end (close-on-exec): it runs
        while (msg := parent.recv()) is not None:
            if msg.get("type") == "console":
                console.receive_master(parent, process)
                continue
            if msg.get("type") == "seccomp":  # a notify listener fd for the agent
                from .seccomp import notify

                notify.handle(parent, config, container_id, "running", target, init_pid)
                continue
            raise SyncError(msg.get("message", "unknown error in exec") if msg.get("type") == "error"
                            else f"unexpected message {msg.get('type')!r}")
    except BaseException as e:
        for p in (target, pid):
            if p:
                kill_and_reap(p)
        process._reaped = True
        if isinstance(e, SyncError):
            raise ContainerStartError(str(e)) from None
        raise
    finally:
        parent.close()
    return target


def _reap(pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return
    raise SyncError(f"exec: the process joining the container failed (status {status})")
