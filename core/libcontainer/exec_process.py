"""The parent's side of `exec`: start an additional process in a running container.

A PID namespace applies to children only, so the process cannot simply fork and join it.
Where we may (root in the initial user namespace, no time namespace to join), the runtime
itself enters the container's PID namespace for its children (setns on its own thread
leaves its own PID alone), forks once, and returns to its own: the child is born in the
container's PID namespace and joins the others itself. Otherwise the child joins them all
and clones once more with CLONE_PARENT (setns_init.py), runc's two-step way, at the price
of a second fork of this interpreter.
"""

from __future__ import annotations

import os

from . import namespaces as ns
from . import syscalls
from .errors import ContainerStartError
from .init import cgroupjoin
from .init.sync import Channel, SyncError
from .process import connect_console, kill_and_reap


class PartialConfig(Exception):
    """The config is state.json's few fields (cli/saved.py's ExecConfig) and the native
    child cannot run this exec: load the whole Config and call again. Raised before
    anything was started."""


def start_exec(config, process, init_pid: int, *, cgroup_manager=None, container_id: str = "",
               seccomp_filter=None) -> int:
    """Fork a child that joins the container; return the PID of the process in it.

    The returned process is our own child (forked straight, or with CLONE_PARENT), so
    ``process.wait()`` works. ``seccomp_filter``: the container's profile as the caller
    compiled it (seccomp/compiled.py's ``for_container``), loaded by the child.
    """
    from .init import plan  # the native child, where the config has one

    join_fds = cgroupjoin.open_files(cgroup_manager, create=False)  # the process moves itself
    try:
        native = plan.compile_exec(config, process, init_pid, join_fds, seccomp=seccomp_filter)
        if native is None and getattr(config, "partial", False):
            raise PartialConfig()  # before anything is connected or started
    except BaseException:
        for fd in join_fds:
            os.close(fd)
        raise
    ns_fds: list[int] = native[1] if native is not None else []
    parent, child = Channel.pair()
    try:
        console_conn, own_conn = connect_console(process)  # runc's --console-socket
    except BaseException:
        for fd in join_fds + ns_fds:
            os.close(fd)
        parent.close()
        child.close()
        raise
    try:
        direct, own_pidns = _enter_pidns(config, init_pid)
        if not direct:
            native = None  # the plan joins all but the PID namespace: the two-step way is Python's
            if getattr(config, "partial", False):
                raise PartialConfig()
        pid = -1
        try:
            # the native child (init/plan.py) never runs Python: no copy-on-write of our heap
            pid = os.fork() if native is None else syscalls.get().clone_init(0, -1, native[0], child.fileno(),
                                                                              plan.share_memory())
        finally:
            if own_pidns is not None and pid != 0:
                try:
                    _leave_pidns(own_pidns)
                except BaseException:
                    if pid > 0:
                        kill_and_reap(pid)
                    raise
        if pid == 0:  # pragma: no cover - runs in the child
            from .init import setns_init

            parent.close()
            setns_init.main(config, process, child, init_pid, console_conn, join_fds, direct=direct,
                            seccomp_filter=seccomp_filter)
    except BaseException:
        parent.close()
        child.close()
        raise
    finally:
        for fd in join_fds + ns_fds:
            os.close(fd)
        if own_conn:
            console_conn.close()
    child.close()
    target = None
    try:
        if direct:  # born in the container's PID namespace: our child already
            target, pid = pid, None
        else:
            target = parent.expect("pid")["pid"]
            _reap(pid)
            pid = None
        process.pid = target
        if cgroup_manager is not None and not join_fds:  # else it moved itself
            cgroup_manager.apply(target)
        parent.send("go")
        # end-of-file means execve closed the child's end (close-on-exec): it runs
        while (msg := parent.recv()) is not None:
            if msg.get("type") == "console":
                from . import console

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


def _enter_pidns(config, init_pid: int) -> tuple[bool, int | None]:
    """Make the init's PID namespace the one of our next child. Returns (whether one fork
    serves, our own PID namespace's descriptor to come back with, if we left it).

    Coming back needs CAP_SYS_ADMIN over our own PID namespace, which only root in the
    initial user namespace is sure to have; a time namespace, too, applies to children only
    and stays with the two-step way. A container in our PID namespace needs no second fork.
    """
    if ns.find(config.namespaces, "NEWTIME") is not None:
        return False, None
    if ns.find(config.namespaces, "NEWPID") is None:
        return True, None
    from .userns import running_in_user_ns

    if os.geteuid() != 0 or running_in_user_ns():
        return False, None
    try:
        own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False, None
    try:
        target = os.open(f"/proc/{init_pid}/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        try:
            syscalls.get().setns(target, ns.CLONE_FLAGS["NEWPID"])
        finally:
            os.close(target)
    except OSError:
        os.close(own)
        return False, None  # the two-step way reports what is wrong, if anything
    return True, own


def _leave_pidns(own: int) -> None:
    """Our children's PID namespace is ours again (the library may fork more)."""
    try:
        syscalls.get().setns(own, ns.CLONE_FLAGS["NEWPID"])
    finally:
        os.close(own)


def _reap(pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return
    raise SyncError(f"exec: the process joining the container failed (status {status})")
