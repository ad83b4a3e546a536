"""The cgroup v1 manager through the filesystem (runc's ``libcontainer/cgroups/fs``).

One directory per mounted hierarchy (see :mod:`.paths`); each controller's files are the
business of its subsystem module, this class only creates, joins, walks and removes
directories and dispatches to the subsystems in runc's order.

Ownership: a cgroup given explicitly in ``cgroup.paths`` is joined, never configured or
removed (runc's behaviour for joining another container's cgroups). Of the directories
``apply`` finds, only those it had to create are removed by the same manager; a manager
rebuilt from state.json removes the container's leaf directories, as runc does.
"""

from __future__ import annotations

import errno
import os
import time

from libcontainer.cgroups import notify
from libcontainer.cgroups.fs import rmdir_tree
from libcontainer.cgroups.manager import CgroupManager, FreezerState
from libcontainer.errors import ConfigError

from . import freezer as _freezer
from . import fscommon as fs
from . import memory as _memory
from . import paths as _paths

DRIVER = "cgroupfs"


def _subsystems():
    """(SUBSYSTEMS, BY_NAME) of :mod:`.subsystems`, imported on first need: a manager built
    for ``delete``/``kill``/``state`` never writes a controller's file, and the controller
    modules (the devices emulator and its dataclasses among them) cost every such call."""
    from .subsystems import BY_NAME, SUBSYSTEMS

    return SUBSYSTEMS, BY_NAME


def _enter(path: str, pid: int) -> None:
    """Write ``pid`` to cgroup.procs; EINVAL can be transient while a task is mid-exit/fork."""
    for attempt in range(5):
        try:
            fs.write(path, "cgroup.procs", pid)
            return
        except OSError as exc:
            if exc.errno != errno.EINVAL or attempt == 4:
                raise
            time.sleep(0.03)


def _read_pids(directory: str) -> list[int]:
    try:
        return [int(x) for x in fs.read(directory, "cgroup.procs").split()]
    except FileNotFoundError:
        return []


