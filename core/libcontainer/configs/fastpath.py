"""Config <-> JSON without marshmallow, driven by the tables compiled from the schemas.

Why: importing marshmallow costs ~100 ms and a schema load/dump ~5 ms, more than the
kernel work of starting a container. The tables (``fast_tables.py``) are generated from
``libcontainer.schemas`` by ``fastgen.py``; this module only interprets them, plus the few
schema hooks named in the tables (reimplemented below, one function each).

It is an accelerator, never a second judge: anything it is not certain about (a wrong
type, an out-of-range number, an unusual Python object on dump) raises ``Fallback`` and
``load.py`` asks marshmallow, which then accepts or produces the error message.
``tests/unit/test_fastpath_config.py`` checks both paths give the same documents.
"""

from __future__ import annotations

import sys

from .fast_tables import ROOT, SCHEMAS


class Fallback(Exception):
    """The fast path cannot decide: use the marshmallow schemas."""


_MODELS: dict[str, type] = {}
_RESOURCE_KEYS = frozenset(f[1] for f in SCHEMAS["ResourcesSchema"]["fields"])
_NULLABLE = {name: frozenset(s["nullable"]) for name, s in SCHEMAS.items()}


def _model(name: str) -> type:
    cls = _MODELS.get(name)
    if cls is None:
        # Each model's module is imported when the first object of that kind is met, so a
        # config without seccomp, scheduler... never imports theirs (nor importlib).
        module, _, qual = SCHEMAS[name]["model"].partition(":")
        __import__(module)
        cls = _MODELS[name] = getattr(sys.modules[module], qual)
    return cls


# --------------------------------------------------------------------------- load


def _load_value(kind: tuple, v):
    k = kind[0]
    t = type(v)
    if k == "str":
        if t is str:
            return v
    elif k == "int":
        lo, hi = kind[1]
        if t is int and lo <= v <= hi:
            return v
    elif k == "bool":
        if t is bool:
            return v
    elif k == "obj":
        return _load(kind[1], v)
    elif k == "objs":
        if t is list:
            return [_load(kind[1], x) for x in v]
    elif k == "strs":
        if t is list and all(type(x) is str for x in v):
            return list(v)
    elif k == "ints":
        lo, hi = kind[1]
        if t is list and all(type(x) is int and lo <= x <= hi for x in v):
            return list(v)
    elif k == "strmap":
        if t is dict and all(type(a) is str and type(b) is str for a, b in v.items()):
            return dict(v)
    elif k == "objmap":
        if t is dict and all(type(a) is str for a in v):
            return {a: _load(kind[1], b) for a, b in v.items()}
    elif k == "devtype":
        if t is int and 0 < v < 0x110000:
            return chr(v)
        if t is str and len(v) == 1:
            return v
    elif k == "duration":
        if t is int:
            return v / 1_000_000_000
    raise Fallback


def _gather_resources(data: dict) -> dict:
    # CgroupSchema's pre_load: runc's flat resource keys go into "resources".
    flat = {k: v for k, v in data.items() if k in _RESOURCE_KEYS}
    rest = {k: v for k, v in data.items() if k not in _RESOURCE_KEYS}
    explicit = rest.get("resources")
    if type(explicit) is dict:
        flat = {**explicit, **flat}
    elif explicit is not None:
        raise Fallback
    rest["resources"] = flat
    return rest


def _enum_or_int(enum_cls, value):
    try:
        return enum_cls(value)
    except ValueError:
        return value


def _seccomp_enums(name: str, kept: dict) -> None:
    # The _build overrides of ArgSchema/SyscallSchema/SeccompSchema.
    from .seccomp import Action, Operator

    if name == "ArgSchema" and "op" in kept:
        kept["op"] = _enum_or_int(Operator, kept["op"])
    elif name == "SyscallSchema" and "action" in kept:
        kept["action"] = _enum_or_int(Action, kept["action"])
    elif name == "SeccompSchema" and "default_action" in kept:
        kept["default_action"] = _enum_or_int(Action, kept["default_action"])


def _load(name: str, data):
    if type(data) is not dict:
        raise Fallback
    schema = SCHEMAS[name]
    specials = schema["specials"]
    if "_gather_resources" in specials:
        data = _gather_resources(data)
    nullable = _NULLABLE[name]
    kept = {}
    for attr, key, kind, _omit in schema["fields"]:
        if key not in data:
            continue
        v = data[key]
        if v is None:
            if attr in nullable:
                kept[attr] = None
            continue
        kept[attr] = _load_value(kind, v)
    if "_build" in specials:
        _seccomp_enums(name, kept)
    return _model(name)(**kept)


def load_config(data: dict):
    """A Config from runc's state.json ``config`` object; Fallback when unsure."""
    return _load(ROOT, data)


# --------------------------------------------------------------------------- dump


def _is_empty(value) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, (str, list, dict)) and not value:
        return True
    return isinstance(value, int) and value == 0


def _dump_value(kind: tuple, v):
    k = kind[0]
    t = type(v)
    if k == "str":
        if t is str:
            return v
    elif k == "int":
        if t is int:
            return v
        if isinstance(v, int) and t is not bool:  # IntEnum: marshmallow writes int(v)
            return int(v)
    elif k == "bool":
        if t is bool:
            return v
    elif k == "obj":
        return _dump(kind[1], v)
    elif k == "objs":
        if isinstance(v, (list, tuple)):  # Namespaces is a list subclass
            return [_dump(kind[1], x) for x in v]
    elif k == "strs":
        if isinstance(v, (list, tuple)) and all(type(x) is str for x in v):
            return list(v)
    elif k == "ints":
        if isinstance(v, (list, tuple)) and all(type(x) is int for x in v):
            return list(v)
    elif k == "strmap":
        if t is dict and all(type(a) is str and type(b) is str for a, b in v.items()):
            return dict(v)
    elif k == "objmap":
        if t is dict and all(type(a) is str for a in v):
            return {a: _dump(kind[1], b) for a, b in v.items()}
    elif k == "devtype":
        if t is str and v:
            return ord(v)
    elif k == "duration":
        if t is int or t is float:
            return int(round(v * 1_000_000_000))
    raise Fallback


def _only_commands(hooks):
    from .hooks import HOOK_NAMES, Command, Hooks

    return Hooks(**{attr: [h for h in getattr(hooks, attr) if isinstance(h, Command)]
                    for attr in HOOK_NAMES.values()})


_MISSING = object()


def _dump(name: str, obj):
    if obj is None:
        return None
    if not isinstance(obj, _model(name)):
        raise Fallback
    schema = SCHEMAS[name]
    specials = schema["specials"]
    if "_only_commands" in specials:
        obj = _only_commands(obj)
    nullable = _NULLABLE[name]
    out = {}
    for attr, key, kind, omit in schema["fields"]:
        v = getattr(obj, attr, _MISSING)
        if v is _MISSING:
            continue
        if v is None:
            continue
        v = _dump_value(kind, v)
        if v is None or (omit and attr not in nullable and _is_empty(v)):
            continue
        out[key] = v
    if "_drop_empty_hooks" in specials and out.get("Hooks") == {}:
        del out["Hooks"]
    if "_spread_resources" in specials:
        resources = out.pop("resources", None) or {}
        out.update(resources)
    return out


def dump_config(cfg) -> dict:
    """runc's state.json ``config`` object for a Config; Fallback when unsure."""
    return _dump(ROOT, cfg)
