"""The cgroup v2 manager (runc's ``cgroups/fs2``): one directory on the unified hierarchy.

Ownership: a cgroup given in ``cgroup.paths[""]`` is joined, never configured or removed.
Otherwise ``destroy`` removes the container's own directory (as runc does, also from a
manager rebuilt from state.json) and the intermediate directories this object created.

Order of ``set`` follows runc (pids, memory, io, cpu, devices, cpuset, hugetlb, rdma,
freezer, unified), after the whole configuration was validated, so bad input writes nothing.
"""

from __future__ import annotations

import errno
import os
import time

from libcontainer.cgroups.fs import enter, rmdir_tree
from libcontainer.cgroups.manager import CgroupManager, FreezerState
from libcontainer.errors import ConfigError

from . import freezer as _freezer
from . import fscommon as fs
from . import paths as _paths

DRIVER = "fs2"
#: Files the owner of a delegated cgroup must be able to write (cgroup v2 delegation).
DELEGATE_FALLBACK = ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads")
#: signal.SIGKILL, without importing signal (and its enum) for every manager
SIGKILL = 9


def _enter(path: str, pid: int) -> None:
    enter(path, pid, fs.write)


def _limits() -> tuple:
    """The controllers whose limits ``set`` writes, in runc's order (devices and freezer are
    not controllers on v2: a BPF program and cgroup.freeze in every non-root cgroup).

    Imported on first use: `pyrunc delete`, `kill` and `state` never write or read a limit.
    """
    from . import cpu, cpuset, hugetlb, io, memory, pids, rdma

    return pids, memory, io, cpu, cpuset, hugetlb, rdma


def needed_controllers(r) -> dict[str, str]:
    """controller -> the first configuration field that needs it."""
    out: dict[str, str] = {}
    if r is None:
        return out
    from . import unified

    for module in (*_limits(), unified):
        for ctrl, field in module.wanted(r).items():
            out.setdefault(ctrl, field)
    return out


def validate(r) -> None:
    """Every check that can be made without the kernel; raises ConfigError naming the field."""
    from . import cpu, io, memory, unified

    memory.validate(r)
    cpu.validate(r)
    io.validate(r)
    unified.validate(r)
    if r.freezer not in ("", "FROZEN", "THAWED"):
        raise ConfigError("cgroups.resources.freezer", "invalid freezer state requested", r.freezer)
    from .devicefilter import compile_rules

    if not r.skip_devices:
        compile_rules(r.devices)


