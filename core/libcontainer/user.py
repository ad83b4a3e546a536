"""Resolving a process's user spec ("uid[:gid]" or names) in the container's own /etc files.

The lookup must read the container's passwd and group files, never the host's: a name
means whatever the image says it means. So this runs in the init, after pivot_root.
The rules and the error texts are runc's (``user.GetExecUser``, ``GetAdditionalGroups``),
because engines and users match on them.
"""

from __future__ import annotations

from .record import field, record  # dataclasses' API without its ~25 ms of imports

#: runc's legal id range (int32, non-negative).
MIN_ID = 0
MAX_ID = 2**31 - 1

ERR_NO_PASSWD_ENTRIES = "no matching entries in passwd file"
ERR_NO_GROUP_ENTRIES = "no matching entries in group file"
ERR_RANGE = f"uids and gids must be in range {MIN_ID}-{MAX_ID}"


class UserError(LookupError):
    pass


@record
class ExecUser:
    uid: int = 0
    gid: int = 0
    sgids: list[int] = field(default_factory=list)
    home: str = "/"


@record
class _Passwd:
    name: str
    uid: int
    gid: int
    home: str


@record
class _Group:
    name: str
    gid: int
    members: list[str]


def _atoi(text: str) -> int | None:
    """Go's strconv.Atoi: optional sign, decimal digits only; None when not a number."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    return int(text)


def _fields(line: str, n: int) -> list[str]:
    parts = line.split(":")
    return (parts + [""] * n)[:n]


def _lines(path: str):
    """Lines of an /etc file; None when it cannot be read (runc then uses the defaults)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [ln.strip() for ln in f.read().splitlines()]
    except OSError:
        return None


def parse_passwd(lines) -> list[_Passwd]:
    out = []
    for line in lines or ():
        if not line or line.startswith("#"):
            continue
        name, _pw, uid, gid, _gecos, home, _shell = _fields(line, 7)
        out.append(_Passwd(name, _atoi(uid) or 0, _atoi(gid) or 0, home))
    return out


def parse_group(lines) -> list[_Group]:
    out = []
    for line in lines or ():
        if not line or line.startswith("#"):
            continue
        name, _pw, gid, members = _fields(line, 4)
        out.append(_Group(name, _atoi(gid) or 0, [m for m in members.split(",") if m]))
    return out


def _check_range(value: int) -> int:
    if value < MIN_ID or value > MAX_ID:
        raise UserError(ERR_RANGE)
    return value


def get_exec_user(spec: str, passwd_lines, group_lines, defaults: ExecUser | None = None) -> ExecUser:
    """runc's GetExecUser: numeric ids need no entry, names must exist in the files.

    ``passwd_lines``/``group_lines`` are None when the file is missing: then only numeric
    ids work, as in runc.
    """
    d = defaults or ExecUser()
    user = ExecUser(d.uid, d.gid, list(d.sgids), d.home)
    user_arg, _, group_arg = spec.partition(":")
    group_arg = group_arg.split(":", 1)[0]
    uid_arg, gid_arg = _atoi(user_arg), _atoi(group_arg)

    def user_matches(u: _Passwd) -> bool:
        if user_arg == "":
            return u.uid == user.uid
        if uid_arg is not None:
            return u.uid == uid_arg
        return u.name == user_arg

    users = [u for u in parse_passwd(passwd_lines) if user_matches(u)]
    matched = ""
    if users:
        matched = users[0].name
        user.uid, user.gid, user.home = users[0].uid, users[0].gid, users[0].home
    elif user_arg != "":
        if uid_arg is None:
            raise UserError(f"unable to find user {user_arg}: {ERR_NO_PASSWD_ENTRIES}")
        user.uid = _check_range(uid_arg)

    if group_arg != "" or matched != "":
        def group_matches(g: _Group) -> bool:
            if group_arg == "":
                return matched in g.members
            if gid_arg is not None:
                return g.gid == gid_arg
            return g.name == group_arg

        groups = [g for g in parse_group(group_lines) if group_matches(g)]
        if group_arg != "":
            if groups:
                user.gid = groups[0].gid
            elif gid_arg is None:
                raise UserError(f"unable to find group {group_arg}: {ERR_NO_GROUP_ENTRIES}")
            else:
                user.gid = _check_range(gid_arg)
        elif groups:
            # supplementary groups only come with the implicit form ("user", not "user:group")
            user.sgids = [g.gid for g in groups]
    return user


def get_additional_groups(additional, group_lines) -> list[int]:
    """runc's GetAdditionalGroups: names must exist, numbers are taken as they are."""
    groups = parse_group(group_lines)
    out: list[int] = []
    for ag in additional or ():
        ag = str(ag)
        match = next((g for g in groups if g.name == ag or str(g.gid) == ag), None)
        if match is not None:
            gid = match.gid
        else:
            gid = _atoi(ag)
            if gid is None:
                raise UserError(f"Unable to find group {ag}")
            _check_range(gid)
        if gid not in out:
            out.append(gid)
    return out


def resolve(spec: str, additional: list[str] | None = None, passwd="/etc/passwd", group="/etc/group") -> ExecUser:
    """The user a process runs as: runc's defaults are uid 0, gid 0, HOME "/"."""
    return resolve_lines(spec, additional, _lines(passwd), _lines(group))


def resolve_lines(spec: str, additional, passwd_lines, group_lines) -> ExecUser:
    """:func:`resolve` from the files' lines (None: a file that cannot be read)."""
    user = get_exec_user(spec or "", passwd_lines, group_lines)
    extra = get_additional_groups(additional, group_lines)
    user.sgids = user.sgids + [g for g in extra if g not in user.sgids]
    return user
