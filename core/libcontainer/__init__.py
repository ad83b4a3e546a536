"""libcontainer: a container runtime library shaped like runc's libcontainer.

The public names are imported lazily (PEP 562) so that ``import libcontainer`` costs
almost nothing: the CLI's hot paths (state, kill, start...) must not pay for marshmallow,
pluggy or stevedore when they do not use them.
"""

__version__ = "0.1.0"

import os as _os  # noqa: E402

if _os.environ.get("LIBCONTAINER_CODECACHE") != "0":  # "0": every module by Python's own import
    from . import codecache as _codecache  # the runtime's modules from one file (see there)

    _codecache.install()

_LAZY = {
    "Factory": ("libcontainer.factory", "Factory"),
    "Container": ("libcontainer.container", "Container"),
    "Process": ("libcontainer.process", "Process"),
    "Config": ("libcontainer.configs", "Config"),
    "Status": ("libcontainer.container", "Status"),
    "ContainerError": ("libcontainer.errors", "ContainerError"),
    "ConfigError": ("libcontainer.errors", "ConfigError"),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'libcontainer' has no attribute {name!r}") from None
    import sys

    __import__(module_name)  # not importlib: it brings warnings along (~1 ms a fresh process)
    value = getattr(sys.modules[module_name], attr)
    globals()[name] = value
    return value
