"""`create`, `start` and `run`: a bundle's config.json becomes a container.

stdio as runc without a terminal: the container's init inherits pyrunc's own stdin,
stdout and stderr, so an engine that wants the output hands `create` files or pipes it
keeps open, and `create` exits while the init waits on the exec FIFO. A foreground
`run` waits, forwards signals to the init, removes the container and exits with the
init's status (128+signal when it was killed), which is what engines report.
"""

from __future__ import annotations

from .common import (
    CliError,
    absolute,
    container_id,
    forward_signals,
    process_kwargs,
    read_spec,
    rootless_cgroups,
    write_pid_file,
)
from .fastargs import SUPPRESS

# `start` (a hot command) lives here too: signal (and enum), tty (termios, threading) and
# fds are imported by the functions of create/run that use them, not by this module.


def _common_flags(p) -> None:
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.add_argument("-b", "--bundle", default="", help="path to the root of the bundle directory, defaults to the current directory")
    p.add_argument("--console-socket", default="", help="path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
    p.add_argument("--pidfd-socket", default="", help=SUPPRESS)
    p.add_argument("--pid-file", default="", help="specify the file to write the process id to")
    p.add_argument("--no-pivot", action="store_true", help="do not use pivot root to jail process inside rootfs")
    p.add_argument("--no-new-keyring", action="store_true", help="do not create a new session keyring for the container")
    p.add_argument("--preserve-fds", type=int, default=0, help="Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)")


def register(sub) -> None:
    p = sub.add_parser("create", help="create a container")
    _common_flags(p)
    p.set_defaults(func=cmd_create)
    p = sub.add_parser("run", help="create and run a container")
    _common_flags(p)
    p.add_argument("-d", "--detach", action="store_true", help="detach from the container's process")
    p.add_argument("--keep", action="store_true", help="do not delete the container after it exits")
    p.add_argument("--no-subreaper", action="store_true", help="disable the use of the subreaper used to reap reparented processes")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("start", help="executes the user defined process in a created container")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.set_defaults(func=cmd_start)


def _prepare(args, *, detach: bool):
    """Everything that can fail before a container exists: nothing is created on error."""
    from libcontainer import Process
    from libcontainer.factory import validate_id
    from libcontainer.init import plan
    from libcontainer.specconv import create_config, process_from_spec

    plan.SHARE_MEMORY = True  # a one-shot process: the native init may share our memory

    from . import fds

    cid = container_id(args)
    validate_id(cid)
    pid_file = absolute(args.pid_file)
    bundle, spec, raw = read_spec(args.bundle)
    proc = process_from_spec(spec["process"])
    if proc["terminal"] or args.console_socket:  # else runc's checkTerminal has nothing to say
        from . import tty

        tty.check(proc["terminal"], args.console_socket, detach)
    config = create_config(
        spec,
        container_id=cid,
        bundle=bundle,
        use_systemd_cgroup=args.systemd_cgroup,
        no_pivot_root=args.no_pivot,
        no_new_keyring=getattr(args, "no_new_keyring", False),
        rootless_cgroups=rootless_cgroups(args),
    )
    kwargs = process_kwargs(proc)
    kwargs["rlimits"] = []  # the init's come from the Config (runc's order), not twice
    process = Process(**kwargs)
    if process.terminal and args.console_socket:
        # relative to the bundle, as runc dials it after the chdir
        process.console_socket = args.console_socket
    fds.apply(process, args.preserve_fds, listen=True)
    return cid, config, process, pid_file, lambda: _plain_exec(bundle, raw)


def _plain_exec(bundle: str, raw: bytes):
    """Container.plain_exec: what a plain `exec` of this container will run, from which
    config.json (native_exec.py), parsed again from its bytes as `exec` parses it; None
    when that cannot be told now. Called while the init builds its rootfs."""
    import os

    from libcontainer import jsonfast

    from .common import SPEC_CONFIG
    from .exec_cmd import plain_process

    try:
        return plain_process(jsonfast.loads(raw)["process"], ["sh"]), os.path.join(bundle, SPEC_CONFIG), raw
    except Exception:  # noqa: BLE001 - the Python `exec` will report it, if it is ever run
        return None


def _create(args, *, detach: bool, run: bool):
    """Returns (container, process, foreground terminal or None)."""
    from libcontainer.factory import Factory

    cid, config, process, pid_file, plain_exec = _prepare(args, detach=detach)
    # runc's setupIO: a foreground terminal needs ours, before anything is created
    term = None
    if process.terminal and not detach:
        from . import tty

        term = tty.Foreground()
    if term is not None:
        term.size_for(process)
    try:
        container = Factory(args.root).create(cid, config)
    except BaseException:
        if term is not None:
            term.close()
        raise
    container.plain_exec = plain_exec
    container.plain_exec_later = run and not detach  # see _facts_unless_gone
    try:
        if run:
            container.run(process)
        else:
            container.start(process)
        if term is not None:
            term.attach(process.console_master)
            process.console_master = None
        write_pid_file(pid_file, container.init_pid)
    except BaseException:
        _destroy_quietly(container)
        if term is not None:
            term.close()
        raise
    return container, process, term


#: how long a foreground run's container runs before its exec.native and state.native are written
_MOMENT_MS = 20


def _facts_unless_gone(container, pid: int) -> None:
    """exec.native and state.native (the native front's plain exec and state) for a
    foreground run's container that is still running after a moment: a container that is
    gone by then needs none, and one that runs on gets them while it runs, not on the way
    to its start (Container.write_deferred_facts)."""
    import os
    import select  # built into Debian's interpreter

    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return  # gone already
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if poller.poll(_MOMENT_MS):
            return
    finally:
        os.close(pidfd)
    try:
        container.write_deferred_facts()
    except Exception:  # noqa: BLE001, S110 - without it, `exec` runs in Python
        pass


def _destroy_quietly(container) -> None:
    """Best effort, after a foreground run: no error of its own reaches the caller."""
    import os

    try:
        if str(container.status()) != "stopped":
            os.kill(container.init_pid, 9)  # SIGKILL
    except Exception:  # noqa: BLE001, S110 - the exit status already told what happened
        pass
    try:
        container.destroy()
    except Exception:  # noqa: BLE001, S110
        pass


def cmd_create(args) -> int:
    _create(args, detach=True, run=False)
    return 0


def cmd_run(args) -> int:
    if args.detach:
        _create(args, detach=True, run=True)
        return 0
    container, process, term = _create(args, detach=False, run=True)
    forward_signals(process.pid)
    _facts_unless_gone(container, process.pid)
    try:
        status = process.wait()
    finally:
        if not args.keep:
            _destroy_quietly(container)
        if term is not None:  # after destroy, as runc: nothing holds the pty's slave any more
            term.close()
    return status.exit_code


def cmd_start(args) -> int:
    """runc's start: only a created container can be started, with runc's words otherwise."""
    from .common import light_container

    container = light_container(args)
    status = str(container.status())
    if status == "created":
        container.exec()
        return 0
    if status == "stopped":
        raise CliError("cannot start a container that has stopped")
    if status == "running":
        raise CliError("cannot start an already running container")
    raise CliError(f"cannot start a container in the {status} state")
