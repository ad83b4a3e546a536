"""libcontainer plugin: the ``fs2`` cgroup driver (cgroup v2, the unified hierarchy).

Registered as ``fs2`` in the ``libcontainer.cgroups`` entry-point namespace; the manager is
imported only when this driver is selected, so listing plugins costs nothing.
"""

from libcontainer.hookspecs import hookimpl

DRIVER = "fs2"


@hookimpl
def libcontainer_cgroup_manager(driver, cgroup, paths):
    if driver != DRIVER:
        return None
    from .manager import Fs2Manager

    return Fs2Manager(cgroup, paths)


@hookimpl
def libcontainer_features():
    return {"linux": {"cgroup": {"v2": True}}}
