"""Factory: the state root, and creating, loading and listing containers in it.

``create`` validates everything before it creates anything: a config that fails leaves no
state directory, cgroup, mount or process behind.
"""

from __future__ import annotations

import os

from . import state as st
from .container import Container
from .errors import ContainerExists, ContainerNotExists, InvalidContainerID

DEFAULT_ROOT = "/run/pyrunc"
_ID_PUNCTUATION = frozenset("_+-.")


def validate_id(container_id: str) -> None:
    r"""runc's rule: word characters, '+', '-' and '.'; never '.' or '..' (path traversal).

    A word character as a regular expression's ``\w`` means it (str.isalnum() or "_"),
    checked without ``re``: importing it costs every `pyrunc create` ~7 ms.
    """
    if (not container_id or container_id in (".", "..")
            or not all(c.isalnum() or c in _ID_PUNCTUATION for c in container_id)):
        raise InvalidContainerID(container_id)


class Factory:
    def __init__(self, root: str = DEFAULT_ROOT):
        self.root = os.path.abspath(root)

    def _state_dir(self, container_id: str) -> str:
        return os.path.join(self.root, container_id)

    def create(self, container_id: str, config) -> Container:
        validate_id(container_id)
        from .configs.validate import validate

        validate(config)
        manager = self._cgroup_manager(config)  # a missing backend fails before anything exists
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        state_dir = self._state_dir(container_id)
        try:
            os.mkdir(state_dir, 0o711)
        except FileExistsError:
            raise ContainerExists(container_id) from None
        return Container(container_id, state_dir, config, cgroup_manager=manager)

    def load(self, container_id: str) -> Container:
        validate_id(container_id)
        state_dir = self._state_dir(container_id)
        if not os.path.isdir(state_dir):
            raise ContainerNotExists(container_id)
        with st.locked(state_dir):
            saved = st.read_state(state_dir, container_id)
        from .configs.load import config_from_dict

        config = config_from_dict(saved.get("config") or {})
        manager = self._cgroup_manager(config, paths=saved.get("cgroup_paths") or None)
        return Container(container_id, state_dir, config, cgroup_manager=manager, saved=saved)

    def list(self) -> list[str]:
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if os.path.isfile(os.path.join(self.root, n, st.STATE_FILE)))

    @staticmethod
    def _cgroup_manager(config, paths=None):
        if config.cgroups is None:
            return None
        from . import plugins

        return plugins.cgroup_manager(config.cgroups, driver=getattr(config, "cgroup_driver", None), paths=paths)
