"""Config <-> JSON, through libcontainer.schemas (marshmallow, imported on first use).

The schemas decide; the hot path first tries ``fastpath`` (tables compiled from the same
schemas, no marshmallow import) and only asks marshmallow when that cannot decide: so an
error message always comes from the schemas, and a valid config never loads marshmallow.

Every shape problem comes out as ``ConfigError`` naming the attribute path
(``cgroups.resources.memory``, ``mounts[2].destination``) and the offending value, so
that a broken state.json or a bad bundle is diagnosable from the message alone.
"""

from __future__ import annotations

from libcontainer import jsonfast
from libcontainer.errors import ConfigError

from .config import Config

TYPE_CHECKING = False  # typing is not imported at run time: annotations stay strings
if TYPE_CHECKING:
    from typing import Any

_SCHEMA = None


def _schema():
    global _SCHEMA
    if _SCHEMA is None:
        from libcontainer.schemas import ConfigSchema

        _SCHEMA = ConfigSchema()
    return _SCHEMA


def config_from_dict(d: dict[str, Any]) -> Config:
    if not isinstance(d, dict):
        raise ConfigError("config", "must be a JSON object", d)
    from .fastpath import Fallback, load_config

    try:
        return load_config(d)
    except Fallback:
        pass
    return slow_config_from_dict(d)


def slow_config_from_dict(d: dict[str, Any]) -> Config:
    """The marshmallow load (the reference the fast path is tested against)."""
    from marshmallow import ValidationError

    from libcontainer.schemas.base import to_config_error

    schema = _schema()
    try:
        return schema.load(d)
    except ValidationError as err:
        raise to_config_error(schema, err, d) from None


def config_to_dict(cfg: Config) -> dict[str, Any]:
    if not isinstance(cfg, Config):
        raise ConfigError("config", "not a libcontainer.configs.Config", type(cfg).__name__)
    from .fastpath import Fallback, dump_config

    try:
        return dump_config(cfg)
    except Fallback:
        pass
    return slow_config_to_dict(cfg)


def slow_config_to_dict(cfg: Config) -> dict[str, Any]:
    """The marshmallow dump (the reference the fast path is tested against)."""
    return _schema().dump(cfg)


def config_from_json(s: str | bytes) -> Config:
    try:
        d = jsonfast.loads(s)
    except (ValueError, UnicodeDecodeError) as err:
        raise ConfigError("config", f"invalid JSON: {err}") from None
    return config_from_dict(d)


def config_to_json(cfg: Config, *, indent: int | None = None) -> str:
    return jsonfast.dumps(config_to_dict(cfg), indent=indent)
