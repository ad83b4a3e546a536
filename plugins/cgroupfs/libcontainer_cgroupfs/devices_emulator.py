"""A model of the v1 devices controller's rule list (runc's ``devices/emulator.go``).

The kernel offers no "replace all rules" operation: only ``devices.allow``/``devices.deny``
writes, each changing the list relative to its current state. Writing "deny all" then the
new exceptions would open a window where a running container loses /dev/null; writing
"allow all" first would open a far worse one. So the current ``devices.list`` and the target
rules are both loaded into this emulator and only the difference is written.

The model: a default (allow = blacklist mode, deny = whitelist mode) plus exceptions
``(type, major, minor) -> permissions``. ``devices.list`` shows ``a *:* rwm`` for blacklist
mode; otherwise every line is an allow exception.
"""

from __future__ import annotations

from _operator import itemgetter  # the C one: operator.py costs a create ~0.5 ms more

from libcontainer.record import field, record

WILDCARD = -1


class EmulatorError(ValueError):
    pass


def _perms(text: str) -> frozenset:
    return frozenset(c for c in text if c in "rwm")


def _perm_string(perms) -> str:
    return "".join(c for c in "rwm" if c in perms)


class Rule(tuple):
    """One rule as written to devices.allow/deny: an immutable tuple with named fields
    (what namedtuple would make, without importing collections for it)."""

    __slots__ = ()
    _fields = ("type", "major", "minor", "permissions", "allow")

    def __new__(cls, type: str, major: int, minor: int, permissions: str, allow: bool):  # noqa: A002
        return tuple.__new__(cls, (type, major, minor, permissions, allow))

    type = property(itemgetter(0))
    major = property(itemgetter(1))
    minor = property(itemgetter(2))
    permissions = property(itemgetter(3))
    allow = property(itemgetter(4))

    def __repr__(self) -> str:
        return "Rule(" + ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self, strict=True)) + ")"

    def cgroup_string(self) -> str:
        def num(n):
            return "*" if n == WILDCARD else str(n)

        if self.type == "a":
            return "a"
        return f"{self.type} {num(self.major)}:{num(self.minor)} {self.permissions}"


@record
class Emulator:
    default_allow: bool = False
    rules: dict[tuple[str, int, int], frozenset] = field(default_factory=dict)

    def copy(self) -> Emulator:
        return Emulator(self.default_allow, dict(self.rules))

    def is_blacklist(self) -> bool:
        return self.default_allow

    # -- the kernel's operations ----------------------------------------------------------
    def apply(self, kind: str, major: int, minor: int, permissions: str, allow: bool) -> None:
        if kind not in ("a", "b", "c"):
            raise EmulatorError(f"{kind} is not a valid device type")
        if kind == "a":
            # Any "a" rule resets the whole list to the given default.
            self.default_allow, self.rules = allow, {}
            return
        meta, perms = (kind, major, minor), _perms(permissions or "rwm")
        # An allow in blacklist mode removes a deny exception, and vice versa.
        if allow == self.default_allow:
            self._remove(meta, perms)
        else:
            self.rules[meta] = self.rules.get(meta, frozenset()) | perms

    def _remove(self, meta, perms) -> None:
        kind, major, minor = meta
        # cgroup v1 silently ignores removing part of a wildcard exception; refuse instead
        # of letting the caller believe it worked.
        for partial in ((kind, WILDCARD, minor), (kind, major, WILDCARD), (kind, WILDCARD, WILDCARD)):
            if partial == meta:
                continue
            overlap = self.rules.get(partial, frozenset()) & perms
            if overlap:
                raise EmulatorError(
                    f"requested rule [{_meta_str(meta)} {_perm_string(perms)}] not supported by "
                    f"devices cgroupv1 (cannot punch hole in existing wildcard rule "
                    f"[{_meta_str(partial)} {_perm_string(self.rules[partial])}])"
                )
        left = self.rules.get(meta, frozenset()) - perms
        if left:
            self.rules[meta] = left
        else:
            self.rules.pop(meta, None)

    # -- diffing ----------------------------------------------------------------------------
    def transition(self, target: Emulator) -> list[Rule]:
        """The writes that turn this state into ``target`` without any wider window."""
        source = self.copy()
        out: list[Rule] = []
        if source.default_allow != target.default_allow:
            out.append(Rule("a", WILDCARD, WILDCARD, "rwm", target.default_allow))
            source = Emulator(target.default_allow)
        # Drop exceptions the target lacks first (narrowing), then add the new ones.
        for meta in sorted(source.rules):
            dropped = source.rules[meta] - target.rules.get(meta, frozenset())
            if dropped:
                out.append(Rule(*meta, _perm_string(dropped), source.default_allow))
        for meta in sorted(target.rules):
            added = target.rules[meta] - source.rules.get(meta, frozenset())
            if added:
                out.append(Rule(*meta, _perm_string(added), not target.default_allow))
        return out


def _meta_str(meta) -> str:
    kind, major, minor = meta
    return f"{kind} {'*' if major == WILDCARD else major}:{'*' if minor == WILDCARD else minor}"


def _number(text: str) -> int:
    return WILDCARD if text == "*" else int(text)


def from_list(text: str) -> Emulator:
    """Parse ``devices.list``."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    emu = Emulator(default_allow=False)
    for line in lines:
        try:
            kind, numbers, perms = line.split()
            major, minor = numbers.split(":")
        except ValueError:
            raise EmulatorError(f"malformed devices.list rule {line!r}") from None
        if kind == "a":
            if len(lines) != 1 or (major, minor, _perms(perms)) != ("*", "*", frozenset("rwm")):
                raise EmulatorError(f"devices.list wildcard line {line!r} is not the only one")
            return Emulator(default_allow=True)
        emu.apply(kind, _number(major), _number(minor), perms, True)
    return emu


def from_rules(rules) -> Emulator:
    """Apply configured rules in order, starting from deny-all (a whitelist)."""
    emu = Emulator(default_allow=False)
    for rule in rules:
        kind = rule.type if isinstance(rule.type, str) else chr(rule.type)
        major = WILDCARD if rule.major is None else int(rule.major)
        minor = WILDCARD if rule.minor is None else int(rule.minor)
        emu.apply(kind, major, minor, rule.permissions or "rwm", bool(rule.allow))
    return emu
