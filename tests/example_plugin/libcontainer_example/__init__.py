"""An example third-party libcontainer plugin: cgroup driver ``example``, network type ``example``.

It is THE EXAMPLE, not a backend: the cgroup manager creates no cgroup and limits nothing; it
only records every call, so tests (and plugin authors reading this) can see exactly what the
runtime asks of a driver. Records go to the in-memory list :data:`CALLS` and, if the
environment variable ``LIBCONTAINER_EXAMPLE_LOG`` names a file, are appended to it as JSON
lines (useful when the runtime runs in another process).
"""

from __future__ import annotations

import json
import os

from libcontainer.cgroups.manager import CgroupManager, FreezerState
from libcontainer.hookspecs import hookimpl

NAME = "example"
ENV_LOG = "LIBCONTAINER_EXAMPLE_LOG"

#: Every recorded call, as (what, args) tuples.
CALLS: list[tuple[str, list]] = []


def record(what: str, *args) -> None:
    CALLS.append((what, list(args)))
    path = os.environ.get(ENV_LOG)
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"call": what, "args": [repr(a) for a in args]}) + "\n")


class ExampleManager(CgroupManager):
    """A no-op, in-memory cgroup manager that records calls (see the module docstring)."""

    driver = NAME

    def __init__(self, cgroup, paths=None):
        self.cgroup = cgroup
        name = getattr(cgroup, "name", None) or "example"
        self.paths = dict(paths) if paths else {"": f"/example/{name}"}
        self.pids: list[int] = []
        self.state = FreezerState.THAWED
        self.limits = None
        self.alive = False
        record("new", name, self.paths)

    def apply(self, pid):
        record("apply", pid)
        self.alive = True
        self.pids.append(pid)

    def get_pids(self):
        return list(self.pids)

    def get_all_pids(self):
        return list(self.pids)

    def get_stats(self):
        record("get_stats")
        return {}

    def freeze(self, state):
        record("freeze", FreezerState(state).value)
        self.state = FreezerState(state)

    def destroy(self):
        record("destroy")
        self.alive = False

    def path(self, subsystem):
        return self.paths.get(subsystem, "")

    def set(self, resources):
        record("set", resources)
        self.limits = resources

    def get_paths(self):
        return dict(self.paths)

    def get_cgroups(self):
        return self.cgroup

    def get_freezer_state(self):
        return self.state

    def exists(self):
        return self.alive


class ExampleNetwork:
    """A network strategy that only records what it is asked to do."""

    def create(self, network, nspid):
        record("network.create", getattr(network, "name", None), nspid)

    def initialize(self, network):
        record("network.initialize", getattr(network, "name", None))

    def detach(self, network):
        record("network.detach", getattr(network, "name", None))


@hookimpl
def libcontainer_cgroup_manager(driver, cgroup, paths):
    # Answer only for our own name: the hook is firstresult and other drivers may be loaded.
    if driver != NAME:
        return None
    return ExampleManager(cgroup, paths)


@hookimpl
def libcontainer_network_strategy(network_type):
    return ExampleNetwork() if network_type == NAME else None


@hookimpl
def libcontainer_features():
    return {"annotations": {"org.example.libcontainer-plugin": "example"}}
