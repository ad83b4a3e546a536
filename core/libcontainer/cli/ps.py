"""`ps`: the container's pids (from its cgroup), or the host's `ps` output filtered to them.

As runc: `--format json` prints the pid list; the table runs the host's `ps` with the
given arguments (default `-ef`), keeps the header and the lines whose PID column is one
of the container's processes.
"""

from __future__ import annotations

import sys

from .common import CliError, light_container, print_json
from .fastargs import REMAINDER


def register(sub) -> None:
    p = sub.add_parser("ps", help="ps displays the processes running inside a container")
    p.add_argument("-f", "--format", default="table", help="select one of: table or json")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.add_argument("ps_args", nargs=REMAINDER)
    p.set_defaults(func=cmd_ps)


def pid_index(header: str) -> int:
    for i, name in enumerate(header.split()):
        if name == "PID":
            return i
    raise CliError("couldn't find PID field in ps output")


def filter_ps(output: str, pids: set[int]) -> list[str]:
    lines = output.split("\n")
    idx = pid_index(lines[0])
    out = [lines[0]]
    for line in lines[1:]:
        fields = line.split()
        if len(fields) <= idx:
            continue
        try:
            pid = int(fields[idx])
        except ValueError:
            raise CliError(f"unexpected pid '{fields[idx]}'") from None
        if pid in pids:
            out.append(line)
    return out


def cmd_ps(args) -> int:
    container = light_container(args)
    if args.format not in ("table", "json"):
        raise CliError("invalid format option")
    pids = container.processes()
    if args.format == "json":
        print_json(pids or None)
        return 0
    ps_args = list(args.ps_args) or ["-ef"]
    try:
        status, output = run_ps(ps_args)
    except FileNotFoundError:
        raise CliError('exec: "ps": executable file not found in $PATH') from None
    if status != 0:
        raise CliError(f"exit status {status}: {output}")
    sys.stdout.write("\n".join(filter_ps(output, set(pids))) + "\n")
    return 0


def run_ps(ps_args: list[str]) -> tuple[int, str]:
    """The host's ps, its output and errors in one pipe; (exit status, output).

    posix_spawnp, not subprocess: importing subprocess (re, enum, signal, threading...)
    took longer than ps itself (~4 ms here): `ps` 24.6 -> 17.2 ms without it."""
    import _signal  # the C module: signal.py builds its enums at import
    import os

    r, w = os.pipe()  # both close-on-exec; the child's 1 and 2 are dup2()ed copies
    try:
        # what Python ignores and ps should not (subprocess's restore_signals): an ignored
        # signal stays ignored across execve
        pid = os.posix_spawnp("ps", ["ps", *ps_args], os.environ,
                              file_actions=[(os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_DUP2, w, 2)],
                              setsigdef=(_signal.SIGPIPE, _signal.SIGXFSZ))
    except BaseException:
        os.close(r)
        raise
    finally:
        os.close(w)
    chunks = []
    try:
        while chunk := os.read(r, 65536):
            chunks.append(chunk)
    finally:
        os.close(r)
        _, wstatus = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wstatus), b"".join(chunks).decode("utf-8", "replace")
