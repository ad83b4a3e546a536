"""The default seccomp backend: compiles a ``configs.Seccomp`` with libseccomp (pyseccomp).

It follows runc's ``libcontainer/seccomp/seccomp_linux.go``: the filter starts from the default
action, never sets the no_new_privs bit itself (the runtime does that separately, at the point
runc does), adds the extra architectures, skips rules whose action equals the default (libseccomp
rejects those), ignores syscalls unknown to this libseccomp (a profile lists syscalls of newer
kernels), and turns arguments into conditions - one rule with all of them (AND), unless an
argument index repeats, in which case one rule per condition (OR), as runc does.

Not done yet, and refused loudly rather than ignored: the ``notify`` action (needs the seccomp
agent listener plumbing) and runc's ``patchbpf`` ENOSYS stub for syscalls newer than libseccomp.

Values are accepted in every spelling the config layer may use: runc's Go enum integers
(``Action``: kill=1 ... kill_process=9; ``Operator``: equal_to=1 ... mask_equal_to=7), their
names, or the OCI ``SCMP_ACT_*`` / ``SCMP_CMP_*`` / ``SCMP_ARCH_*`` strings.
"""

from __future__ import annotations

import errno as _errno
import os

from libcontainer.errors import ConfigError, NotBuiltError
from libcontainer.hookspecs import hookimpl

NAME = "libseccomp"

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
           "parisc64": "PARISC64", "riscv64": "RISCV64"}
_FLAGS = {"SECCOMP_FILTER_FLAG_TSYNC": "CTL_TSYNC", "SECCOMP_FILTER_FLAG_LOG": "CTL_LOG",
          "SECCOMP_FILTER_FLAG_SPEC_ALLOW": "CTL_SSB"}


def _norm(value, table: list, prefix: str, field: str, aliases=None) -> str:
    """Map an enum int / name / OCI string to the canonical lower-case name."""
    raw = getattr(value, "value", value)  # an enum member counts as its value
    if isinstance(raw, bool) or raw is None:
        raise ConfigError(field, "missing or invalid", value)
    if isinstance(raw, int):
        if 1 <= raw <= len(table):
            return table[raw - 1]
        raise ConfigError(field, "unknown value", value)
    text = str(raw).lower()
    text = text.removeprefix(prefix)
    text = (aliases or {}).get(text, text)
    text = text.replace("-", "_")
    squashed = {name.replace("_", ""): name for name in table}
    text = squashed.get(text.replace("_", ""), text)
    if text not in table:
        raise ConfigError(field, "unknown value", value)
    return text


def _action(s, name: str, errno_ret, field: str):
    action = _norm(name, _ACTIONS, "scmp_act_", field)
    ret = _errno.EPERM if errno_ret is None else int(errno_ret)
    if action == "errno":
        return s.ERRNO(ret)
    if action == "trace":
        return s.TRACE(ret)
    if action == "notify":
        raise NotBuiltError(f"{field}: seccomp action 'notify' is not implemented yet")
    return {"kill": s.KILL_THREAD, "kill_thread": s.KILL_THREAD, "trap": s.TRAP,
            "allow": s.ALLOW, "log": s.LOG, "kill_process": s.KILL_PROCESS}[action]


def _arch(s, name: str, field: str) -> int:
    key = str(name).lower().removeprefix("scmp_arch_")
    attr = _ARCHES.get(key, key.upper())
    if not hasattr(s.Arch, attr):
        raise ConfigError(field, "unknown architecture", name)
    return getattr(s.Arch, attr)


class LibseccompFilter:
    """A compiled filter. Built eagerly so config errors surface before ``load()``."""

    def __init__(self, seccomp):
        import pyseccomp as s

        self._s = s
        default = _action(s, getattr(seccomp, "default_action", None),
                          getattr(seccomp, "default_errno_ret", None), "seccomp.default_action")
        self.default = default
        f = s.SyscallFilter(default)
        f.set_attr(s.Attr.CTL_NNP, 0)  # like runc: the runtime sets no_new_privs itself
        for i, arch in enumerate(getattr(seccomp, "architectures", None) or []):
            value = _arch(s, arch, f"seccomp.architectures[{i}]")
            if not f.exist_arch(value):
                f.add_arch(value)
        for flag in getattr(seccomp, "flags", None) or []:
            attr = _FLAGS.get(str(flag))
            if attr is None:
                raise NotBuiltError(f"seccomp.flags: flag {flag!r} is not supported yet")
            f.set_attr(getattr(s.Attr, attr), 1)
        for i, call in enumerate(getattr(seccomp, "syscalls", None) or []):
            self._add(f, call, f"seccomp.syscalls[{i}]")
        self.filter = f

    def _add(self, f, call, field: str) -> None:
        s = self._s
        name = getattr(call, "name", None)
        if not name:
            raise ConfigError(f"{field}.name", "empty syscall name", name)
        action = _action(s, getattr(call, "action", None), getattr(call, "errno_ret", None),
                         f"{field}.action")
        if action == self.default:
            return
        number = s.resolve_syscall(s.Arch.NATIVE, name)
        if number < 0:  # __NR_SCMP_ERROR: unknown to this libseccomp - runc ignores it
            return
        conds = []
        for j, arg in enumerate(getattr(call, "args", None) or []):
            op = _norm(getattr(arg, "op", None), _OPERATORS, "scmp_cmp_",
                       f"{field}.args[{j}].op", _OCI_OPS)
            opcode = {"equal_to": s.EQ, "not_equal_to": s.NE, "greater_than": s.GT,
                      "greater_than_or_equal_to": s.GE, "less_than": s.LT,
                      "less_than_or_equal_to": s.LE, "mask_equal_to": s.MASKED_EQ}[op]
            value = int(getattr(arg, "value", 0) or 0)
            value_two = int(getattr(arg, "value_two", 0) or 0)
            if opcode == s.MASKED_EQ:  # libseccomp: (arg & datum_a) == datum_b
                conds.append(s.Arg(int(arg.index), opcode, value, value_two))
            else:
                conds.append(s.Arg(int(arg.index), opcode, value))
        indexes = [c._arg for c in conds]
        if len(set(indexes)) != len(indexes):
            for cond in conds:  # repeated index: OR of the conditions, as runc does
                f.add_rule(action, number, cond)
        else:
            f.add_rule(action, number, *conds)

    def load(self) -> None:
        """Install the filter on the calling process (irreversible)."""
        self.filter.load()

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
    return {"linux": {"seccomp": {"enabled": True, "actions": [
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"],
        "operators": ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                      "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"],
        "supportedFlags": sorted(_FLAGS)}}}
