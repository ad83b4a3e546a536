"""The default seccomp backend: compiles a ``configs.Seccomp`` with libseccomp (pyseccomp).

It follows runc's ``libcontainer/seccomp/seccomp_linux.go``: the filter starts from the default
action (ERRNO with the config's default errno, EPERM without one), never sets no_new_privs
itself (the runtime does, at the point runc does), adds the extra architectures, skips rules
whose action equals the default (libseccomp rejects those), and turns arguments into
conditions - one rule with all of them (AND), unless an argument index repeats, in which case
one rule per condition (OR), as runc does.

Names: a syscall of another architecture (a libseccomp pseudo number) is applied where it
exists; a name libseccomp does not know at all is ignored only when it is a real syscall
newer than this libseccomp (newer_syscalls.py), as runc ignores it; anything else is a typo
and a ConfigError naming every such name. Unknown actions, operators, architectures and flags are
ConfigErrors naming the field.

Loading (kernel.py) goes through seccomp(2) with the exported program, so every filter flag
the kernel has can be passed (LOG, SPEC_ALLOW, WAIT_KILLABLE_RECV, and NEW_LISTENER when a
rule uses SCMP_ACT_NOTIFY); ``load()`` then returns the listener fd for the seccomp agent.

Values are accepted in every spelling the config layer may use: runc's Go enum integers
(``Action``: kill=1 ... kill_process=9; ``Operator``: equal_to=1 ... mask_equal_to=7), their
names, or the OCI ``SCMP_ACT_*`` / ``SCMP_CMP_*`` / ``SCMP_ARCH_*`` strings.
"""

from __future__ import annotations

import errno as _errno
import os

from libcontainer.errors import ConfigError
from libcontainer.hookspecs import hookimpl

from . import kernel
from .newer_syscalls import NEWER_SYSCALLS

NAME = "libseccomp"
_NR_SCMP_ERROR = -1  # what resolve_syscall answers for a name libseccomp does not know

# runc configs.Action order (iota + 1).
_ACTIONS = ["kill", "errno", "trap", "allow", "trace", "log", "notify", "kill_thread",
            "kill_process"]
# runc configs.Operator order (iota + 1).
_OPERATORS = ["equal_to", "not_equal_to", "greater_than", "greater_than_or_equal_to",
              "less_than", "less_than_or_equal_to", "mask_equal_to"]
_OCI_OPS = {"eq": "equal_to", "ne": "not_equal_to", "gt": "greater_than",
            "ge": "greater_than_or_equal_to", "lt": "less_than",
            "le": "less_than_or_equal_to", "masked_eq": "mask_equal_to"}
# runc's arch names (what specconv produces) and libseccomp's SCMP_ARCH_* suffixes.
_ARCHES = {"x86": "X86", "386": "X86", "amd64": "X86_64", "x86_64": "X86_64", "x32": "X32",
           "arm": "ARM", "arm64": "AARCH64", "aarch64": "AARCH64", "mips": "MIPS",
           "mips64": "MIPS64", "mips64n32": "MIPS64N32", "mipsel": "MIPSEL",
           "mipsel64": "MIPSEL64", "mipsle64": "MIPSEL64", "mipsel64n32": "MIPSEL64N32",
           "mipsle64n32": "MIPSEL64N32", "mipsle": "MIPSEL", "ppc": "PPC", "ppc64": "PPC64",
           "ppc64le": "PPC64LE", "s390": "S390", "s390x": "S390X", "parisc": "PARISC",
           "parisc64": "PARISC64", "riscv64": "RISCV64", "native": "NATIVE"}


