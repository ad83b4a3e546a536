"""Seccomp rules: only actions, operators, flags and architectures the filter compiler
understands, so a typo fails at create time rather than as an opaque BPF error in init."""

from __future__ import annotations

from libcontainer.errors import ConfigError

from ..seccomp import KNOWN_FLAGS, Action, Operator

_ACTIONS = frozenset(int(a) for a in Action)
_OPERATORS = frozenset(int(o) for o in Operator)

#: libseccomp architecture names (what runc stores) and their SCMP_ARCH_ spellings.
_ARCHES = frozenset(
    {
        "x86",
        "amd64",
        "x32",
        "arm",
        "arm64",
        "mips",
        "mips64",
        "mips64n32",
        "mipsel",
        "mipsel64",
        "mipsel64n32",
        "ppc",
        "ppc64",
        "ppc64le",
        "s390",
        "s390x",
        "parisc",
        "parisc64",
        "riscv64",
        "loong64",
        "native",
    }
)
_ARCHES = (
    _ARCHES
    | {"SCMP_ARCH_" + a.upper() for a in _ARCHES}
    | {"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"}
)

_MAX_ARGS = 6


def check(cfg, host):
    s = cfg.seccomp
    if s is None:
        return
    if s.default_action not in _ACTIONS:
        yield ConfigError("seccomp.default_action", "unknown seccomp action", s.default_action)
    elif s.default_action == Action.NOTIFY:
        yield ConfigError(
            "seccomp.default_action",
            "SCMP_ACT_NOTIFY cannot be the default action",
            s.default_action,
        )
    for i, arch in enumerate(s.architectures):
        if arch not in _ARCHES:
            yield ConfigError(f"seccomp.architectures[{i}]", "unknown architecture", arch)
    for i, flag in enumerate(s.flags):
        if flag not in KNOWN_FLAGS:
            yield ConfigError(f"seccomp.flags[{i}]", "unknown seccomp filter flag", flag)
    for i, sc in enumerate(s.syscalls):
        f = f"seccomp.syscalls[{i}]"
        if not sc.name:
            yield ConfigError(f"{f}.name", "syscall name must be set")
        if sc.action not in _ACTIONS:
            yield ConfigError(f"{f}.action", "unknown seccomp action", sc.action)
        if len(sc.args) > _MAX_ARGS:
            yield ConfigError(f"{f}.args", f"at most {_MAX_ARGS} argument rules", len(sc.args))
        for j, arg in enumerate(sc.args):
            if arg.op not in _OPERATORS:
                yield ConfigError(f"{f}.args[{j}].op", "unknown seccomp operator", arg.op)
            if arg.index >= _MAX_ARGS:
                yield ConfigError(
                    f"{f}.args[{j}].index", "syscall argument index must be < 6", arg.index
                )
