"""`kill` and `delete`, with runc's signal parsing and its delete/force semantics."""

from __future__ import annotations

import os
import sys
import time

from .common import CliError, container_id, light_container

#: Linux's signal numbers on x86_64 and arm64 (the generic table), with the aliases
#: Python's signal.Signals knows. The signal module builds its enums at import (enum,
#: ~5 ms of a fresh `pyrunc kill`); a name missing here, or another architecture,
#: still goes through it. SIGRTMIN/SIGRTMAX depend on the C library: not listed.
#: tests/unit/test_cli_units.py checks this table against the signal module.
LINUX_SIGNALS = {
    "SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGIOT": 6,
    "SIGBUS": 7, "SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12,
    "SIGPIPE": 13, "SIGALRM": 14, "SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCLD": 17,
    "SIGCONT": 18, "SIGSTOP": 19, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23,
    "SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26, "SIGPROF": 27, "SIGWINCH": 28, "SIGIO": 29,
    "SIGPOLL": 29, "SIGPWR": 30, "SIGSYS": 31,
}
_TABLE_MACHINES = ("x86_64", "aarch64")


def register(sub) -> None:
    p = sub.add_parser("kill", help="kill sends the specified signal (default: SIGTERM) to the container's init process")
    p.add_argument("-a", "--all", action="store_true", help="send the specified signal to all processes inside the container")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.add_argument("signal", nargs="?", default="SIGTERM")
    p.set_defaults(func=cmd_kill)
    p = sub.add_parser("delete", help="delete any resources held by the container often used with detached container")
    p.add_argument("-f", "--force", action="store_true", help="Forcibly deletes the container if it is still running (uses SIGKILL)")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.set_defaults(func=cmd_delete)


def signal_number(name: str) -> int | None:
    """The number of signal ``name`` (upper case, SIG prefix optional), or None."""
    if not name.startswith("SIG"):
        name = "SIG" + name
    if sys.platform == "linux" and name in LINUX_SIGNALS and os.uname().machine in _TABLE_MACHINES:
        return LINUX_SIGNALS[name]
    if not name.isidentifier():
        return None
    import signal

    sig = getattr(signal.Signals, name, None)
    return None if sig is None else int(sig)


def parse_signal(raw: str) -> int:
    """A number, or a name with or without SIG (any case), as runc's parseSignal."""
    try:
        return int(raw, 10)
    except ValueError:
        pass
    sig = signal_number(raw.upper())
    if sig is None:
        raise CliError(f'unknown signal "{raw}"')
    return sig


def cmd_kill(args) -> int:
    container_id(args)
    if args.all:
        from .common import full_container

        container = full_container(args)  # needs the cgroup backend to reach every process
    else:
        container = light_container(args)
    sig = parse_signal(args.signal)
    container.signal(sig, all=args.all)
    return 0


def cmd_delete(args) -> int:
    from libcontainer.errors import ContainerNotExists

    cid = container_id(args)
    try:
        container = light_container(args, backend=True)
    except ContainerNotExists:
        # an aborted create may leave a directory without state.json: runc removes it
        # (read() validated the id before it found no container)
        state_dir = os.path.join(args.root, cid)
        if os.path.isdir(state_dir):
            import shutil

            shutil.rmtree(state_dir, ignore_errors=True)
        if args.force:
            return 0
        raise
    status = str(container.status())
    if status == "stopped":
        container.destroy()
    elif status == "created" or args.force:
        _kill_and_destroy(container, status)
    else:
        raise CliError(f"cannot delete container {cid} that is not stopped: {status}")
    return 0


def _kill_and_destroy(container, status: str) -> None:
    """runc's killContainer: SIGKILL, wait up to 10 s for the init to go, then destroy.

    runc polls in 100 ms sleeps; here the wait is a poll() on a pidfd of the init, which
    wakes the moment it exits, so `delete -f` costs the kernel's teardown and no more.
    ``status``: the caller's, just taken (each status() reads /proc twice and the freezer).
    """
    pidfd = _init_pidfd(container)
    try:
        if status == "paused":
            # a frozen init cannot die: signal every task (the backend freezes, signals and
            # thaws: runc's signalAllProcesses), then thaw what may still be frozen
            try:
                container.signal(signal_number("KILL"), all=True)
            except Exception:  # noqa: BLE001 - the init is killed below in any case
                pass
            if str(container.status()) == "paused":
                container.resume()
        if pidfd is not None:
            try:
                os.kill(container.init_pid, signal_number("KILL"))  # alive a moment ago (_init_pidfd)
            except ProcessLookupError:
                pass  # gone meanwhile: the poll below returns at once
        else:
            try:
                container.signal(signal_number("KILL"))
            except Exception:  # noqa: BLE001 - it may have stopped meanwhile
                pass
        if pidfd is not None:
            import select

            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            poller.poll(_KILL_TIMEOUT * 1000)
        deadline = time.monotonic() + _KILL_TIMEOUT
        while str(container.status()) != "stopped":
            if pidfd is not None or time.monotonic() > deadline:
                raise CliError("container init still running")
            time.sleep(0.1)  # no pidfd (old kernel): runc's own polling
    finally:
        if pidfd is not None:
            os.close(pidfd)
    container.destroy()


_KILL_TIMEOUT = 10.0


def _init_pidfd(container) -> int | None:
    """A pidfd for the container's init, opened only while it is still that process."""
    pid = container.init_pid
    if not pid or not hasattr(os, "pidfd_open"):
        return None
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return None
    if not container.init_alive():  # gone, or the pid now names another process
        os.close(fd)
        return None
    return fd