def _norm(value, table: list, prefix: str, field: str, what: str, aliases=None) -> str:
    """Map an enum int / name / OCI string to the canonical lower-case name."""
    raw = getattr(value, "value", value)  # an enum member counts as its value
    if isinstance(raw, bool) or raw is None:
        raise ConfigError(field, f"missing or invalid seccomp {what}", value)
    if isinstance(raw, int):
        if 1 <= raw <= len(table):
            return table[raw - 1]
        raise ConfigError(field, f"unknown seccomp {what}", value)
    text = str(raw).lower()
    text = text.removeprefix(prefix)
    text = (aliases or {}).get(text, text)
    text = text.replace("-", "_")
    squashed = {name.replace("_", ""): name for name in table}
    text = squashed.get(text.replace("_", ""), text)
    if text not in table:
        raise ConfigError(field, f"unknown seccomp {what}", value)
    return text


def _action(s, name, errno_ret, field: str):
    """runc's getAction: ERRNO and TRACE carry errno_ret, EPERM when it is not set."""
    action = _norm(name, _ACTIONS, "scmp_act_", field, "action")
    ret = _errno.EPERM if errno_ret is None else int(errno_ret)
    if action == "errno":
        return s.ERRNO(ret)
    if action == "trace":
        return s.TRACE(ret)
    return {"kill": s.KILL_THREAD, "kill_thread": s.KILL_THREAD, "trap": s.TRAP, "notify": s.NOTIFY,
            "allow": s.ALLOW, "log": s.LOG, "kill_process": s.KILL_PROCESS}[action]


def _arch(s, name: str, field: str) -> int:
    key = str(name).lower().removeprefix("scmp_arch_")
    attr = _ARCHES.get(key, key.upper())
    if not hasattr(s.Arch, attr):
        raise ConfigError(field, "unknown seccomp architecture", name)
    return getattr(s.Arch, attr)


