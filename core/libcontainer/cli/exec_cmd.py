"""`exec`: one more process in a running container, described by flags or `--process`.

As runc: without `--process` the process starts from the bundle's config.json process
(found through the container's `bundle` label) with args, env, cwd, user, groups and
capabilities overridden by the flags; its stdio is pyrunc's own. Without `--detach`
pyrunc waits, forwards signals and exits with the process's status.
"""

from __future__ import annotations

import os

from libcontainer import jsonfast

from .common import (
    CliError,
    absolute,
    container_id,
    forward_signals,
    full_container,
    process_kwargs,
    validate_process,
    write_pid_file,
)
from .fastargs import REMAINDER, SUPPRESS


def register(sub) -> None:
    p = sub.add_parser("exec", help="execute new process inside the container")
    p.add_argument("--console-socket", default="", help="path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
    p.add_argument("--pidfd-socket", default="", help=SUPPRESS)
    p.add_argument("--cwd", default="", help="current working directory in the container")
    p.add_argument("-e", "--env", action="append", default=[], help="set environment variables")
    p.add_argument("-t", "--tty", action="store_true", help="allocate a pseudo-TTY")
    p.add_argument("-u", "--user", default="", help="UID (format: <uid>[:<gid>])")
    p.add_argument("-g", "--additional-gids", action="append", default=[], help="additional gids")
    p.add_argument("-p", "--process", default="", help="path to the process.json")
    p.add_argument("-d", "--detach", action="store_true", help="detach from the container's process")
    p.add_argument("--pid-file", default="", help="specify the file to write the process id to")
    p.add_argument("--process-label", default="", help="set the asm process label for the process commonly used with selinux")
    p.add_argument("--apparmor", default="", help="set the apparmor profile for the process")
    p.add_argument("--no-new-privs", action="store_const", const=True, default=None, help="set the no new privileges value for the process")
    p.add_argument("-c", "--cap", action="append", default=[], help="add a capability to the bounding set for the process")
    p.add_argument("--preserve-fds", type=int, default=0, help="Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)")
    p.add_argument("--cgroup", action="append", default=[], help="run the process in an (existing) sub-cgroup(s)")
    p.add_argument("--ignore-paused", action="store_true", help="allow exec in a paused container")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.add_argument("exec_args", nargs=REMAINDER, metavar="command", help="command and its arguments")
    p.set_defaults(func=cmd_exec)


def _parse_id(text: str, what: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise CliError(f'parsing {text} as int for {what} failed: strconv.Atoi: parsing "{text}": invalid syntax') from None
    if value < 0:
        raise CliError(f"invalid {what} {text}: must not be negative")
    return value


def process_spec(args, bundle: str) -> dict:
    """runc's getProcess: the OCI process object to run."""
    if args.process:
        try:
            with open(args.process, "rb") as f:
                proc = jsonfast.loads(f.read())
        except FileNotFoundError:
            raise CliError(f"open {args.process}: no such file or directory") from None
        except ValueError as e:
            raise CliError(f"invalid JSON in {args.process}: {e}") from None
        validate_process(proc)
        return proc
    from .common import load_spec

    _, spec = load_spec(bundle)
    return with_flags(spec.get("process") or {}, args)  # a fresh parse, ours to change


class _NoFlags:
    """`exec`'s flags as the parser leaves them when none is given."""

    cwd = apparmor = process_label = user = ""
    cap: list = []
    env: list = []
    additional_gids: list = []
    tty = False
    no_new_privs = None

    def __init__(self, exec_args):
        self.exec_args = exec_args


def plain_process(spec_process: dict, exec_args: list[str]):
    """The Process `exec ID ARGS...` runs, without flags, for a config.json ``process``:
    what create compiles ahead for the native front (native_exec.py)."""
    return to_process(with_flags(dict(spec_process, env=list(spec_process.get("env") or []),
                                      user=dict(spec_process.get("user") or {})), _NoFlags(exec_args)))


def to_process(spec_process: dict, preserve_fds: int = 0):
    from libcontainer import Process
    from libcontainer.specconv import process_from_spec

    from . import fds

    process = Process(**process_kwargs(process_from_spec(spec_process)))
    fds.apply(process, preserve_fds, listen=False)
    return process


def with_flags(proc: dict, args) -> dict:
    """runc's getProcess after the load: the flags over config.json's ``proc`` (changed)."""
    proc["args"] = list(args.exec_args)
    if args.cwd:
        proc["cwd"] = args.cwd
    if args.apparmor:
        proc["apparmorProfile"] = args.apparmor
    if args.process_label:
        proc["selinuxLabel"] = args.process_label
    if args.cap:
        caps = proc.setdefault("capabilities", {}) or {}
        proc["capabilities"] = caps
        for cap in args.cap:
            for key in ("bounding", "effective", "permitted"):
                caps.setdefault(key, []).append(cap)
            if caps.get("inheritable") is not None:
                caps.setdefault("ambient", []).append(cap)
    proc["env"] = list(proc.get("env") or []) + list(args.env)
    proc["terminal"] = bool(args.tty)
    if args.no_new_privs is not None:
        proc["noNewPrivileges"] = args.no_new_privs
    user = proc.setdefault("user", {}) or {}
    proc["user"] = user
    if args.user:
        uid, sep, gid = args.user.partition(":")
        user["uid"] = _parse_id(uid, "uid")
        if sep:
            user["gid"] = _parse_id(gid, "gid")
    for g in args.additional_gids:
        user.setdefault("additionalGids", []).append(_parse_id(g, "additional gid"))
    validate_process(proc)
    return proc


def cmd_exec(args) -> int:
    from libcontainer.init import plan
    from libcontainer.state import annotations

    plan.SHARE_MEMORY = True  # a one-shot process: the native child may share our memory
    from libcontainer.exec_process import PartialConfig

    from . import tty  # here: parsing `exec` (fastargs loads this module) needs it not

    pid_file = absolute(args.pid_file)
    console_socket = absolute(args.console_socket)  # load_spec chdirs to the bundle; runc does not
    if args.cgroup:
        raise CliError("--cgroup is not available: the container library cannot place exec'd processes in sub-cgroups yet")
    from .saved import exec_container

    # state.json's fields where the native child will do (~4 ms less), else Factory.load
    container = exec_container(args.root, container_id(args)) or full_container(args)
    status = str(container.status())
    if status == "stopped":
        raise CliError("cannot exec in a stopped container")
    if status == "paused" and not args.ignore_paused:
        raise CliError("cannot exec in a paused container (use --ignore-paused to override)")
    bundle, _ = annotations(getattr(container.config, "labels", []) or [])
    spec_process = process_spec(args, bundle or os.getcwd())
    tty.check(bool(spec_process.get("terminal")), console_socket, args.detach)
    process = to_process(spec_process, args.preserve_fds)
    if process.terminal and console_socket:
        process.console_socket = console_socket
    term = tty.Foreground() if process.terminal and not args.detach else None
    if term is not None:
        term.size_for(process)
    try:
        try:
            container.start(process)  # an init already exists: this is runc's setns process
        except PartialConfig:
            container = full_container(args)
            container.start(process)
        if term is not None:
            term.attach(process.console_master)
            process.console_master = None
        write_pid_file(pid_file, process.pid)
        if args.detach:
            return 0
        forward_signals(process.pid)
        return process.wait().exit_code
    finally:
        if term is not None:
            term.close()
