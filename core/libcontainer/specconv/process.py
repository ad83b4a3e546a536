"""OCI ``process`` and ``hooks``: rlimits, capabilities, scheduler, I/O priority, user...

Two consumers: ``create_config`` copies the container-wide parts into ``Config`` (as runc
does: capabilities, no_new_privileges, oom_score_adj, umask, labels...), and the runtime
builds the init ``Process`` from ``process_from_spec`` (``runc run``/``exec -p``). Both go
through the same checks here so that ``exec --process`` is exactly as strict as create.
"""

from __future__ import annotations

import posixpath

from libcontainer.errors import ConfigError

from . import _fields as F

PROCESS_KEYS = (
    "terminal", "consoleSize", "user", "args", "commandLine", "env", "cwd", "capabilities",
    "rlimits", "noNewPrivileges", "apparmorProfile", "oomScoreAdj", "scheduler",
    "selinuxLabel", "ioPriority", "execCPUAffinity",
)
_USER_KEYS = ("uid", "gid", "umask", "additionalGids", "username")
_CAP_SETS = ("bounding", "effective", "inheritable", "permitted", "ambient")
_SCHED_KEYS = ("policy", "nice", "priority", "flags", "runtime", "deadline", "period")
HOOK_KINDS = (
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
)

KNOWN_CAPABILITIES = frozenset(
    "CAP_" + name
    for name in (
        "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP "
        "LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER "
        "SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE "
        "SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP "
        "MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF "
        "CHECKPOINT_RESTORE"
    ).split()
)


def convert_rlimits(value, where: str = "process.rlimits"):
    """-> list of ``configs.Rlimit`` with the kernel's numeric type, refusing duplicates."""
    from libcontainer.configs.rlimit import RLIMIT_TYPES, Rlimit

    out, seen = [], set()
    for i, rl in enumerate(F.lst(value, where)):
        at = F.join(where, i)
        rl = F.obj(rl, at, required=True)
        F.warn_unknown(rl, ("type", "hard", "soft"), at)
        name = F.get_str(rl, "type", at)
        if name not in RLIMIT_TYPES:
            raise ConfigError(F.join(at, "type"), "unknown rlimit type", name)
        if name in seen:
            raise ConfigError(F.join(at, "type"), "duplicated rlimit type", name)
        seen.add(name)
        hard = F.get_int(rl, "hard", at, 0, **F.U64)
        soft = F.get_int(rl, "soft", at, 0, **F.U64)
        if soft > hard:
            raise ConfigError(F.join(at, "soft"), f"must not exceed the hard limit {hard}", soft)
        out.append(Rlimit(type=RLIMIT_TYPES[name], hard=hard, soft=soft))
    return out


def convert_capabilities(value, where: str = "process.capabilities"):
    """-> ``configs.Capabilities`` or None (absent means "leave them alone", as in runc)."""
    caps = F.obj(value, where)
    if caps is None:
        return None
    from libcontainer.configs.capabilities import Capabilities

    F.warn_unknown(caps, _CAP_SETS, where)
    out = Capabilities()
    for key in _CAP_SETS:
        names = F.get_str_list(caps, key, where) or []
        for i, name in enumerate(names):
            if name not in KNOWN_CAPABILITIES:
                # runc drops unknown capabilities with a warning (a newer kernel may know
                # them); we keep them in the config for the init to decide, and say so.
                F.log.warning("%s: unknown capability %s", F.join(F.join(where, key), i), name)
        setattr(out, key, names)
    return out


def convert_scheduler(value, where: str = "process.scheduler"):
    sch = F.obj(value, where)
    if sch is None:
        return None
    from libcontainer.configs import scheduler as s

    F.warn_unknown(sch, _SCHED_KEYS, where)
    policy = F.get_str(sch, "policy", where)
    if policy not in s.POLICIES:
        raise ConfigError(F.join(where, "policy"), f"must be one of {', '.join(s.POLICIES)}", policy)
    flags = F.get_str_list(sch, "flags", where) or []
    for i, flag in enumerate(flags):
        if flag not in s.FLAGS:
            raise ConfigError(F.join(F.join(where, "flags"), i), "unknown scheduler flag", flag)
    out = s.Scheduler(
        policy=policy,
        nice=F.get_int(sch, "nice", where, 0, minimum=-20, maximum=19),
        priority=F.get_int(sch, "priority", where, 0, **F.I32),
        flags=flags,
        runtime=F.get_int(sch, "runtime", where, 0, **F.U64),
        deadline=F.get_int(sch, "deadline", where, 0, **F.U64),
        period=F.get_int(sch, "period", where, 0, **F.U64),
    )
    if policy in (s.SCHED_FIFO, s.SCHED_RR):
        if not 1 <= out.priority <= 99:
            raise ConfigError(F.join(where, "priority"), f"must be 1..99 for {policy}", out.priority)
    elif out.priority != 0:
        raise ConfigError(F.join(where, "priority"), f"must be 0 for {policy}", out.priority)
    if policy == s.SCHED_DEADLINE and not out.runtime:
        raise ConfigError(F.join(where, "runtime"), "must be set for SCHED_DEADLINE")
    return out


def convert_io_priority(value, where: str = "process.ioPriority"):
    iop = F.obj(value, where)
    if iop is None:
        return None
    from libcontainer.configs.iopriority import CLASSES, IOPriority

    F.warn_unknown(iop, ("class", "priority"), where)
    cls = F.get_str(iop, "class", where)
    if cls not in CLASSES:
        raise ConfigError(F.join(where, "class"), f"must be one of {', '.join(CLASSES)}", cls)
    return IOPriority(class_=cls, priority=F.get_int(iop, "priority", where, 0, minimum=0, maximum=7))


