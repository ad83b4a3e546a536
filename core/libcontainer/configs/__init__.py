"""The configuration model: plain records (``libcontainer.record``), named after runc's
``libcontainer/configs``.

Importing this package imports none of its modules: a name (``from libcontainer.configs
import Mount``, ``configs.Seccomp``) imports the one submodule that defines it, on first
use (PEP 562). Why: every module costs a fresh ``pyrunc`` process ~0.3-0.5 ms, and the
runtime's own modules import single submodules (``configs.mount``, ``configs.hooks``...),
which would otherwise pull in all of them (seccomp, scheduler, intelrdt... and their
imports) for a config that has none of those parts. The JSON machinery
(``libcontainer.configs.load``) and the checks (``.validate``) are submodules too, loaded
by whoever needs them.
"""

from __future__ import annotations

import sys as _sys  # built in, always loaded

#: submodule -> the public names it defines (what this package re-exports).
_EXPORTS = {
    "capabilities": ("Capabilities",),
    "cgroup": (
        "FROZEN", "THAWED", "UNDEFINED", "Cgroup", "HugepageLimit", "IfPrioMap", "LinuxRdma",
        "Resources", "ThrottleDevice", "WeightDevice",
    ),
    "config": ("Config",),
    "device": (
        "BLOCK_DEVICE", "CHAR_DEVICE", "FIFO_DEVICE", "WILDCARD", "WILDCARD_DEVICE", "Device",
        "DeviceRule",
    ),
    "hooks": ("Command", "Hooks"),
    "idmap": ("IDMap",),
    "intelrdt": ("IntelRdt",),
    "iopriority": ("IOPriority",),
    "mount": ("EXT_COPYUP", "Mount", "MountAttr", "MountIDMapping"),
    "namespace": (
        "NAMESPACE_TYPES", "NEWCGROUP", "NEWIPC", "NEWNET", "NEWNS", "NEWPID", "NEWTIME",
        "NEWUSER", "NEWUTS", "Namespace", "Namespaces", "ns_name",
    ),
    "network": ("Network", "Route"),
    "personality": ("PER_LINUX", "PER_LINUX32", "LinuxPersonality", "Personality"),
    "rlimit": ("Rlimit",),
    "scheduler": ("Scheduler",),
    "seccomp": ("Action", "Arg", "Operator", "Seccomp", "Syscall"),
    "timeoffset": ("TimeOffset",),
}
#: public name -> the submodule that defines it.
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """A re-exported name, or one of the submodules above, imported on first access.

    The value is then cached in this module's namespace, so later accesses are plain
    attribute lookups (as with the eager imports this replaces).
    """
    module = _WHERE.get(name)
    if module is not None:
        value = getattr(_submodule(module), name)
        globals()[name] = value
        return value
    if name in _EXPORTS:  # ``configs.seccomp``: the submodule itself, as before
        return _submodule(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _submodule(module: str):
    # Not __import__'s fromlist: its hasattr() on this package would come back here.
    name = f"{__name__}.{module}"
    __import__(name)
    return _sys.modules[name]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE) | set(_EXPORTS))
