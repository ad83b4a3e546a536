"""Resolving a process's user spec ("uid[:gid]" or names) in the container's own /etc files.

The lookup must read the container's passwd and group files, never the host's: a name
means whatever the image says it means. So this runs in the init, after pivot_root.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class UserError(LookupError):
    pass


@dataclass
class ExecUser:
    uid: int
    gid: int
    sgids: list[int] = field(default_factory=list)
    home: str = "/"


def _read(path: str) -> list[list[str]]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [line.rstrip("\n").split(":") for line in f if line.strip() and not line.startswith("#")]
    except (FileNotFoundError, NotADirectoryError):
        return []


def resolve(spec: str, additional: list[str] | None = None, passwd="/etc/passwd", group="/etc/group") -> ExecUser:
    """runc's GetExecUser: numeric ids need no entry; names must exist in the files."""
    spec = spec or "0:0"
    user_part, _, group_part = spec.partition(":")
    users = _read(passwd)
    groups = _read(group)

    entry = None
    if user_part.isdigit():
        uid = int(user_part)
        entry = next((u for u in users if len(u) >= 7 and u[2] == user_part), None)
    else:
        entry = next((u for u in users if len(u) >= 7 and u[0] == user_part), None)
        if entry is None:
            raise UserError(f"unable to find user {user_part}: no matching entries in passwd file")
        uid = int(entry[2])
    gid = int(entry[3]) if entry is not None else 0
    home = entry[5] if entry is not None else "/"

    def group_id(name: str) -> int:
        if name.isdigit():
            return int(name)
        g = next((g for g in groups if len(g) >= 3 and g[0] == name), None)
        if g is None:
            raise UserError(f"unable to find group {name}: no matching entries in group file")
        return int(g[2])

    if group_part:
        gid = group_id(group_part)
    sgids: list[int] = []
    if entry is not None and not group_part:
        # supplementary groups from the group file, as login would give them
        sgids = [int(g[2]) for g in groups if len(g) >= 4 and entry[0] in g[3].split(",")]
    for extra in additional or ():
        sgids.append(group_id(str(extra)))
    return ExecUser(uid=uid, gid=gid, sgids=sgids, home=home)