class Fs2Manager(CgroupManager):
    """A container's cgroup on the unified hierarchy."""

    driver = DRIVER

    def __init__(self, cgroup, paths: dict | None = None, *, mountinfo=None, proc_cgroup=None):
        self.cgroup = cgroup
        explicit = (getattr(cgroup, "paths", None) or {}).get("")
        self.joined = bool(explicit) and not paths
        if mountinfo is None or proc_cgroup is None:
            real_mountinfo, real_cgroup = _paths.read_system()
            mountinfo = real_mountinfo if mountinfo is None else mountinfo
            proc_cgroup = real_cgroup if proc_cgroup is None else proc_cgroup
        if paths and paths.get(""):
            self.mountpoint = _paths.unified_mount(mountinfo)[0]
            self.dir_path = paths[""]
        elif self.joined:
            self.mountpoint = _paths.unified_mount(mountinfo)[0]
            self.dir_path = explicit
        else:
            self.mountpoint, self.dir_path = _paths.resolve(cgroup, mountinfo, proc_cgroup)
        self._created: list[str] = []
        self._ready = False  # directories made and controllers enabled by this object

    # ------------------------------------------------------------------ paths

    def path(self, subsystem: str) -> str:
        return self.dir_path if subsystem in ("", None) else ""

    def get_paths(self) -> dict[str, str]:
        return {"": self.dir_path}

    def get_cgroups(self):
        return self.cgroup

    def exists(self) -> bool:
        return os.path.isdir(self.dir_path)

    def _resources(self):
        return getattr(self.cgroup, "resources", None)

    def controllers(self) -> set[str]:
        return _paths.available(self.dir_path)

    # ------------------------------------------------------------------ apply / destroy

    def apply(self, pid: int) -> None:
        """Create the cgroup (once) and write ``pid`` to cgroup.procs; a pid that
        ``prepare_clone`` already placed there is rewritten, which the kernel takes as a no-op."""
        self._create()
        if pid != -1:
            _enter(self.dir_path, pid)

    def prepare_clone(self) -> int | None:
        """The leaf's O_PATH fd, for an init created in it by CLONE_INTO_CGROUP (runc 1.2
        does the same for ``runc exec``, Go's ``UseCgroupFD``), so the init never runs outside
        its limits. The directory has to exist before a child can be born in it, so
        everything ``apply`` would create is created here, once."""
        self._create()
        try:
            return os.open(self.dir_path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None  # a joined cgroup that is gone: apply reports it

    def _create(self) -> None:
        if self.joined or (self._ready and os.path.isdir(self.dir_path)):
            return
        r = self._resources()
        if r is not None:
            validate(r)  # before the first mkdir: bad input creates nothing
        made = _paths.make(self.mountpoint, self.dir_path)
        self._created.extend(d for d in made if d not in self._created)
        try:
            _paths.enable_controllers(self.mountpoint, self.dir_path, needed_controllers(r))
            self._delegate()
        except BaseException:
            self._remove_created()
            raise
        self._ready = True

    def _delegate(self) -> None:
        """Hand the cgroup to ``owner_uid`` (rootless engines): the directory and the files
        the kernel lists as delegatable become theirs."""
        uid = getattr(self.cgroup, "owner_uid", None)
        if uid is None:
            return
        try:
            with open("/sys/kernel/cgroup/delegate") as f:
                names = f.read().split()
        except OSError:
            names = list(DELEGATE_FALLBACK)
        os.chown(self.dir_path, uid, -1)
        for name in names:
            try:
                os.chown(os.path.join(self.dir_path, name), uid, -1)
            except FileNotFoundError:
                pass

    def _remove_created(self) -> None:
        for d in reversed(self._created):
            try:
                os.rmdir(d)
            except OSError:
                pass
        self._created = []

    def destroy(self, kill: bool = False) -> None:
        """Remove the cgroup (with ``kill``: SIGKILL what is left in it first)."""
        if self.joined:
            return
        if kill and self.exists():
            self.kill_all(SIGKILL)
        leaf = self.dir_path
        rmdir_tree(leaf, time.monotonic() + 5)  # the container's own cgroup, always (runc)
        for d in reversed(self._created):
            if d == leaf:
                continue
            try:
                os.rmdir(d)  # an intermediate directory: only if nobody else uses it now
            except FileNotFoundError:
                pass
            except OSError as exc:
                if exc.errno not in (errno.EBUSY, errno.ENOTEMPTY):
                    raise
        self._created = []
        self._ready = False

    def native_removal(self) -> tuple[str, str, list[str]] | None:
        """Rebuilt from state.json (``pyrunc delete``), destroy() is rmdir_tree of the
        container's own cgroup (no intermediate directory is known then), and the freezer
        is THAWED when cgroup.freeze reads 0. Not for a cgroup joined by path."""
        if self.joined:
            return None
        return os.path.join(self.dir_path, "cgroup.freeze"), "0", [self.dir_path]

    # ------------------------------------------------------------------ processes

    def get_pids(self) -> list[int]:
        try:
            return [int(x) for x in fs.read(self.dir_path, "cgroup.procs").split()]
        except FileNotFoundError:
            return []

    def get_all_pids(self) -> list[int]:
        out: list[int] = []
        for root, _dirs, _files in os.walk(self.dir_path):
            try:
                out.extend(int(x) for x in fs.read(root, "cgroup.procs").split())
            except FileNotFoundError:
                continue
        return out

    def kill_all(self, signal: int) -> None:
        """SIGKILL through ``cgroup.kill`` (5.14+: atomic, forks cannot escape); anything
        else, or an older kernel, by freezing, signalling every task and thawing."""
        if not self.exists():
            return
        if signal == SIGKILL and fs.exists(self.dir_path, "cgroup.kill"):
            fs.write(self.dir_path, "cgroup.kill", "1")
            return
        super().kill_all(signal)

    # ------------------------------------------------------------------ freezer

    def freeze(self, state: FreezerState) -> None:
        _freezer.set_state(self.dir_path, state)
        r = self._resources()
        if r is not None:
            r.freezer = FreezerState(getattr(state, "value", state)).value

    def get_freezer_state(self) -> FreezerState:
        return _freezer.get_state(self.dir_path)

    # ------------------------------------------------------------------ limits

    def set(self, resources) -> None:
        if resources is None or self.joined:
            return
        validate(resources)
        _paths.enable_controllers(self.mountpoint, self.dir_path, needed_controllers(resources))
        from . import cpu, cpuset, devices, hugetlb, io, memory, pids, rdma, unified

        path = self.dir_path
        pids.set(path, resources)
        memory.set(path, resources)
        io.set(path, resources)
        cpu.set(path, resources)
        devices.set(path, resources)
        cpuset.set(path, resources)
        hugetlb.set(path, resources)
        rdma.set(path, resources)
        if resources.freezer:
            _freezer.set_state(path, resources.freezer)
        unified.set(path, resources, self.controllers())

    # ------------------------------------------------------------------ stats

    def get_stats(self):
        """runc's fs2 GetStats: every controller that has files here; missing ones are zero."""
        from libcontainer.cgroups.stats import Stats

        st = Stats()
        path = self.dir_path
        errors = []
        from . import psi

        for module in _limits():
            try:
                module.stats(path, st)
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                errors.append(f"{module.__name__.rsplit('.', 1)[1]}: {exc}")
        st.cpu_stats.psi = psi.read(path, "cpu.pressure")
        st.memory_stats.psi = psi.read(path, "memory.pressure")
        st.blkio_stats.psi = psi.read(path, "io.pressure")
        if errors and not getattr(self.cgroup, "rootless", False):
            raise OSError(errno.EIO, f"error while statting cgroup v2: {'; '.join(errors)}")
        return st

    def oom_kill_count(self) -> int:
        from . import memory

        return memory.oom_kill_count(self.dir_path)

    def notify_oom(self):
        from .oom import OomNotifier

        if not fs.exists(self.dir_path, "memory.events"):
            raise NotImplementedError(f"no memory.events in {self.dir_path}: the memory controller is not enabled")
        return OomNotifier(self.dir_path)
