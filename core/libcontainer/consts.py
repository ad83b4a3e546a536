"""Constants that behave like a ``StrEnum`` / ``IntEnum`` where this code base uses one.

Why not ``enum``: importing it costs a fresh process ~5 ms (it is a large module and pulls
functools and more), and ``pyrunc state``/``start``/``kill``/``delete``/``create`` need
nothing else from it: the container status, the freezer state and runc's seccomp action and
operator numbers are closed sets of plain strings or ints. A subclass of :class:`StrConst`
or :class:`IntConst` is callable like an enum (``Status("running")`` returns the constant,
a value outside the set raises ValueError), its members compare equal to (and hash like)
their values, ``.value`` and ``.name`` work, ``str()`` gives what the enum's would, and
iterating over the class yields the members in definition order.
"""

from __future__ import annotations


class _Meta(type):
    def __call__(cls, value=""):
        value = getattr(value, "value", value)
        member = cls._members_.get(value)
        if member is None:
            raise ValueError(f"{value!r} is not a valid {cls.__name__}")
        return member

    def __iter__(cls):
        return iter(cls._members_.values())

    def __len__(cls):
        return len(cls._members_)


def _collect(cls, base: type) -> None:
    """Upper-case class attributes of the base's type become the class's members."""
    members = {}
    for name, value in list(vars(cls).items()):
        if name.isupper() and isinstance(value, base) and not isinstance(value, cls):
            member = base.__new__(cls, value)
            member._name = name  # noqa: SLF001 - set once, here
            setattr(cls, name, member)
            members[value] = member
    cls._members_ = members


class StrConst(str, metaclass=_Meta):
    """Base class: upper-case str class attributes become the members."""

    _members_: dict = {}

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        _collect(cls, str)

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def name(self) -> str:
        return self._name

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name}: {str.__repr__(self)}>"

    def __reduce__(self):
        return type(self), (self.value,)


class IntConst(int, metaclass=_Meta):
    """Base class: upper-case int class attributes become the members."""

    _members_: dict = {}

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        _collect(cls, int)

    @property
    def value(self) -> int:
        return int(self)

    @property
    def name(self) -> str:
        return self._name

    def __str__(self) -> str:  # IntEnum's since 3.11: the number
        return int.__repr__(self)

    __format__ = int.__format__

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name}: {int.__repr__(self)}>"

    def __reduce__(self):
        return type(self), (int(self),)
