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
        import subprocess  # only here: every other command imports this module too

        res = subprocess.run(["ps", *ps_args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except FileNotFoundError:
        raise CliError('exec: "ps": executable file not found in $PATH') from None
    if res.returncode != 0:
        raise CliError(f"exit status {res.returncode}: {res.stdout}")
    sys.stdout.write("\n".join(filter_ps(res.stdout, set(pids))) + "\n")
    return 0
