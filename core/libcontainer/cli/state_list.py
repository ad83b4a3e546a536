"""`state` and `list`: runc's containerState JSON and table, from state.json alone."""

from __future__ import annotations

import os
import sys

from .common import CliError, container_id, print_json


def register(sub) -> None:
    p = sub.add_parser("state", help="output the state of a container")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.set_defaults(func=cmd_state)
    p = sub.add_parser("list", help="lists containers started by pyrunc with the given root")
    p.add_argument("-f", "--format", default="table", help="select one of: table or json")
    p.add_argument("-q", "--quiet", action="store_true", help="display only container IDs")
    p.set_defaults(func=cmd_list)


def cmd_state(args) -> int:
    from . import saved

    c = saved.container(args.root, container_id(args))
    print_json(saved.oci_state(c, str(c.status())), indent=2)
    return 0


def _owner(path: str) -> str:
    import pwd

    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"


def collect(root: str, *, root_given: bool = True) -> list[dict]:
    """Every container under ``root``; one that cannot be read is reported and skipped."""
    from libcontainer.errors import LibcontainerError

    from . import saved

    try:
        names = sorted(os.listdir(root))
    except FileNotFoundError:
        if not root_given:
            return []
        raise
    out = []
    for name in names:
        path = os.path.join(root, name)
        if not os.path.isdir(path):
            continue
        try:
            owner = _owner(path)
            c = saved.container(root, name)
            out.append(saved.oci_state(c, str(c.status()), owner=owner))
        except FileNotFoundError:
            continue  # deleted meanwhile
        except (LibcontainerError, OSError) as e:
            print(f"load container {name}: {e}", file=sys.stderr)
    return out


def _rfc3339nano(created: str) -> str:
    """Go's RFC3339Nano drops trailing zeros of the fraction (and the dot with them)."""
    if "." in created:
        head, _, rest = created.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        tz = rest[len(digits):]
        digits = digits.rstrip("0")
        return f"{head}.{digits}{tz}" if digits else f"{head}{tz}"
    return created


def table(rows: list[list[str]], minwidth: int = 12, padding: int = 3) -> str:
    """Go's tabwriter (minwidth 12, padding 3, spaces): each column as wide as its widest cell."""
    widths = [max(minwidth, max(len(r[i]) for r in rows) + padding) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(r[:-1])]
        lines.append("".join(cells) + r[-1])
    return "\n".join(lines) + "\n"


def cmd_list(args) -> int:
    if args.format not in ("table", "json") and not args.quiet:
        raise CliError("invalid format option")
    states = collect(args.root, root_given=getattr(args, "root_given", True))
    if args.quiet:
        for s in states:
            print(s["id"])
        return 0
    if args.format == "json":
        print_json(states or None)
        return 0
    rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
    rows += [[s["id"], str(s["pid"]), s["status"], s["bundle"], _rfc3339nano(s["created"]), s["owner"]]
             for s in states]
    sys.stdout.write(table(rows))
    return 0