class FsManager(CgroupManager):
    """v1 cgroups for one container, one directory per mounted hierarchy."""

    driver = DRIVER

    def __init__(self, cgroup, paths: dict | None = None, *, mountinfo=None, proc_cgroup=None):
        self.cgroup = cgroup
        explicit = getattr(cgroup, "paths", None)
        #: Joining cgroups given by path: never configured, never removed (also when the
        #: manager is rebuilt from state.json, which carries both).
        self.joined = bool(explicit)
        if paths:
            self.paths = {k: v for k, v in paths.items() if k}  # "" (unified) is not ours
        elif self.joined:
            if proc_cgroup is None:
                proc_cgroup = _paths.read_system()[1]
            own = _paths.parse_proc_cgroup(proc_cgroup)
            self.paths = {k: v for k, v in explicit.items() if k in own}
        else:
            if mountinfo is None or proc_cgroup is None:
                real_mountinfo, real_cgroup = _paths.read_system()
                mountinfo = real_mountinfo if mountinfo is None else mountinfo
                proc_cgroup = real_cgroup if proc_cgroup is None else proc_cgroup
            self.paths = _paths.resolve(cgroup, mountinfo, proc_cgroup)
        self._created: list[str] = []  # directories this manager made, parents first
        self._found: set[str] = set()  # leaves that existed before apply: not ours to remove

    # ------------------------------------------------------------------ paths

    def path(self, subsystem: str) -> str:
        return self.paths.get(subsystem, "")

    def get_paths(self) -> dict[str, str]:
        return dict(self.paths)

    def get_cgroups(self):
        return self.cgroup

    def _primary(self) -> str:
        """The directory used for pids and existence (runc uses ``devices``)."""
        for name in ("devices", "pids", "freezer", "memory", "cpu", "name=systemd"):
            if name in self.paths:
                return self.paths[name]
        return next(iter(self.paths.values()), "")

    def exists(self) -> bool:
        primary = self._primary()
        return bool(primary) and os.path.isdir(primary)

    def _resources(self):
        return getattr(self.cgroup, "resources", None)

    def _ordered(self):
        """(subsystem or None, name, path) in runc's order, then any unknown hierarchy."""
        subsystems, by_name = _subsystems()
        for sub in subsystems:
            if sub.name in self.paths:
                yield sub, sub.name, self.paths[sub.name]
        for name, path in self.paths.items():
            if name not in by_name:
                yield None, name, path

    # ------------------------------------------------------------------ apply/destroy

    def _mkdirs(self, path: str) -> None:
        if os.path.isdir(path):
            if path not in self._created:  # there before this manager: not ours
                self._found.add(path)
            return
        missing = []
        p = path
        while not os.path.isdir(p):
            missing.append(p)
            p = os.path.dirname(p)
        for d in reversed(missing):
            try:
                os.mkdir(d, 0o755)
            except FileExistsError:
                continue
            self._created.append(d)

    def apply(self, pid: int) -> None:
        resources = self._resources()
        if resources is not None and getattr(resources, "unified", None):
            raise ConfigError("cgroups.unified", "cannot use unified on cgroup v1")
        if self.joined:
            for path in self.paths.values():
                if pid != -1:
                    _enter(path, pid)
            return
        for sub, _name, path in self._ordered():
            self._mkdirs(path)
            if sub is not None:
                sub.prepare(path, resources)
            if pid != -1:
                _enter(path, pid)

    def join_files(self) -> list[str] | None:
        """Every hierarchy's ``tasks`` file: see CgroupManager.join_files."""
        return [os.path.join(path, "tasks") for path in self.paths.values()] or None

    def destroy(self) -> None:
        if self.joined:
            return
        deadline = time.monotonic() + 5
        errors = []
        for path in self.paths.values():
            if path in self._found:
                continue
            try:
                rmdir_tree(path, deadline)
            except OSError as exc:
                errors.append(exc)
        leaves = set(self.paths.values())
        for d in reversed(self._created):
            if d in leaves:
                continue
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError as exc:
                if exc.errno not in (errno.EBUSY, errno.ENOTEMPTY):
                    errors.append(exc)
        self._created = []
        if errors:
            raise errors[0]

    # ------------------------------------------------------------------ pids, stats

    def get_pids(self) -> list[int]:
        return _read_pids(self._primary())

    def get_all_pids(self) -> list[int]:
        pids: list[int] = []
        for root, _dirs, _files in os.walk(self._primary()):
            pids.extend(_read_pids(root))
        return pids

    def get_stats(self):
        from libcontainer.cgroups.stats import Stats

        stats = Stats()
        for sub, _name, path in self._ordered():
            if sub is not None and os.path.isdir(path):
                sub.get_stats(path, stats)
        return stats

    def oom_kill_count(self) -> int:
        path = self.paths.get("memory")
        return _memory.oom_kill_count(path) if path else 0

    def notify_oom(self):
        return notify.notify_on_oom(self.paths.get("memory", ""))

    def notify_memory_pressure(self, level):
        return notify.notify_memory_pressure(self.paths.get("memory", ""), level)

    # ------------------------------------------------------------------ freezer

    def get_freezer_state(self) -> FreezerState:
        path = self.paths.get("freezer")
        if not path:
            return FreezerState.UNDEFINED
        return _freezer.get_state(path)

    def freeze(self, state: FreezerState) -> None:
        path = self.paths.get("freezer")
        if not path:
            raise OSError(errno.ENOENT, "cannot toggle freezer: cgroups not configured for container")
        _freezer.set_state(path, state)
        resources = self._resources()
        if resources is not None and hasattr(resources, "freezer"):
            resources.freezer = FreezerState(getattr(state, "value", state)).value

    # ------------------------------------------------------------------ limits

    def set(self, resources) -> None:
        if resources is None or self.joined:
            return  # joined cgroups belong to someone else: runc does not touch them
        if getattr(resources, "unified", None):
            raise ConfigError("cgroups.unified", "cannot use unified on cgroup v1")
        rootless = bool(getattr(self.cgroup, "rootless", False))
        for sub in _subsystems()[0]:
            path = self.paths.get(sub.name, "")
            if not path:
                if sub.wants(resources) and sub.name != "devices":
                    raise OSError(
                        errno.ENOENT,
                        f"cannot set {sub.name} limit: container could not join or create cgroup",
                    )
                continue
            try:
                sub.set(path, resources)
            except OSError:
                if rootless and sub.name == "devices":
                    continue  # rootless: device rules are not expected to work
                raise