def _user(proc: dict, where: str = "process") -> dict:
    at = F.join(where, "user")
    user = F.obj(proc.get("user"), at) or {}
    F.warn_unknown(user, _USER_KEYS, at)
    if user.get("username"):
        F.warn_ignored(F.join(at, "username"), "Windows-only field")
    gids = [
        F.check_int(g, F.join(F.join(at, "additionalGids"), i), **F.U32)
        for i, g in enumerate(F.lst(user.get("additionalGids"), F.join(at, "additionalGids")))
    ]
    return {
        "uid": F.get_int(user, "uid", at, 0, **F.U32),
        "gid": F.get_int(user, "gid", at, 0, **F.U32),
        "umask": F.get_int(user, "umask", at, None, minimum=0, maximum=0o777),
        "additional_gids": gids,
    }


def process_from_spec(process: dict, where: str = "process") -> dict:
    """Check an OCI ``process`` object and return it as a plain dict with snake_case keys.

    Keys: args, env, cwd, uid, gid, umask, additional_gids, terminal, console_height,
    console_width, rlimits (``configs.Rlimit``), capabilities (``configs.Capabilities`` or
    None), no_new_privileges, apparmor_profile, oom_score_adj, selinux_label, io_priority,
    scheduler; plus the spellings ``libcontainer.process.Process`` takes directly:
    ``user`` ("uid:gid"), ``additional_groups`` (strings) and ``label``.
    """
    proc = F.obj(process, where, required=True)
    F.warn_unknown(proc, PROCESS_KEYS, where)
    if proc.get("commandLine"):
        F.warn_ignored(F.join(where, "commandLine"), "Windows-only field")
    if proc.get("execCPUAffinity") is not None:
        F.warn_ignored(F.join(where, "execCPUAffinity"), "not supported by this runtime yet")
    args = F.get_str_list(proc, "args", where) or []
    if not args:
        raise ConfigError(F.join(where, "args"), "must not be empty")
    for i, a in enumerate(args):
        F.no_nul(a, F.join(F.join(where, "args"), i))
    env = F.get_str_list(proc, "env", where) or []
    for i, e in enumerate(env):
        if "=" not in e or e.startswith("="):
            raise ConfigError(F.join(F.join(where, "env"), i), "must be of the form KEY=value", e)
    cwd = F.get_str(proc, "cwd", where)
    if not cwd or not posixpath.isabs(cwd):
        raise ConfigError(F.join(where, "cwd"), "must be an absolute path", cwd)
    console = F.obj(proc.get("consoleSize"), F.join(where, "consoleSize")) or {}
    F.warn_unknown(console, ("height", "width"), F.join(where, "consoleSize"))
    user = _user(proc, where)
    selinux = F.get_str(proc, "selinuxLabel", where)
    return {
        "args": args,
        "env": env,
        "cwd": cwd,
        **user,
        "user": f"{user['uid']}:{user['gid']}",
        "additional_groups": [str(g) for g in user["additional_gids"]],
        "terminal": F.get_bool(proc, "terminal", where),
        "console_height": F.get_int(console, "height", F.join(where, "consoleSize"), 0, **F.U16),
        "console_width": F.get_int(console, "width", F.join(where, "consoleSize"), 0, **F.U16),
        "rlimits": convert_rlimits(proc.get("rlimits"), F.join(where, "rlimits")),
        "capabilities": convert_capabilities(proc.get("capabilities"), F.join(where, "capabilities")),
        "no_new_privileges": F.get_bool(proc, "noNewPrivileges", where),
        "apparmor_profile": F.get_str(proc, "apparmorProfile", where),
        "oom_score_adj": F.get_int(proc, "oomScoreAdj", where, None, minimum=-1000, maximum=1000),
        "selinux_label": selinux,
        "label": selinux,
        "io_priority": convert_io_priority(proc.get("ioPriority"), F.join(where, "ioPriority")),
        "scheduler": convert_scheduler(proc.get("scheduler"), F.join(where, "scheduler")),
    }


def create_hooks(value, where: str = "hooks"):
    """-> ``configs.Hooks`` with one ``configs.Command`` per OCI hook (timeout in seconds)."""
    from libcontainer.configs.hooks import HOOK_NAMES, Command, Hooks

    hooks = Hooks()
    spec_hooks = F.obj(value, where)
    if spec_hooks is None:
        return hooks
    F.warn_unknown(spec_hooks, HOOK_KINDS, where)
    if spec_hooks.get("prestart"):
        F.log.info("%s: deprecated; use createRuntime/createContainer/startContainer", F.join(where, "prestart"))
    for kind in HOOK_KINDS:
        kwhere = F.join(where, kind)
        for i, h in enumerate(F.lst(spec_hooks.get(kind), kwhere)):
            at = F.join(kwhere, i)
            h = F.obj(h, at, required=True)
            F.warn_unknown(h, ("path", "args", "env", "timeout"), at)
            path = F.get_str(h, "path", at)
            if not posixpath.isabs(path):
                raise ConfigError(F.join(at, "path"), "must be an absolute path", path)
            timeout = F.get_int(h, "timeout", at, None, minimum=1, maximum=2**31 - 1)
            getattr(hooks, HOOK_NAMES[kind]).append(Command(
                path=path,
                args=F.get_str_list(h, "args", at) or [],
                env=F.get_str_list(h, "env", at) or [],
                timeout=None if timeout is None else float(timeout),
            ))
    return hooks
