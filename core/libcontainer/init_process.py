"""The parent's side of starting a container's init.

The parent clones the child into its new namespaces, then does what only the outside can
do: write the uid/gid maps ("go"), then -- while the child prepares what needs no cgroup,
sets its hostname and makes the mounts that need none -- create the child's cgroups and
let it in ("join": it moves itself where the backend allows, else we move it; it may now
unshare its cgroup namespace and mount cgroups), set the resource limits and build the
networks ("cgroups": it may fill /dev, run hooks and pivot). Then it waits for
"ready" (rootfs built, program found, waiting on the exec FIFO) or an error.
Any failure kills the child and undoes what was done, so a failed create leaves nothing.
"""

from __future__ import annotations

import os

from . import namespaces as ns
from . import syscalls
from .errors import ContainerStartError
from .init import cgroupjoin
from .init.sync import Channel, SyncError
from .process import connect_console, kill_and_reap


def start_init(config, process, fifo_path: str | None, *, cgroup_manager=None, networks=(),
               container_id: str = "", while_waiting=None, when_ready=None, seccomp_filter=None) -> int:
    """Clone the init and bring it to the point where it waits on the exec FIFO -- or, with
    no FIFO (``fifo_path`` None: a run without hooks), to where it has exec'd the program.

    Returns the init's PID (in our PID namespace). The caller owns the child: it is ours to
    wait for. ``while_waiting`` is called once the child has all it needs from us and builds
    its rootfs on its own, so the caller's bookkeeping costs no time of its own;
    ``when_ready(pid)`` once the init is ready -- without a FIFO, while it execs the
    program, which we wait for next. ``seccomp_filter``: ``config.seccomp`` as the caller
    compiled it (seccomp/compiled.py's ``for_container``), loaded by the init.
    """
    settle = None  # the cgroups' directories, made while we compile the plan (begin_apply)
    if cgroup_manager is not None:
        begin = getattr(cgroup_manager, "begin_apply", None)
        settle = begin() if begin is not None else None
    sc = syscalls.get()
    flags = ns.clone_flags(config.namespaces)
    parent, child = Channel.pair()
    fifo_fd = os.open(fifo_path, os.O_PATH | os.O_CLOEXEC) if fifo_path is not None else -1
    terminal = bool(getattr(process, "terminal", False))
    try:
        console_conn, own_conn = connect_console(process)
    except BaseException:
        if fifo_fd >= 0:
            os.close(fifo_fd)
        raise
    native = None
    try:
        from .init import plan  # the native init, where the config has one

        # runc's loopback strategy runs in the init: the native one brings lo up itself
        lo = [sn for sn in networks if type(sn[0]).__module__ == "libcontainer.network.loopback"]
        native = plan.compile(config, process, fifo_fd=fifo_fd, loopback=bool(lo), seccomp=seccomp_filter)
        if native is not None and lo:
            networks = [sn for sn in networks if sn not in lo]
        if settle is not None:  # no thread of the backend's across the clone
            settle()
        pid, placed = _clone(sc, flags, config, cgroup_manager,
                             native and (native[0], child.fileno(), plan.share_memory(fifo_fd, native[1])))
        if pid == 0:  # pragma: no cover - runs in the child
            from .init import standard

            parent.close()
            standard.main(config, process, child, fifo_fd, container_id, console_conn, seccomp_filter)
    finally:
        if fifo_fd >= 0:
            os.close(fifo_fd)
        if native is not None and native[1] is not None:
            os.close(native[1])
        if own_conn:
            console_conn.close()
    child.close()
    process.pid = pid
    try:
        # id maps written; a staged start (joins by path, time ns) hands over the real init
        pid = process.pid = ns.settle_init(parent, config, pid)
        write_oom_score_adj(pid, config, process)
        # "go" first: the child prepares (LSM, capabilities, seccomp backend) and makes its
        # first mounts while we create its cgroups; "join" (with the cgroups' descriptors,
        # see _place) before its cgroup namespace or a cgroup mount; "cgroups" (limits set,
        # networks built) before /dev's devices, the hooks and pivot_root.
        parent.send("go")
        try:
            if cgroup_manager is None:
                parent.send("join")
            else:
                _place(parent, cgroup_manager, pid, placed)
                if config.cgroups is not None and config.cgroups.resources is not None:
                    cgroup_manager.set(config.cgroups.resources)
            for strategy, network in networks:
                strategy.create(network, pid)
            parent.send("cgroups")
        except BaseException:
            _raise_child_error(parent)  # the child's own failure explains ours better
            raise
        if native is None:
            _warm_init_modules()
        if while_waiting is not None:
            while_waiting()
        ready = parent.serve_until("ready", {
            "hooks": lambda msg: _serve_prestart(parent, config, container_id, pid),
            "console": lambda msg: None,  # the pty master rides along; taken below
            "seccomp": lambda msg: _seccomp_listener(parent, config, container_id, pid),
        })
        if terminal:
            from . import console

            console.receive_master(parent, process)
        if when_ready is not None:
            when_ready(pid)
        if ready.get("closing") or fifo_fd < 0:
            # the native finisher let go of its end, or the init exec'd the program (its end
            # is close-on-exec; a failed execve reports an error instead)
            parent.expect_eof()
    except BaseException as e:
        kill_and_reap(pid)
        process._reaped = True
        if isinstance(e, SyncError):
            raise ContainerStartError(str(e)) from None
        raise
    finally:
        parent.close()
    return pid