class LibseccompFilter:
    """A compiled filter. Built eagerly so config errors surface before ``load()``."""

    def __init__(self, seccomp):
        import pyseccomp as s

        self._s = s
        default = _action(s, getattr(seccomp, "default_action", None),
                          getattr(seccomp, "default_errno_ret", None), "seccomp.default_action")
        if default == s.NOTIFY:
            raise ConfigError("seccomp.default_action", "SCMP_ACT_NOTIFY cannot be the default action",
                              getattr(seccomp, "default_action", None))
        self.default = default
        self.uses_notify = False
        self.listener_path = getattr(seccomp, "listener_path", "") or ""
        self.flags = 0
        f = s.SyscallFilter(default)
        f.set_attr(s.Attr.CTL_NNP, 0)  # like runc: the runtime sets no_new_privs itself
        for i, arch in enumerate(getattr(seccomp, "architectures", None) or []):
            value = _arch(s, arch, f"seccomp.architectures[{i}]")
            if not f.exist_arch(value):
                f.add_arch(value)
        for i, flag in enumerate(getattr(seccomp, "flags", None) or []):
            bit = kernel.FLAGS.get(str(flag))
            if bit is None:
                raise ConfigError(f"seccomp.flags[{i}]", "unknown seccomp filter flag", flag)
            self.flags |= bit
        unknown: list[str] = []
        for i, call in enumerate(getattr(seccomp, "syscalls", None) or []):
            self._add(f, call, f"seccomp.syscalls[{i}]", unknown)
        if unknown:
            raise ConfigError("seccomp.syscalls", "unknown syscall name(s): " + ", ".join(unknown), unknown)
        if self.uses_notify:
            if not self.listener_path:
                raise ConfigError("seccomp.listener_path", "SCMP_ACT_NOTIFY is used but no listenerPath is set")
            self.flags |= kernel.FLAG_NEW_LISTENER
        self.filter = f

    def _add(self, f, call, field: str, unknown: list) -> None:
        s = self._s
        name = getattr(call, "name", None)
        if not name:
            raise ConfigError(f"{field}.name", "empty syscall name", name)
        action = _action(s, getattr(call, "action", None), getattr(call, "errno_ret", None),
                         f"{field}.action")
        if action == s.NOTIFY:
            if name == "write":  # runc: the runtime itself writes after loading the filter
                raise ConfigError(f"{field}.action", "SCMP_ACT_NOTIFY cannot be used for the write syscall", name)
            self.uses_notify = True
        number = s.resolve_syscall(s.Arch.NATIVE, name)
        if number == _NR_SCMP_ERROR:  # unknown to this libseccomp on every architecture
            if name not in NEWER_SYSCALLS:
                unknown.append(name)
            return  # a real but newer syscall: ignored, as runc does
        # Below -1 is a libseccomp pseudo number: a syscall of other architectures (chown32,
        # _llseek, socketcall... in the profiles engines send). libseccomp applies it only on
        # the architectures that have it; one it cannot place is ignored, as runc does.
        pseudo = number < _NR_SCMP_ERROR
        if action == self.default:
            return
        conds = []
        for j, arg in enumerate(getattr(call, "args", None) or []):
            op = _norm(getattr(arg, "op", None), _OPERATORS, "scmp_cmp_",
                       f"{field}.args[{j}].op", "operator", _OCI_OPS)
            opcode = {"equal_to": s.EQ, "not_equal_to": s.NE, "greater_than": s.GT,
                      "greater_than_or_equal_to": s.GE, "less_than": s.LT,
                      "less_than_or_equal_to": s.LE, "mask_equal_to": s.MASKED_EQ}[op]
            index = int(getattr(arg, "index", 0) or 0)
            if not 0 <= index < 6:
                raise ConfigError(f"{field}.args[{j}].index", "syscall argument index must be 0..5", index)
            value = int(getattr(arg, "value", 0) or 0)
            value_two = int(getattr(arg, "value_two", 0) or 0)
            if opcode == s.MASKED_EQ:  # libseccomp: (arg & datum_a) == datum_b
                conds.append(s.Arg(index, opcode, value, value_two))
            else:
                conds.append(s.Arg(index, opcode, value))
        indexes = [c._arg for c in conds]
        try:
            if len(set(indexes)) != len(indexes):
                for cond in conds:  # repeated index: OR of the conditions, as runc does
                    f.add_rule(action, number, cond)
            else:
                f.add_rule(action, number, *conds)
        except (OSError, RuntimeError, ValueError):
            if not pseudo:
                raise

    def check_flags(self) -> None:
        """Every requested flag must be one this kernel has (a clear error otherwise)."""
        for name, bit in kernel.FLAGS.items():
            if self.flags & bit and not kernel.flag_supported(bit):
                raise OSError(_errno.EINVAL, f"seccomp: flag {name} is not supported by this kernel")

    def load(self) -> int | None:
        """Install the filter on the calling process (irreversible).

        Returns the user-notification listener fd when a rule uses SCMP_ACT_NOTIFY (the
        caller passes it to the agent and closes it), else None.
        """
        bpf = self.export_bpf()
        self.check_flags()
        return kernel.install(bpf, self.flags)

    def export_bpf(self) -> bytes:
        """The BPF program (struct sock_filter array) as bytes."""
        fd = os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC)
        try:
            with os.fdopen(os.dup(fd), "rb") as reader:
                self.filter.export_bpf(reader)
                os.lseek(fd, 0, os.SEEK_SET)
                return os.read(fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)


@hookimpl
def libcontainer_seccomp_filter(seccomp):
    return LibseccompFilter(seccomp)


@hookimpl
def libcontainer_features():
    flags = sorted(name for name, bit in kernel.FLAGS.items() if kernel.flag_supported(bit))
    return {"linux": {"seccomp": {"enabled": True, "actions": [
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
        "SCMP_ACT_TRAP"],
        "operators": ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                      "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"],
        "archs": sorted("SCMP_ARCH_" + v for v in set(_ARCHES.values()) if v != "NATIVE"),
        "knownFlags": sorted(kernel.FLAGS),
        "supportedFlags": flags}}}
