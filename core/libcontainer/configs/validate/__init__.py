"""Config validation, following runc's ``libcontainer/configs/validate`` plus the shape
checks runc leaves to the kernel (which would otherwise fail half-way through a create).

``validate(cfg)`` raises the first problem as ``ConfigError(field, message, value)``;
``errors(cfg)`` returns them all. Host-dependent answers come from a ``HostProbe``, which
tests replace.

The checks live in one module per area and are imported only when a config has the part
they look at: a check whose gate is false would yield nothing, so skipping it changes
neither the errors nor their order, and a config without cgroups, seccomp or a rootless
EUID does not pay for those modules (each costs a fresh ``pyrunc create`` ~0.3-0.5 ms).
"""

from __future__ import annotations

import sys as _sys  # built in, always loaded

from .host import HostProbe, NotANamespace

TYPE_CHECKING = False  # typing is not imported at run time: annotations stay strings
if TYPE_CHECKING:
    from libcontainer.errors import ConfigError

    from ..config import Config


def _has_cgroups(cfg) -> bool:
    return cfg.cgroups is not None  # cgroups.check returns at once without one


def _is_rootless(cfg) -> bool:
    return bool(cfg.rootless_euid)  # rootless.check returns at once unless set


def _has_seccomp(cfg) -> bool:
    return cfg.seccomp is not None  # seccomp.check returns at once without one


#: (module, check, gate or None): in runc's order where runc has the rule; each check
#: yields ConfigErrors. A gate that is false means the check would yield nothing.
PLAN: tuple = (
    ("cgroups", "check", _has_cgroups),
    ("core", "rootfs", None),
    ("core", "network", None),
    ("core", "uts", None),
    ("core", "security", None),
    ("core", "namespaces", None),
    ("core", "sysctl", None),
    ("core", "intel_rdt", None),
    ("rootless", "check", _is_rootless),
    ("core", "mounts", None),
    ("core", "devices", None),
    ("process", "scheduler", None),
    ("process", "io_priority", None),
    ("process", "rlimits", None),
    ("process", "misc", None),
    ("seccomp", "check", _has_seccomp),
    ("core", "hooks", None),
)


def _module(name: str):
    full = f"{__name__}.{name}"
    __import__(full)
    return _sys.modules[full]


def checks_for(cfg):
    """The checks that apply to ``cfg``, in order (importing only their modules)."""
    for module, name, gate in PLAN:
        if gate is None or gate(cfg):
            yield getattr(_module(module), name)


def __getattr__(name: str):
    """``CHECKS``: every check, in order (imports all the check modules)."""
    if name == "CHECKS":
        return tuple(getattr(_module(module), check) for module, check, _ in PLAN)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def errors(cfg: Config, host: HostProbe | None = None) -> list[ConfigError]:
    host = host or HostProbe()
    found: list[ConfigError] = []
    for check in checks_for(cfg):
        found.extend(check(cfg, host))
    return found


def validate(cfg: Config, host: HostProbe | None = None) -> None:
    host = host or HostProbe()
    for check in checks_for(cfg):
        for err in check(cfg, host):
            raise err


__all__ = ["CHECKS", "HostProbe", "NotANamespace", "errors", "validate"]
