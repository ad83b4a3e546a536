"""The cgroup v1 manager through the filesystem (runc's ``libcontainer/cgroups/fs``).

What is real: path resolution, ``apply`` in every mounted hierarchy (cpuset.cpus/mems copied
down from the parent first, since a cpuset cgroup with empty sets refuses tasks), pids,
freeze/thaw (waiting for the kernel to report FROZEN), ``destroy`` (only what it created, with
retries while tasks drain), and ``set`` for pids, memory (+swap ordering, reservation,
swappiness, OOM killer), cpu shares/CFS quota and period, cpuset, devices (written as a plain
v1 list: default then exceptions) and freezer.

What is not: any other resource raises :class:`NotBuiltError` naming the field, so a limit is
never silently dropped; ``get_stats`` raises it too.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import time

from libcontainer.cgroups.manager import CgroupManager, FreezerState
from libcontainer.errors import ConfigError, NotBuiltError

from . import paths as _paths

DRIVER = "cgroupfs"

#: Resource fields ``set`` writes.
HANDLED = {
    "pids_limit", "memory", "memory_swap", "memory_reservation", "memory_swappiness",
    "oom_kill_disable", "cpu_shares", "cpu_quota", "cpu_period", "cpuset_cpus",
    "cpuset_mems", "devices", "freezer",
}
#: Fields that only modify how others are applied (or are for other drivers' bookkeeping).
MODIFIERS = {"skip_devices", "skip_freeze_on_set", "memory_check_before_update"}


def _write(directory: str, name: str, value) -> None:
    path = os.path.join(directory, name)
    try:
        with open(path, "w") as f:
            f.write(str(value))
    except OSError as exc:
        raise OSError(exc.errno, f"failed to write {value!r}: {exc.strerror}", path) from None


def _read(directory: str, name: str) -> str:
    with open(os.path.join(directory, name)) as f:
        return f.read().strip()


def _read_pids(directory: str) -> list[int]:
    try:
        return [int(x) for x in _read(directory, "cgroup.procs").split()]
    except FileNotFoundError:
        return []


def _resource_items(resources):
    if resources is None:
        return []
    if dataclasses.is_dataclass(resources):
        return [(f.name, getattr(resources, f.name)) for f in dataclasses.fields(resources)]
    return list(vars(resources).items())


def _is_set(value) -> bool:
    return value not in (None, 0, "", False) and value != [] and value != {}


class FsManager(CgroupManager):
    """v1 cgroups for one container, one directory per mounted hierarchy."""

    driver = DRIVER

    def __init__(self, cgroup, paths: dict | None = None, *, mountinfo=None, proc_cgroup=None):
        self.cgroup = cgroup
        if paths:
            self.paths = {k: v for k, v in paths.items() if k}  # "" (unified) is not ours
        else:
            if mountinfo is None or proc_cgroup is None:
                real_mountinfo, real_cgroup = _paths.read_system()
                mountinfo = real_mountinfo if mountinfo is None else mountinfo
                proc_cgroup = real_cgroup if proc_cgroup is None else proc_cgroup
            self.paths = _paths.resolve(cgroup, mountinfo, proc_cgroup)
        self._created: list[str] = []  # directories this manager made, parents first

    # ------------------------------------------------------------------ paths

    def path(self, subsystem: str) -> str:
        return self.paths.get(subsystem, "")

    def get_paths(self) -> dict[str, str]:
        return dict(self.paths)

    def get_cgroups(self):
        return self.cgroup

    def _primary(self) -> str:
        """The directory used for pids/existence (runc uses ``devices``)."""
        for name in ("devices", "pids", "freezer", "memory", "cpu", "name=systemd"):
            if name in self.paths:
                return self.paths[name]
        return next(iter(self.paths.values()), "")

    def exists(self) -> bool:
        primary = self._primary()
        return bool(primary) and os.path.isdir(primary)

    # ------------------------------------------------------------------ apply/destroy

    def _mkdirs(self, path: str, subsystem: str) -> None:
        missing = []
        p = path
        while not os.path.isdir(p):
            missing.append(p)
            p = os.path.dirname(p)
        for d in reversed(missing):
            try:
                os.mkdir(d)
            except FileExistsError:
                continue
            self._created.append(d)
            if subsystem == "cpuset":
                parent = os.path.dirname(d)
                for name in ("cpuset.cpus", "cpuset.mems"):
                    if not _read(d, name):
                        _write(d, name, _read(parent, name))

    def apply(self, pid: int) -> None:
        for subsystem, path in self.paths.items():
            self._mkdirs(path, subsystem)
            if pid != -1:
                _write(path, "cgroup.procs", pid)

    def _rmdir_tree(self, path: str, deadline: float) -> None:
        """Remove ``path`` and the cgroups nested in it, retrying while tasks drain."""
        try:
            entries = list(os.scandir(path))
        except FileNotFoundError:
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                self._rmdir_tree(entry.path, deadline)
        delay = 0.01
        while True:
            try:
                os.rmdir(path)
                return
            except FileNotFoundError:
                return
            except OSError as exc:
                if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def destroy(self) -> None:
        """Remove the container's cgroups and the parents this manager created.

        The leaf directories in ``paths`` are the container's own (runc removes them too,
        also from a process that only rebuilt the manager from state.json); a parent is
        removed only if this manager object made it, and only while it is empty.
        """
        deadline = time.monotonic() + 5
        errors = []
        for path in self.paths.values():
            try:
                self._rmdir_tree(path, deadline)
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

    # ------------------------------------------------------------------ pids

    def get_pids(self) -> list[int]:
        return _read_pids(self._primary())

    def get_all_pids(self) -> list[int]:
        pids: list[int] = []
        for root, _dirs, _files in os.walk(self._primary()):
            pids.extend(_read_pids(root))
        return pids

    def get_stats(self):
        raise NotBuiltError("cgroup driver 'cgroupfs': get_stats is not implemented yet")

    # ------------------------------------------------------------------ freezer

    def get_freezer_state(self) -> FreezerState:
        path = self.paths.get("freezer")
        if not path:
            return FreezerState.UNDEFINED
        try:
            state = _read(path, "freezer.state")
        except FileNotFoundError:
            return FreezerState.UNDEFINED
        # FREEZING means "not (yet) frozen": reporting it as frozen would lie to `pause`.
        return FreezerState.FROZEN if state == "FROZEN" else FreezerState.THAWED

    def freeze(self, state: FreezerState) -> None:
        path = self.paths.get("freezer")
        if not path:
            raise ConfigError("cgroups.freezer", "the freezer cgroup hierarchy is not mounted")
        target = FreezerState(state)
        if target is FreezerState.UNDEFINED:
            return
        deadline = time.monotonic() + 10
        attempt = 0
        while True:
            if attempt % 50 == 0:  # rewrite now and then: a new task may have arrived
                _write(path, "freezer.state", target.value)
            if _read(path, "freezer.state") == target.value:
                return
            if time.monotonic() > deadline:
                if target is FreezerState.FROZEN:
                    _write(path, "freezer.state", FreezerState.THAWED.value)
                raise TimeoutError(f"unable to set freezer state of {path} to {target.value}")
            attempt += 1
            time.sleep(0.001)

    # ------------------------------------------------------------------ limits

    def _need(self, subsystem: str, field: str) -> str:
        path = self.paths.get(subsystem)
        if not path:
            raise ConfigError(
                f"cgroups.resources.{field}", f"the {subsystem} cgroup hierarchy is not mounted"
            )
        return path

    def set(self, resources) -> None:
        if resources is None:
            return
        items = dict(_resource_items(resources))
        if _is_set(items.get("unified")):
            raise ConfigError(
                "cgroups.resources.unified", "cgroup v1 does not support unified resources"
            )
        for field, value in items.items():
            if field in HANDLED or field in MODIFIERS or field == "unified":
                continue
            if _is_set(value):
                raise NotBuiltError(
                    f"cgroup driver 'cgroupfs': resources.{field} is not implemented yet"
                )
        get = items.get
        if _is_set(get("cpuset_cpus")):
            _write(self._need("cpuset", "cpuset_cpus"), "cpuset.cpus", get("cpuset_cpus"))
        if _is_set(get("cpuset_mems")):
            _write(self._need("cpuset", "cpuset_mems"), "cpuset.mems", get("cpuset_mems"))
        if _is_set(get("devices")) and not get("skip_devices"):
            self._set_devices(self._need("devices", "devices"), get("devices"))
        self._set_memory(items)
        self._set_cpu(items)
        pids_limit = get("pids_limit")
        if _is_set(pids_limit):
            limit = "max" if int(pids_limit) < 0 else int(pids_limit)
            _write(self._need("pids", "pids_limit"), "pids.max", limit)
        freezer = get("freezer")
        if _is_set(freezer) and FreezerState(getattr(freezer, "value", freezer)).value:
            self.freeze(FreezerState(getattr(freezer, "value", freezer)))

    def _set_memory(self, items: dict) -> None:
        memory, swap = int(items.get("memory") or 0), int(items.get("memory_swap") or 0)
        if memory == -1 and swap == 0:
            swap = -1  # runc: unlimited memory means unlimited swap unless told otherwise
        path = None
        if memory or swap:
            path = self._need("memory", "memory")
            swap_first = False
            if memory and swap:
                current = int(_read(path, "memory.limit_in_bytes"))
                swap_first = swap == -1 or current < swap
            if swap_first:
                _write(path, "memory.memsw.limit_in_bytes", swap)
                _write(path, "memory.limit_in_bytes", memory)
            else:
                if memory:
                    _write(path, "memory.limit_in_bytes", memory)
                if swap:
                    _write(path, "memory.memsw.limit_in_bytes", swap)
        if _is_set(items.get("memory_reservation")):
            path = self._need("memory", "memory_reservation")
            _write(path, "memory.soft_limit_in_bytes", int(items["memory_reservation"]))
        swappiness = items.get("memory_swappiness")
        if swappiness is not None and int(swappiness) >= 0:
            if not 0 <= int(swappiness) <= 100:
                raise ConfigError("cgroups.resources.memory_swappiness",
                                  "must be between 0 and 100", swappiness)
            path = self._need("memory", "memory_swappiness")
            _write(path, "memory.swappiness", int(swappiness))
        if items.get("oom_kill_disable"):
            _write(self._need("memory", "oom_kill_disable"), "memory.oom_control", 1)

    def _set_cpu(self, items: dict) -> None:
        shares = int(items.get("cpu_shares") or 0)
        period = int(items.get("cpu_period") or 0)
        quota = int(items.get("cpu_quota") or 0)
        if not (shares or period or quota):
            return
        path = self._need("cpu", "cpu_shares" if shares else "cpu_quota")
        if shares:
            _write(path, "cpu.shares", shares)
            got = int(_read(path, "cpu.shares"))
            if got != shares:  # the kernel clamps silently; runc reports it
                bound = "maximum" if shares > got else "minimum"
                raise ConfigError("cgroups.resources.cpu_shares",
                                  f"the {bound} allowed cpu-shares is {got}", shares)
        retry_period = False
        if period:
            try:
                _write(path, "cpu.cfs_period_us", period)
            except OSError as exc:
                # The new period may clash with the old quota (EINVAL): set it after the quota.
                if exc.errno != errno.EINVAL or not quota:
                    raise
                retry_period = True
        if quota:
            _write(path, "cpu.cfs_quota_us", quota)
            if retry_period:
                _write(path, "cpu.cfs_period_us", period)

    @staticmethod
    def _device_rule(rule) -> tuple[bool, str]:
        kind = getattr(rule, "type", "a")
        kind = chr(kind) if isinstance(kind, int) else str(kind)
        allow = bool(getattr(rule, "allow", False))
        if kind == "a":
            return allow, "a"
        major = getattr(rule, "major", -1)
        minor = getattr(rule, "minor", -1)
        major = "*" if major is None or int(major) < 0 else int(major)
        minor = "*" if minor is None or int(minor) < 0 else int(minor)
        return allow, f"{kind} {major}:{minor} {getattr(rule, 'permissions', '') or 'rwm'}"

    def _set_devices(self, path: str, rules) -> None:
        """Write the default (the last ``a`` rule, else deny) then every later exception.

        Unlike runc's emulator this does not diff against the current state, so an update
        of a running container briefly passes through deny-all.
        """
        rules = [self._device_rule(r) for r in rules]
        start = 0
        default_allow = False
        for i, (allow, text) in enumerate(rules):
            if text == "a":
                start, default_allow = i + 1, allow
        _write(path, "devices.allow" if default_allow else "devices.deny", "a")
        for allow, text in rules[start:]:
            _write(path, "devices.allow" if allow else "devices.deny", text)
