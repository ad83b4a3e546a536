"""Device rules -> an eBPF ``BPF_PROG_TYPE_CGROUP_DEVICE`` program (runc's devicefilter).

cgroup v2 has no devices.allow/deny files: the kernel runs a BPF program on every open and
mknod of a device node, with ``struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32
minor}`` in r1 (access_type = access << 16 | type), and r0 = 1 allows, 0 denies (EPERM).

Why two steps: a rule list is a sequence of v1-style edits ("deny all, then allow c 1:3 rwm,
then deny ..."), whose meaning depends on order and on the default. :class:`RuleSet` replays
the edits the way the v1 kernel would (default deny; an ``a`` rule resets the default and
drops every exception) into a default plus exceptions that all carry the opposite verdict.
The program then checks the exceptions one block each and falls through to the default, so
its size is linear in the rules and order no longer matters.
"""

from __future__ import annotations

import struct

from libcontainer.errors import ConfigError

DEV_BLOCK, DEV_CHAR = 1, 2
ACC_MKNOD, ACC_READ, ACC_WRITE = 1, 2, 4
ACC_ALL = ACC_MKNOD | ACC_READ | ACC_WRITE
_ACCESS = {"m": ACC_MKNOD, "r": ACC_READ, "w": ACC_WRITE}
_TYPES = {"b": DEV_BLOCK, "c": DEV_CHAR}
WILDCARD = -1


def access_mask(permissions: str) -> int:
    mask = 0
    for c in permissions or "":
        if c not in _ACCESS:
            raise ConfigError("cgroups.resources.devices", f"unknown device access {c!r}", permissions)
        mask |= _ACCESS[c]
    return mask


class RuleSet:
    """The effect of a v1 rule sequence: a default verdict and exceptions to it."""

    def __init__(self):
        self.default_allow = False
        #: (type letter, major, minor) -> access mask; every entry has the non-default verdict
        self.exceptions: dict[tuple[str, int, int], int] = {}

    def apply(self, rule) -> None:
        kind = rule.type
        if kind not in ("a", "b", "c"):
            raise ConfigError("cgroups.resources.devices", f"cannot add rule with non-cgroup type {kind!r}", rule.cgroup_string())
        if kind == "a":  # "all devices": new default, every exception dropped (as the v1 kernel does)
            self.default_allow = bool(rule.allow)
            self.exceptions = {}
            return
        key = (kind, rule.major, rule.minor)
        perms = access_mask(rule.permissions)
        if bool(rule.allow) != self.default_allow:
            self.exceptions[key] = self.exceptions.get(key, 0) | perms
        else:
            self._remove(key, perms, rule)

    def _remove(self, key, perms: int, rule) -> None:
        kind, major, minor = key
        for partial in ((kind, WILDCARD, minor), (kind, major, WILDCARD), (kind, WILDCARD, WILDCARD)):
            if partial != key and self.exceptions.get(partial, 0) & perms:
                # a hole in a wildcard exception cannot be expressed: refusing beats ignoring
                raise ConfigError(
                    "cgroups.resources.devices",
                    f"cannot punch a hole in the wildcard rule {partial[0]} "
                    f"{'*' if partial[1] < 0 else partial[1]}:{'*' if partial[2] < 0 else partial[2]}",
                    rule.cgroup_string(),
                )
        left = self.exceptions.get(key, 0) & ~perms
        if left:
            self.exceptions[key] = left
        else:
            self.exceptions.pop(key, None)


def normalise(rules) -> RuleSet:
    rs = RuleSet()
    for rule in rules or ():
        rs.apply(rule)
    return rs


# ---- a minimal eBPF assembler -----------------------------------------------------------
def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


LDXW = 0x61  # dst = *(u32 *)(src + off)
AND32_K = 0x54
RSH32_K = 0x74
MOV32_X = 0xBC
MOV32_K = 0xB4
JNE_K = 0x55
JNE_X = 0x5D
EXIT = 0x95


def _block(kind: str, major: int, minor: int, access: int, verdict: int) -> bytes:
    """One exception: each check jumps to the end of the block (the next one) on mismatch."""
    checks: list = [("k", 2, _TYPES[kind])]
    if access != ACC_ALL:
        # the requested access must be a subset of the rule's: (r3 & access) == r3
        checks += [_insn(MOV32_X, 1, 3), _insn(AND32_K, 1, imm=access), ("x", 1, 3)]
    if major != WILDCARD:
        checks.append(("k", 4, major))
    if minor != WILDCARD:
        checks.append(("k", 5, minor))
    checks += [_insn(MOV32_K, 0, imm=verdict), _insn(EXIT)]
    out = []
    for i, item in enumerate(checks):
        skip = len(checks) - i - 1
        if isinstance(item, bytes):
            out.append(item)
        elif item[0] == "k":
            out.append(_insn(JNE_K, item[1], off=skip, imm=item[2]))
        else:
            out.append(_insn(JNE_X, item[1], item[2], off=skip))
    return b"".join(out)


def compile_rules(rules) -> bytes:
    """The program's instructions for a rule sequence (default deny, as runc)."""
    rs = normalise(rules)
    for (_kind, major, minor), _acc in rs.exceptions.items():
        for n, what in ((major, "major"), (minor, "minor")):
            if n != WILDCARD and not 0 <= n <= 0x7FFFFFFF:
                raise ConfigError("cgroups.resources.devices", f"invalid {what} number", n)
    prog = [
        _insn(LDXW, 2, 1, 0), _insn(AND32_K, 2, imm=0xFFFF),  # r2 = type
        _insn(LDXW, 3, 1, 0), _insn(RSH32_K, 3, imm=16),  # r3 = access
        _insn(LDXW, 4, 1, 4),  # r4 = major
        _insn(LDXW, 5, 1, 8),  # r5 = minor
    ]
    verdict = 0 if rs.default_allow else 1
    for (kind, major, minor), access in sorted(rs.exceptions.items()):
        prog.append(_block(kind, major, minor, access, verdict))
    prog += [_insn(MOV32_K, 0, imm=1 if rs.default_allow else 0), _insn(EXIT)]
    return b"".join(prog)
