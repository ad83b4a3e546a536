"""Typed access to the OCI JSON, naming the field on every complaint.

config.json arrives as a plain ``dict`` straight from ``json.load``. Go's decoder rejects
a wrong type and drops unknown keys; we do better on both counts: a wrong type raises
``ConfigError`` naming the OCI field (``linux.resources.memory.limit``), and an unknown
key is logged as a warning instead of vanishing, so that a typo in a spec is visible.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

_MISSING = object()


def __getattr__(name: str):
    """``log``, the "libcontainer.specconv" logger, made on first use: ``logging`` (and the
    traceback, re... it imports, ~10 ms) is then paid only by a spec that gets a warning."""
    if name == "log":
        import logging

        return logging.getLogger("libcontainer.specconv")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def join(where: str, key) -> str:
    """The dotted OCI path of ``key`` under ``where`` (``[3]`` for list indexes)."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def warn_unknown(obj: dict, known, where: str) -> None:
    """Warn once per key of ``obj`` that the spec (as far as we know it) does not define."""
    for key in obj:
        if key not in known:
            __getattr__("log").warning("%s: unknown field, ignored", join(where, key))


def warn_ignored(field: str, why: str) -> None:
    """A field the spec defines but this runtime does not honour: say so, never be silent."""
    __getattr__("log").warning("%s: %s; ignored", field, why)


def obj(value, where: str, *, required: bool = False) -> dict | None:
    """``value`` as a JSON object; None (or missing) stays None unless required."""
    if value is None:
        if required:
            raise ConfigError(where, "must be specified")
        return None
    if not isinstance(value, dict):
        raise ConfigError(where, "must be an object", value)
    return value


def lst(value, where: str) -> list:
    """``value`` as a JSON array; null counts as empty, like Go's nil slice."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(where, "must be an array", value)
    return value


def get_str(d: dict, key: str, where: str, default: str = "") -> str:
    value = d.get(key, _MISSING)
    if value is _MISSING or value is None:
        return default
    if not isinstance(value, str):
        raise ConfigError(join(where, key), "must be a string", value)
    return value


def get_bool(d: dict, key: str, where: str, default=False):
    value = d.get(key, _MISSING)
    if value is _MISSING or value is None:
        return default
    if not isinstance(value, bool):
        raise ConfigError(join(where, key), "must be a boolean", value)
    return value


def check_int(value, field: str, *, minimum=None, maximum=None) -> int:
    """An integer within [minimum, maximum] (bool is refused: JSON true is not 1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        # JSON written by some tools carries 1024.0; accept integral floats only.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ConfigError(field, "must be an integer", value)
    if minimum is not None and value < minimum:
        raise ConfigError(field, f"must be >= {minimum}", value)
    if maximum is not None and value > maximum:
        raise ConfigError(field, f"must be <= {maximum}", value)
    return value


def get_int(d: dict, key: str, where: str, default=None, *, minimum=None, maximum=None):
    value = d.get(key, _MISSING)
    if value is _MISSING or value is None:
        return default
    return check_int(value, join(where, key), minimum=minimum, maximum=maximum)


# The ranges of the Go types runtime-spec uses, so that out-of-range numbers are refused
# here rather than wrapping around in a syscall later.
U16 = {"minimum": 0, "maximum": 2**16 - 1}
U32 = {"minimum": 0, "maximum": 2**32 - 1}
U64 = {"minimum": 0, "maximum": 2**64 - 1}
I64 = {"minimum": -(2**63), "maximum": 2**63 - 1}
I32 = {"minimum": -(2**31), "maximum": 2**31 - 1}


def get_str_list(d: dict, key: str, where: str) -> list[str] | None:
    """A list of strings, or None when absent (runc keeps nil and [] apart in places)."""
    value = d.get(key)
    if value is None:
        return None
    field = join(where, key)
    items = lst(value, field)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise ConfigError(join(field, i), "must be a string", item)
    return list(items)


def get_str_map(d: dict, key: str, where: str) -> dict[str, str] | None:
    value = d.get(key)
    if value is None:
        return None
    field = join(where, key)
    mapping = obj(value, field)
    for k, v in mapping.items():
        if not isinstance(v, str):
            raise ConfigError(join(field, k), "must be a string", v)
    return dict(mapping)


def no_nul(value: str, field: str) -> str:
    """Refuse NUL bytes: the strings end up in C calls that would silently truncate them."""
    if "\x00" in value:
        raise ConfigError(field, "must not contain a NUL byte", value)
    return value
