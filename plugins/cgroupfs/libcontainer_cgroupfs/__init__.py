"""libcontainer plugin: the ``cgroupfs`` cgroup driver (cgroup v1 through the filesystem).

Registered as ``cgroupfs`` in the ``libcontainer.cgroups`` entry-point namespace; the manager
is imported only when this driver is selected.
"""

from libcontainer.hookspecs import hookimpl

DRIVER = "cgroupfs"


@hookimpl
def libcontainer_cgroup_manager(driver, cgroup, paths):
    if driver != DRIVER:
        return None
    from .manager import FsManager

    return FsManager(cgroup, paths)


@hookimpl
def libcontainer_features():
    return {"linux": {"cgroup": {"v1": True}}}
