"""Config validation, following runc's ``libcontainer/configs/validate`` plus the shape
checks runc leaves to the kernel (which would otherwise fail half-way through a create).

``validate(cfg)`` raises the first problem as ``ConfigError(field, message, value)``;
``errors(cfg)`` returns them all. Host-dependent answers come from a ``HostProbe``, which
tests replace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from libcontainer.errors import ConfigError

from ..config import Config
from . import cgroups, core, process, rootless, seccomp
from .host import HostProbe, NotANamespace

Check = Callable[[Config, HostProbe], Iterator[ConfigError]]

#: In runc's order where runc has the rule; each yields ConfigErrors.
CHECKS: tuple[Check, ...] = (
    cgroups.check,
    core.rootfs,
    core.network,
    core.uts,
    core.security,
    core.namespaces,
    core.sysctl,
    core.intel_rdt,
    rootless.check,
    core.mounts,
    core.devices,
    process.scheduler,
    process.io_priority,
    process.rlimits,
    process.misc,
    seccomp.check,
    core.hooks,
)


def errors(cfg: Config, host: HostProbe | None = None) -> list[ConfigError]:
    host = host or HostProbe()
    found: list[ConfigError] = []
    for check in CHECKS:
        found.extend(check(cfg, host))
    return found


def validate(cfg: Config, host: HostProbe | None = None) -> None:
    host = host or HostProbe()
    for check in CHECKS:
        for err in check(cfg, host):
            raise err


__all__ = ["CHECKS", "HostProbe", "NotANamespace", "errors", "validate"]
