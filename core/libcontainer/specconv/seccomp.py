"""OCI ``linux.seccomp`` -> ``configs.Seccomp``.

Everything is checked here, at create time, so that a bad profile fails ``runc create``
with the field named instead of failing in the container's init where only an exit
status comes back. Action and operator names map to runc's integer enums; architectures
to libseccomp's short names (``SCMP_ARCH_X86_64`` -> ``amd64``), as runc stores them.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import _fields as F

ARCHES = {
    "SCMP_ARCH_X86": "x86",
    "SCMP_ARCH_X86_64": "amd64",
    "SCMP_ARCH_X32": "x32",
    "SCMP_ARCH_ARM": "arm",
    "SCMP_ARCH_AARCH64": "arm64",
    "SCMP_ARCH_MIPS": "mips",
    "SCMP_ARCH_MIPS64": "mips64",
    "SCMP_ARCH_MIPS64N32": "mips64n32",
    "SCMP_ARCH_MIPSEL": "mipsel",
    "SCMP_ARCH_MIPSEL64": "mipsel64",
    "SCMP_ARCH_MIPSEL64N32": "mipsel64n32",
    "SCMP_ARCH_PPC": "ppc",
    "SCMP_ARCH_PPC64": "ppc64",
    "SCMP_ARCH_PPC64LE": "ppc64le",
    "SCMP_ARCH_RISCV64": "riscv64",
    "SCMP_ARCH_S390": "s390",
    "SCMP_ARCH_S390X": "s390x",
    "SCMP_ARCH_LOONGARCH64": "loong64",
    "SCMP_ARCH_PARISC": "parisc",
    "SCMP_ARCH_PARISC64": "parisc64",
}

_SECCOMP_KEYS = (
    "defaultAction", "defaultErrnoRet", "architectures", "flags",
    "listenerPath", "listenerMetadata", "syscalls",
)
_SYSCALL_KEYS = ("names", "action", "errnoRet", "args")
_ARG_KEYS = ("index", "value", "valueTwo", "op")

# Linux allows six syscall arguments (seccomp_data.args[6]).
_MAX_ARG_INDEX = 5
# errno values are small positive ints; SECCOMP_RET_DATA holds 16 bits.
_ERRNO = {"minimum": 0, "maximum": 0xFFFF}


def _tables():
    from libcontainer.configs import seccomp as s

    return s.ACTIONS_BY_OCI_NAME, s.OPERATORS_BY_OCI_NAME, s.KNOWN_FLAGS


def known_actions() -> list[str]:
    return sorted(_tables()[0])


def known_operators() -> list[str]:
    return sorted(_tables()[1])


def known_arches() -> list[str]:
    return sorted(ARCHES)


def known_flags() -> list[str]:
    return list(_tables()[2])


def _action(value, field: str):
    actions = _tables()[0]
    if value not in actions:
        raise ConfigError(field, f"not a valid seccomp action (one of {', '.join(sorted(actions))})", value)
    return actions[value]


def setup_seccomp(value, where: str = "linux.seccomp"):
    """-> ``configs.Seccomp`` or None (no default action and no rules: seccomp disabled).

    When ``flags`` is absent (not merely empty) the default is SPEC_ALLOW, as in runc;
    whether the kernel supports it is the seccomp plugin's business when it loads.
    """
    from libcontainer.configs import seccomp as s

    sc = F.obj(value, where)
    if sc is None:
        return None
    F.warn_unknown(sc, _SECCOMP_KEYS, where)
    default = F.get_str(sc, "defaultAction", where)
    syscalls = F.lst(sc.get("syscalls"), F.join(where, "syscalls"))
    if not default and not syscalls:
        return None
    actions, operators, flags_known = _tables()
    cfg = s.Seccomp()
    cfg.default_action = _action(default, F.join(where, "defaultAction"))
    cfg.default_errno_ret = F.get_int(sc, "defaultErrnoRet", where, None, **_ERRNO)

    flags = F.get_str_list(sc, "flags", where)
    if flags is None:
        cfg.flags = ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]
    else:
        for i, flag in enumerate(flags):
            if flag not in flags_known:
                raise ConfigError(F.join(F.join(where, "flags"), i), "unknown seccomp flag", flag)
        cfg.flags = flags

    for i, arch in enumerate(F.get_str_list(sc, "architectures", where) or ()):
        if arch not in ARCHES:
            raise ConfigError(
                F.join(F.join(where, "architectures"), i), "not a valid seccomp architecture", arch
            )
        cfg.architectures.append(ARCHES[arch])

    cfg.listener_path = F.get_str(sc, "listenerPath", where)
    cfg.listener_metadata = F.get_str(sc, "listenerMetadata", where)
    uses_notify = cfg.default_action == actions["SCMP_ACT_NOTIFY"]

    for i, call in enumerate(syscalls):
        at = F.join(F.join(where, "syscalls"), i)
        call = F.obj(call, at, required=True)
        F.warn_unknown(call, _SYSCALL_KEYS, at)
        action = _action(F.get_str(call, "action", at), F.join(at, "action"))
        uses_notify = uses_notify or action == actions["SCMP_ACT_NOTIFY"]
        errno_ret = F.get_int(call, "errnoRet", at, None, **_ERRNO)
        names = F.get_str_list(call, "names", at)
        if not names:
            raise ConfigError(F.join(at, "names"), "must list at least one syscall")
        args = []
        for j, arg in enumerate(F.lst(call.get("args"), F.join(at, "args"))):
            aat = F.join(F.join(at, "args"), j)
            arg = F.obj(arg, aat, required=True)
            F.warn_unknown(arg, _ARG_KEYS, aat)
            op = F.get_str(arg, "op", aat)
            if op not in operators:
                raise ConfigError(
                    F.join(aat, "op"),
                    f"not a valid seccomp operator (one of {', '.join(sorted(operators))})",
                    op,
                )
            args.append((
                F.get_int(arg, "index", aat, 0, minimum=0, maximum=_MAX_ARG_INDEX),
                F.get_int(arg, "value", aat, 0, **F.U64),
                F.get_int(arg, "valueTwo", aat, 0, **F.U64),
                operators[op],
            ))
        for name in names:
            if not name:
                raise ConfigError(F.join(at, "names"), "syscall name must not be empty")
            cfg.syscalls.append(s.Syscall(
                name=name, action=action, errno_ret=errno_ret,
                args=[s.Arg(index=a, value=v, value_two=v2, op=o) for a, v, v2, o in args],
            ))

    if uses_notify and not cfg.listener_path:
        raise ConfigError(F.join(where, "listenerPath"), "SCMP_ACT_NOTIFY requires a listenerPath")
    if cfg.listener_path and not uses_notify:
        F.log.warning("%s: set but no rule uses SCMP_ACT_NOTIFY", F.join(where, "listenerPath"))
    return cfg
