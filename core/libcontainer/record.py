"""``@record``: the small part of ``dataclasses`` that the value classes here use.

Why: ``import dataclasses`` pulls in inspect, re and more (~25 ms), and every
``@dataclass`` compiles a generated ``__init__``/``__repr__``/``__eq__`` with exec()
(~0.3 ms a class, ~60 classes on the container-creating path). A fresh ``pyrunc``
process pays all of that before doing anything. ``@record`` builds a field table per
class from the class body instead, and shares one generic ``__init__``, ``__eq__`` and
``__repr__`` that read it: no exec, no annotation evaluation, no typing.

Semantics follow ``@dataclass`` (eq=True, not frozen) for what is used here:

* fields are the keys of the class's own ``__annotations__``, in order, after the
  fields of record base classes (a redefined field keeps its base position);
  annotations stay strings, and ones naming ``ClassVar`` are not fields;
* ``name: T = value`` gives a default (unhashable ones such as lists, dicts and sets
  are refused: use ``field(default_factory=...)``, called per instance); a field
  without a default may not follow one that has a default (among ``init`` fields);
* ``field(init=False)`` fields are not arguments: a factory runs per instance, a plain
  default is read from the class until assigned; ``repr=False`` hides one from ``repr``, ``compare=False`` from ``==``;
* positional and keyword construction, ``TypeError`` for unknown, duplicate or
  missing arguments, ``__post_init__`` called last when defined;
* ``__eq__`` compares the fields of two objects of exactly the same class,
  ``__hash__`` is None (unhashable, as a mutable dataclass), ``__match_args__`` set;
* methods the class body defines itself (``__init__``, ``__repr__``, ``__eq__``)
  are kept.

``fields()`` and ``asdict()`` stand in for their dataclasses namesakes; ``MISSING``
marks "no default".
"""

from __future__ import annotations

from _operator import attrgetter, itemgetter  # the C getters; operator.py costs ~0.5 ms more
from _thread import get_ident as _get_ident

__all__ = ["MISSING", "Field", "asdict", "field", "fields", "is_record", "record"]


class _MissingType:
    """Sentinel type: no default / no factory (dataclasses.MISSING's role)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self):
        return "MISSING"


MISSING = _MissingType()


class Field:
    """One field of a record; ``name`` is filled in by ``@record``."""

    __slots__ = ("name", "default", "default_factory", "init", "repr", "compare")

    def __init__(self, default=MISSING, default_factory=MISSING, init=True, repr=True, compare=True):
        self.name = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare

    def __repr__(self) -> str:
        return (
            f"Field(name={self.name!r}, default={self.default!r}, "
            f"default_factory={self.default_factory!r}, init={self.init!r}, "
            f"repr={self.repr!r}, compare={self.compare!r})"
        )

    def _copy(self, name: str) -> Field:
        f = Field(self.default, self.default_factory, self.init, self.repr, self.compare)
        f.name = name
        return f


def field(*, default=MISSING, default_factory=MISSING, init=True, repr=True, compare=True):
    """Describe a field whose default is a per-instance factory, or that is hidden from
    ``__init__``/``repr``/``==`` (``dataclasses.field``'s keywords)."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, init, repr, compare)


def _is_classvar(annotation) -> bool:
    # annotations are strings under ``from __future__ import annotations``; never evaluate
    if not isinstance(annotation, str):
        return getattr(annotation, "__origin__", None) is not None and "ClassVar" in repr(annotation)
    return annotation.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))


def record(cls: type) -> type:
    """Make ``cls`` a record: collect its field table and give it __init__/__eq__/__repr__."""
    table: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        base_fields = base.__dict__.get("__record_fields__")
        if base_fields is not None:
            for f in base_fields:
                table[f.name] = f
    annotations = cls.__dict__.get("__annotations__", {})
    for name, annotation in annotations.items():
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            f = value._copy(name)
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        else:
            f = Field(value)
            f.name = name
        if f.default is not MISSING and type(f.default).__hash__ is None:
            # dataclasses' rule: an unhashable default is a shared mutable one
            raise ValueError(
                f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory"
            )
        table[name] = f

    all_fields = tuple(table.values())
    positional = []
    template = {}
    factories = []
    required = []
    seen_default = None
    for f in all_fields:
        has_factory = f.default_factory is not MISSING
        if f.init:
            if has_factory or f.default is not MISSING:
                seen_default = f.name
            elif seen_default is not None:
                raise TypeError(f"non-default argument {f.name!r} follows default argument {seen_default!r}")
            else:
                required.append(f.name)
            index = len(positional)
            positional.append(f.name)
        elif has_factory:
            index = len(all_fields)  # never filled by an argument
        else:
            # init=False with a plain default: the class attribute serves it, and without
            # one the attribute stays unset (both as in dataclasses)
            continue
        template[f.name] = f.default
        if has_factory:
            factories.append((index, f.name, f.default_factory))

    eq_names = [f.name for f in all_fields if f.compare]
    plain = _plain_attributes(cls, template)
    cls.__record_fields__ = all_fields
    #: (getter over the instance __dict__ or None, getter over attributes) for __eq__
    cls.__record_eq__ = (
        (itemgetter(*eq_names) if plain else None, attrgetter(*eq_names)) if eq_names else (_no_fields, _no_fields)
    )
    cls.__record_repr__ = tuple(f.name for f in all_fields if f.repr)
    #: everything __init__ needs, in one class attribute (one lookup per construction)
    cls.__record_init__ = (
        template,
        tuple(positional),
        frozenset(positional),
        tuple(factories),
        tuple(required),
        plain,
        getattr(cls, "__post_init__", None) is not None,
    )
    own = cls.__dict__
    if "__init__" not in own:
        cls.__init__ = _init
    if "__repr__" not in own:
        cls.__repr__ = _repr
    if "__eq__" not in own:
        cls.__eq__ = _eq
    if "__hash__" not in own or own["__hash__"] is None:
        cls.__hash__ = None
    if "__match_args__" not in own:
        cls.__match_args__ = tuple(positional)
    return cls


