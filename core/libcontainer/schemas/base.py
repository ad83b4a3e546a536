"""Shared pieces for the config schemas: strict Go-like scalar fields, the model
building, runc's ``omitempty`` on dump, and turning marshmallow's nested error dicts into
one ``ConfigError`` that names the attribute path.

Go's encoding/json is the reference: numbers must be JSON integers (never bools or
strings), ``null`` means "zero value", and unknown keys are ignored so that state.json
written by a newer runc still loads.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, post_load, validate

from libcontainer import record

I64 = (-(2**63), 2**63 - 1)
I32 = (-(2**31), 2**31 - 1)
U64 = (0, 2**64 - 1)
U32 = (0, 2**32 - 1)
U16 = (0, 2**16 - 1)


class StrictInt(fields.Integer):
    """An Integer that, like Go, refuses bools, floats and numeric strings."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strict", True)
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBool(fields.Boolean):
    """A Boolean that accepts only JSON true/false (marshmallow also takes "yes", 1...)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _meta(omitempty: bool) -> dict:
    return {"omitempty": omitempty}


def integer(key: str, bounds=I64, omitempty: bool = False) -> fields.Field:
    return StrictInt(
        data_key=key,
        allow_none=True,
        validate=validate.Range(min=bounds[0], max=bounds[1]),
        metadata=_meta(omitempty),
    )


def string(key: str, omitempty: bool = False) -> fields.Field:
    return fields.String(data_key=key, allow_none=True, metadata=_meta(omitempty))


def boolean(key: str, omitempty: bool = False) -> fields.Field:
    return StrictBool(data_key=key, allow_none=True, metadata=_meta(omitempty))


def str_list(key: str, omitempty: bool = False) -> fields.Field:
    return fields.List(fields.String(), data_key=key, allow_none=True, metadata=_meta(omitempty))


def int_list(key: str, bounds=I64, omitempty: bool = False) -> fields.Field:
    inner = StrictInt(validate=validate.Range(min=bounds[0], max=bounds[1]))
    return fields.List(inner, data_key=key, allow_none=True, metadata=_meta(omitempty))


def str_map(key: str, omitempty: bool = False) -> fields.Field:
    return fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        data_key=key,
        allow_none=True,
        metadata=_meta(omitempty),
    )


def nested(schema, key: str, omitempty: bool = False) -> fields.Field:
    return fields.Nested(schema, data_key=key, allow_none=True, metadata=_meta(omitempty))


def nested_list(schema, key: str, omitempty: bool = False) -> fields.Field:
    return fields.List(
        fields.Nested(schema), data_key=key, allow_none=True, metadata=_meta(omitempty)
    )


def nested_map(schema, key: str, omitempty: bool = False) -> fields.Field:
    return fields.Dict(
        keys=fields.String(),
        values=fields.Nested(schema),
        data_key=key,
        allow_none=True,
        metadata=_meta(omitempty),
    )


def _is_empty(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, (str, list, dict)) and not value:
        return True
    return isinstance(value, int) and value == 0


class ModelSchema(Schema):
    """Loads into ``__model__`` (a record) and dumps with runc's omitempty rules.

    A JSON ``null`` for a field whose Python default is not ``None`` falls back to that
    default, which is what Go does when it decodes null into a non-pointer field.
    """

    __model__: type | None = None

    class Meta:
        unknown = EXCLUDE

    @post_load
    def _make_model(self, data, **kwargs):
        model = self.__model__
        if model is None:
            return data
        nullable = _nullable_attrs(model)
        kept = {k: v for k, v in data.items() if v is not None or k in nullable}
        return self._build(model, kept)

    def _build(self, model, data):
        return model(**data)

    @post_dump
    def _omit_empty(self, data, **kwargs):
        # Go pointers (Python default None) are omitted only when nil: a pids_limit of 0
        # is a real value, unlike an int64 memory of 0.
        nullable = _nullable_attrs(self.__model__) if self.__model__ else frozenset()
        for name, field in self.dump_fields.items():
            key = field.data_key or name
            if key not in data:
                continue
            value = data[key]
            if value is None:
                del data[key]
            elif field.metadata.get("omitempty") and name not in nullable and _is_empty(value):
                del data[key]
        return data


_NULLABLE_CACHE: dict[type, frozenset[str]] = {}


def _nullable_attrs(model: type) -> frozenset[str]:
    """Attributes whose record default is ``None`` (Go pointers): null stays null."""
    cached = _NULLABLE_CACHE.get(model)
    if cached is None:
        cached = frozenset(
            f.name
            for f in record.fields(model)
            if f.default is None and f.default_factory is record.MISSING
        )
        _NULLABLE_CACHE[model] = cached
    return cached


# --- error translation -------------------------------------------------------------


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _field_by_key(schema: Schema, key) -> tuple[str, fields.Field] | tuple[None, None]:
    for name, field in schema.fields.items():
        if (field.data_key or name) == key:
            return name, field
    return None, None


def _lookup(data, key):
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    return None


def _messages_text(messages) -> str:
    if isinstance(messages, (list, tuple)):
        return "; ".join(str(m) for m in messages)
    return str(messages)


def iter_errors(schema: Schema, messages, data, path: str = ""):
    """Yield ``(attribute_path, message, bad_value)`` for every leaf of ``messages``."""
    if not isinstance(messages, dict):
        yield path or "config", _messages_text(messages), data
        return
    for key, msgs in messages.items():
        if key == "_schema":
            yield path or "config", _messages_text(msgs), data
            continue
        name, field = _field_by_key(schema, key)
        if field is None:
            yield _join(path, str(key)), _messages_text(msgs), _lookup(data, key)
            continue
        value = _lookup(data, key)
        if value is None and isinstance(data, dict) and key not in data:
            # A schema filled from its parent's keys (cgroup resources are flat in JSON).
            if getattr(getattr(field, "schema", None), "__flattened__", False):
                value = data
        yield from _iter_field(field, msgs, value, _join(path, name))


def _iter_field(field: fields.Field, msgs, value, path: str):
    if isinstance(field, fields.Nested) and isinstance(msgs, dict):
        yield from iter_errors(field.schema, msgs, value, path)
    elif isinstance(field, fields.List) and isinstance(msgs, dict):
        for idx, inner_msgs in msgs.items():
            yield from _iter_field(field.inner, inner_msgs, _lookup(value, idx), f"{path}[{idx}]")
    elif isinstance(field, fields.Dict) and isinstance(msgs, dict):
        for k, parts in msgs.items():
            sub = f"{path}[{k!r}]"
            if not isinstance(parts, dict):
                yield sub, _messages_text(parts), _lookup(value, k)
                continue
            if "key" in parts:
                yield sub, "invalid key: " + _messages_text(parts["key"]), k
            if "value" in parts:
                yield from _iter_field(field.value_field, parts["value"], _lookup(value, k), sub)
    else:
        yield path, _messages_text(msgs), value


def to_config_error(schema: Schema, err: ValidationError, data):
    """The first error as a ConfigError; every error stays available as ``.errors``."""
    from libcontainer.errors import ConfigError

    errors = list(iter_errors(schema, err.messages, data))
    if not errors:
        errors = [("config", str(err), data)]
    field, message, value = errors[0]
    exc = ConfigError(field, message, value)
    exc.errors = errors
    return exc
