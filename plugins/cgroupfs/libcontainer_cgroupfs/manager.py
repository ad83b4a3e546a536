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

from libcontainer.cgroups.fs import enter, rmdir_tree
from libcontainer.cgroups.manager import CgroupManager, FreezerState
from libcontainer.errors import ConfigError

from . import fscommon as fs
from . import subsystems as _subs  # the registry only: controller modules load on demand

DRIVER = "cgroupfs"


def _enter(path: str, pid: int) -> None:
    enter(path, pid, fs.write)


def _resolve(cgroup, explicit, mountinfo, proc_cgroup) -> dict[str, str]:
    """The directories of a new container (or of the cgroups it joins by path). A manager
    rebuilt from state.json (delete/kill/state) is given them: only this imports .paths."""
    from . import paths as _paths

    if explicit:
        if proc_cgroup is None:
            proc_cgroup = _paths.read_system()[1]
        own = _paths.parse_proc_cgroup(proc_cgroup)
        return {k: v for k, v in explicit.items() if k in own}
    if mountinfo is None or proc_cgroup is None:
        real_mountinfo, real_cgroup = _paths.read_system()
        mountinfo = real_mountinfo if mountinfo is None else mountinfo
        proc_cgroup = real_cgroup if proc_cgroup is None else proc_cgroup
    return _paths.resolve(cgroup, mountinfo, proc_cgroup)


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
        else:
            self.paths = _resolve(cgroup, explicit, mountinfo, proc_cgroup)
        self._created: list[str] = []  # directories this manager made, parents first
        self._found: set[str] = set()  # leaves that existed before apply: not ours to remove
        self._made: set[str] = set()  # leaves begin_apply's thread made or found: apply skips them
        self._pending = None  # (paths, the native thread making them) from begin_apply

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
        """(name, path) in runc's order, then any unknown hierarchy; imports no subsystem
        module (a ``delete``/``state`` needs none, ``apply`` only those with a prepare)."""
        for name in _subs.ORDER:
            if name in self.paths:
                yield name, self.paths[name]
        for name, path in self.paths.items():
            if name not in _subs.SPECS:
                yield name, path

    # ------------------------------------------------------------------ apply/destroy

    def _mkdirs(self, path: str) -> None:
        """mkdir -p, remembering what we made (destroy removes only that). The leaf is
        tried first: for a new container its parent usually exists, and the one mkdir
        replaces four stats of the walk up (x 9 hierarchies, on every create)."""
        missing = []
        p = path
        while True:
            try:
                os.mkdir(p, 0o755)
            except FileExistsError:
                if p == path and path not in self._created:  # there before this manager: not ours
                    self._found.add(path)
                break
            except FileNotFoundError:
                missing.append(p)
                parent = os.path.dirname(p)
                if parent == p:
                    raise
                p = parent
            else:
                self._created.append(p)
                break
        for d in reversed(missing):
            try:
                os.mkdir(d, 0o755)
            except FileExistsError:
                continue
            self._created.append(d)

    def begin_apply(self):
        """The directories made by a native thread (native/mkdirs.c) while the runtime
        compiles the init's plan; the runtime (before it clones), apply and destroy collect
        its outcome (_settle)."""
        if self.joined or self._pending is not None or self._created or self._found:
            return None
        paths = [path for _, path in self._ordered()]
        try:
            from libcontainer import _nsenter

            self._pending = (paths, _nsenter.mkdirs_begin(paths, 0o755))
        except (ImportError, AttributeError, OSError, ValueError):
            return None  # apply makes them itself
        return self._settle

    def _settle(self) -> None:
        """Take over what begin_apply's thread did, as _mkdirs would have recorded it; a
        path it could not make is left to _mkdirs, which tries again and raises."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        paths, thread = pending
        for path, (made, found, err) in zip(paths, thread.join(), strict=True):
            self._created.extend(made)
            if found and path not in self._created:
                self._found.add(path)
            if not err:
                self._made.add(path)

    def apply(self, pid: int) -> None:
        self._settle()
        resources = self._resources()
        if resources is not None and getattr(resources, "unified", None):
            raise ConfigError("cgroups.unified", "cannot use unified on cgroup v1")
        if self.joined:
            for path in self.paths.values():
                if pid != -1:
                    _enter(path, pid)
            return
        prepare = _subs.for_prepare(resources)  # cpuset; cpu with RT bandwidth
        for name, path in self._ordered():
            if path not in self._made:
                self._mkdirs(path)
            if name in prepare:
                _subs.get(name).prepare(path, resources)
            if pid != -1:
                _enter(path, pid)

    def join_files(self) -> list[str] | None:
        """Every hierarchy's ``tasks`` file: see CgroupManager.join_files."""
        return [os.path.join(path, "tasks") for path in self.paths.values()] or None

    def destroy(self) -> None:
        self._settle()
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

    def native_removal(self) -> tuple[str, str, list[str]] | None:
        """Rebuilt from state.json (``pyrunc delete``), destroy() removes every path with
        rmdir_tree, and get_freezer_state() is THAWED when freezer.state says so. Not for
        cgroups joined by path (never removed) nor without a freezer hierarchy."""
        paths = {k: v for k, v in self.paths.items() if k}  # as rebuilt: "" (unified) is not ours
        freezer = paths.get("freezer")
        if self.joined or not freezer:
            return None
        return os.path.join(freezer, "freezer.state"), "THAWED", list(dict.fromkeys(paths.values()))

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
        for name, path in self._ordered():
            sub = _subs.get(name)
            if sub is not None and os.path.isdir(path):
                sub.get_stats(path, stats)
        return stats

    def oom_kill_count(self) -> int:
        path = self.paths.get("memory")
        if not path:
            return 0
        from .memory import oom_kill_count

        return oom_kill_count(path)

    def notify_oom(self):
        from libcontainer.cgroups import notify

        return notify.notify_on_oom(self.paths.get("memory", ""))

    def notify_memory_pressure(self, level):
        from libcontainer.cgroups import notify

        return notify.notify_memory_pressure(self.paths.get("memory", ""), level)

    # ------------------------------------------------------------------ freezer

    def get_freezer_state(self) -> FreezerState:
        path = self.paths.get("freezer")
        if not path:
            return FreezerState.UNDEFINED
        from .freezer import get_state

        return get_state(path)

    def freeze(self, state: FreezerState) -> None:
        path = self.paths.get("freezer")
        if not path:
            raise OSError(errno.ENOENT, "cannot toggle freezer: cgroups not configured for container")
        from .freezer import set_state

        set_state(path, state)
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
        # Only the subsystems whose fields are set (and devices): any other one's set() would
        # write nothing and its wants() is false (tests/unit/test_cgroupfs_registry.py).
        for name in _subs.for_set(resources):
            sub = _subs.get(name)
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
