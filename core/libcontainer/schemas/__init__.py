"""marshmallow schemas for libcontainer.configs: the single source of truth for the JSON
shape of a config (runc's state.json ``config`` object).

Imported only by ``libcontainer.configs.load``; nothing on a hot path should import this.
"""

from .config import ConfigSchema

__all__ = ["ConfigSchema"]
