"""OCI runtime-spec config.json -> ``libcontainer.configs.Config`` (runc's specconv).

The conversion is where a bundle is judged: every field of runtime-spec 1.0.2's Linux
profile (and the 1.1/1.2 additions this runtime can honour) is read, type-checked and
translated; a bad value raises ``ConfigError`` naming the OCI field
(``linux.seccomp.syscalls[3].action``), and a field that is unknown or not honoured is
logged on ``libcontainer.specconv`` -- nothing is dropped silently. The result mirrors
runc's CreateLibcontainerConfig field for field, so state.json stays compatible.

Only the standard library and the plain config records are imported here, and only the
parts a spec has: this package imports its submodules when a name is first asked for
(PEP 562), and ``create_config`` (``.convert``) those it needs, so ``exec``
(``process_from_spec``) loads only ``.process``, and a spec without seccomp never loads
``.seccomp`` (each module costs a fresh ``pyrunc`` ~0.3-0.5 ms).
"""

from __future__ import annotations

import sys as _sys  # built in, always loaded

#: Re-exported name -> the submodule that defines it (imported on first access).
_WHERE = {
    "create_config": "convert",
    "TOP_KEYS": "convert",
    "LINUX_KEYS": "convert",
    "OTHER_PLATFORMS": "convert",
    "LINUX_NOT_HONOURED": "convert",
    "OCI_VERSION": "constants",
    "create_devices": "devices",
    "example_spec": "example",
    "to_rootless": "example",
    "create_mount": "mounts",
    "known_mount_options": "mounts",
    "parse_mount_options": "mounts",
    "propagation_of": "mounts",
    "convert_namespaces": "namespaces",
    "convert_time_offsets": "namespaces",
    "host_id": "namespaces",
    "known_namespaces": "namespaces",
    "setup_user_namespace": "namespaces",
    "create_hooks": "process",
    "process_from_spec": "process",
    "create_cgroup_config": "resources",
    "parse_cgroups_path": "resources",
    "setup_seccomp": "seccomp",
}
#: ``specconv.mounts`` and the like: the submodules themselves, as the eager imports gave.
_SUBMODULES = frozenset(_WHERE.values())


def __getattr__(name: str):
    """A re-exported name (cached here once imported), or a submodule (``specconv.mounts``)."""
    module = _WHERE.get(name)
    if module is None:
        if name not in _SUBMODULES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return _submodule(name)
    value = getattr(_submodule(module), name)
    globals()[name] = value
    return value


def _submodule(module: str):
    # Not __import__'s fromlist: its hasattr() on this package would come back here.
    full = f"{__name__}.{module}"
    __import__(full)
    return _sys.modules[full]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE) | _SUBMODULES)


__all__ = [
    "create_config",
    "example_spec",
    "known_mount_options",
    "known_namespaces",
    "parse_cgroups_path",
    "parse_mount_options",
    "process_from_spec",
    "setup_seccomp",
    "to_rootless",
]