def _no_fields(obj) -> tuple:
    return ()


def _plain_attributes(cls: type, names) -> bool:
    """True when the fields may be put straight into the instance ``__dict__`` (no
    ``__setattr__`` override, no property or other data descriptor named like a field)."""
    if cls.__setattr__ is not object.__setattr__ or "__slots__" in cls.__dict__:
        return False
    for name in names:
        for klass in cls.__mro__:
            if name in klass.__dict__:
                if hasattr(type(klass.__dict__[name]), "__set__"):
                    return False
                break
    return True


def _init(self, *args, **kwargs):
    # One shared __init__ for every record, driven by the class's tables: the defaults
    # dict is copied in field order, arguments and factories fill it, and it is stored
    # in one go (dataclasses generate straight-line code with exec() instead).
    cls = type(self)
    template, positional, names, factories, required, plain, post_init = cls.__record_init__
    values = template.copy()
    nargs = len(args)
    if nargs:
        if nargs > len(positional):
            raise TypeError(
                f"{cls.__qualname__}.__init__() takes {len(positional) + 1} positional arguments "
                f"but {nargs + 1} were given"
            )
        i = 0
        for value in args:  # an indexed loop: cheaper than zip() here
            values[positional[i]] = value
            i += 1
    if kwargs:
        if not names.issuperset(kwargs):
            bad = next(k for k in kwargs if k not in names)
            raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument {bad!r}")
        if nargs:
            for name in positional[:nargs]:
                if name in kwargs:
                    raise TypeError(f"{cls.__qualname__}.__init__() got multiple values for argument {name!r}")
        values.update(kwargs)
        for index, name, factory in factories:
            if index >= nargs and name not in kwargs:
                values[name] = factory()
    else:
        for index, name, factory in factories:
            if index >= nargs:
                values[name] = factory()
    if required:
        missing = [n for n in required if values[n] is MISSING]
        if missing:
            raise TypeError(
                f"{cls.__qualname__}.__init__() missing {len(missing)} required argument(s): "
                + ", ".join(repr(n) for n in missing)
            )
    if plain:
        self.__dict__.update(values)
    else:
        for name, value in values.items():
            setattr(self, name, value)
    if post_init:
        self.__post_init__()


_REPR_RUNNING: set = set()


def _repr(self) -> str:
    key = (id(self), _get_ident())
    if key in _REPR_RUNNING:
        return "..."
    _REPR_RUNNING.add(key)
    try:
        parts = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__record_repr__)
    finally:
        _REPR_RUNNING.discard(key)
    return f"{type(self).__qualname__}({parts})"


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    from_dict, get = self.__record_eq__
    if from_dict is not None:
        # the fields are plain instance attributes: reading them from __dict__ is
        # cheaper than getattr; a field missing there is looked up the usual way
        try:
            return from_dict(self.__dict__) == from_dict(other.__dict__)
        except (KeyError, AttributeError):
            pass
    return get(self) == get(other)


def is_record(obj) -> bool:
    """True for a record class or an instance of one."""
    cls = obj if isinstance(obj, type) else type(obj)
    return hasattr(cls, "__record_fields__")


def fields(class_or_instance) -> tuple[Field, ...]:
    """The record's fields in order (``dataclasses.fields``); TypeError for a non-record."""
    cls = class_or_instance if isinstance(class_or_instance, type) else type(class_or_instance)
    try:
        return cls.__record_fields__
    except AttributeError:
        raise TypeError("must be called with a record type or instance") from None


def asdict(obj):
    """Nested plain data from a record (``dataclasses.asdict``): records become dicts of
    all their fields, lists/tuples/dicts are rebuilt with converted items, anything else
    is returned as is (the stats it serves hold only ints, floats and strings)."""
    if hasattr(type(obj), "__record_fields__"):
        return {f.name: asdict(getattr(obj, f.name)) for f in type(obj).__record_fields__}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*[asdict(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return type(obj)(asdict(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((asdict(k), asdict(v)) for k, v in obj.items())
    return obj
