"""`update --l3-cache-schema / --mem-bw-schema`: the Intel RDT half of runc's update.

runc hands these to its intelrdt manager: a container created without ``intelRdt`` gets a
resctrl group made and joined by its init on the spot, both schemas are then replaced (an
empty flag clears its schema, as runc assigns both), and the new schemata are written with
the cgroup limits in one Set. Here the manager comes from the ``libcontainer.intelrdt``
backend through ``plugins.intelrdt_manager``; it is selected *before* anything changes, so
without a working backend the update fails naming it and even the cgroup limits given in
the same call stay as they were. The backend is asked first and the host's resctrl second,
so the error says what is actually missing; both keep runc's "is not enabled" wording,
which is what callers see from runc on a host without RDT.
"""

from __future__ import annotations

import copy
import os

from .common import CliError

RESCTRL_INFO = "/sys/fs/resctrl/info"
CAT_OFF = "Intel RDT/CAT: l3 cache schema is not enabled"
MBA_OFF = "Intel RDT/MBA: memory bandwidth schema is not enabled"


def _host_has(prefix: str) -> bool:
    try:
        return any(name.startswith(prefix) for name in os.listdir(RESCTRL_INFO))
    except OSError:
        return False


def prepare(container, new_config, l3_cache_schema: str, mem_bw_schema: str):
    """Put the schemas into ``new_config`` and return the RDT manager to set them with
    (``None`` when neither flag was given). Raises CliError before any change is made,
    except the resctrl group runc also creates for a container that had none."""
    if not (l3_cache_schema or mem_bw_schema):
        return None
    from libcontainer import plugins
    from libcontainer.configs.intelrdt import IntelRdt
    from libcontainer.errors import PluginError

    words = CAT_OFF if l3_cache_schema else MBA_OFF
    had = container.config.intel_rdt is not None
    rdt = copy.copy(container.config.intel_rdt) if had else IntelRdt()
    rdt.l3_cache_schema = l3_cache_schema
    rdt.mem_bw_schema = mem_bw_schema
    new_config.intel_rdt = rdt
    try:
        manager = plugins.intelrdt_manager(new_config, container.id, path=None)
    except PluginError as e:
        raise CliError(f"{words}: {e}") from None
    if l3_cache_schema and not _host_has("L3"):
        raise CliError(CAT_OFF)
    if mem_bw_schema and not _host_has("MB"):
        raise CliError(MBA_OFF)
    if not had:
        manager.apply(container.init_pid)
    return manager


def set_with(manager, container, old_config, new_config) -> None:
    """runc's Container.Set order: cgroups, then the schemata; the schemata failing puts
    the old cgroup limits and schemata back."""
    container.set(new_config)
    if manager is None:
        return
    try:
        manager.set(new_config)
    except BaseException:
        try:
            container.set(old_config)
            manager.set(old_config)
        except Exception:  # noqa: BLE001 - the schemata error is the one to report
            pass
        raise
