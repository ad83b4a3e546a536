"""What every v1 subsystem offers the manager (runc's ``fs.subsystem`` interface).

A subsystem knows the files of one controller: what must be written before the first task
joins (``prepare``), how a ``configs.Resources`` maps to its files (``set``) and which
counters it adds to a ``Stats`` (``get_stats``). The manager does the directories and the
joining, so a subsystem never creates or removes a cgroup.
"""

from __future__ import annotations


def res(resources, name: str, default=None):
    """A resource field, tolerating objects that lack it (older configs, partial updates)."""
    if resources is None:
        return default
    return getattr(resources, name, default)


class Subsystem:
    #: The controller's name as /proc/self/cgroup spells it.
    name = ""

    def prepare(self, path: str, resources) -> None:
        """Called after the directory exists and before any task joins it."""

    def set(self, path: str, resources) -> None:
        """Write the limits this controller owns; a zero/None field is left alone."""

    def wants(self, resources) -> bool:
        """Whether ``resources`` asks this controller for anything (to refuse unmounted ones)."""
        return False

    def get_stats(self, path: str, stats) -> None:
        """Add this controller's counters to ``stats``."""


class NamedGroup(Subsystem):
    """A hierarchy joined for bookkeeping only (perf_event, misc, name=systemd)."""

    def __init__(self, name: str):
        self.name = name