def _place(chan, cgroup_manager, pid: int, placed: bool) -> None:
    """Put the init in its cgroups, or let it go there itself, then say "join".

    A backend with ``join_files`` (cgroup v1) gets its directories made and the files'
    descriptors sent along with "join": the init writes "0" to each and so moves itself
    without the RCU grace period a move by PID costs (init/cgroupjoin.py). An init born
    in its cgroup (``placed``: CLONE_INTO_CGROUP) is not moved at all -- even a move to
    where a task already is costs that grace period. Otherwise ``apply(pid)`` moves it.
    """
    fds = [] if placed else cgroupjoin.open_files(cgroup_manager, create=True)
    try:
        if not placed and not fds:
            cgroup_manager.apply(pid)
        chan.send_fds("join", fds)
    finally:
        for fd in fds:
            os.close(fd)


def _clone(sc, flags: int, config, cgroup_manager, native=None) -> tuple[int, bool]:
    """Clone the init, straight into its cgroup where the backend offers one (cgroup v2:
    CLONE_INTO_CGROUP), so it never runs outside its limits. Returns (pid, whether the
    child was born in its cgroup): then ``apply`` need not move it, and must not: even a
    move to where a task already is takes the kernel's global lock and an RCU grace period.

    A kernel or cgroup that refuses it (no clone3 or CLONE_INTO_CGROUP before 5.7, a seccomp
    profile answering clone3 with ENOSYS, a busy cgroup) leaves no child: clone again the
    classic way and let ``apply`` move it, as runc does when Go's UseCgroupFD fails. A
    staged start keeps the classic way: its first child is only a stepping stone.
    """
    prepare = getattr(cgroup_manager, "prepare_clone", None)
    cgroup_fd = prepare() if prepare is not None and not ns.needs_staging(config.namespaces) else None

    def clone(cgroup_fd: int = -1) -> int:
        if native is None:
            return sc.clone(flags, cgroup_fd)
        return sc.clone_init(flags, cgroup_fd, *native)

    if cgroup_fd is None:
        return clone(), False
    try:
        return clone(cgroup_fd), True
    except OSError:
        return clone(), False
    finally:
        os.close(cgroup_fd)  # in the parent and in the child alike


def _warm_init_modules() -> None:
    """Import what the init imports, while the child builds its rootfs and we would idle.

    The init is a fork of this process: whatever we have not imported, every init imports
    again (~5 ms each). A long-lived caller (the library API) pays it once this way, and a
    one-shot CLI call pays it on the other core, in parallel with the child.
    """
    from . import hooks  # noqa: F401 - the init's, for a config with hooks
    from .init import finisher, standard  # noqa: F401 - finisher: for an init with an exec FIFO
    from .rootfs import cgroupmount  # noqa: F401


def _raise_child_error(chan) -> None:
    """If the child already reported an error (and so left its cgroups half-made), raise it."""
    import select

    try:
        if not select.select([chan], [], [], 0.1)[0]:
            return
        msg = chan.recv()
    except (OSError, ValueError):
        return
    if msg is not None and msg.get("type") == "error":
        raise SyncError(msg.get("message", "unknown error in container init"))


def _seccomp_listener(chan, config, container_id: str, pid: int) -> None:
    """The init loaded a filter with SCMP_ACT_NOTIFY: its listener fd goes to the agent."""
    from .seccomp import notify

    notify.handle(chan, config, container_id, "creating", pid, pid)


def write_oom_score_adj(pid: int, config, process) -> None:
    """Written for the init from outside, before it goes on.

    In a new user namespace the init has no privilege over the host's view of itself, so
    it could raise its score but never lower it; runc writes it before the namespaces too.
    """
    oom = process.oom_score_adj if process.oom_score_adj is not None else config.oom_score_adj
    if oom is None:
        return
    with open(f"/proc/{pid}/oom_score_adj", "w") as f:
        f.write(str(oom))


def _serve_prestart(chan, config, container_id: str, pid: int) -> None:
    """The init asks for the runtime's hooks: libcontainer.hooks only for a config with
    hooks (the init, which imports it anyway, is not waiting for our import)."""
    from . import hooks

    hooks.serve_prestart(chan, config, container_id, pid)
