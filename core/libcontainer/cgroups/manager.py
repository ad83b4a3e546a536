"""The cgroup manager interface, modelled on runc's ``cgroups.Manager``.

Every cgroup backend plugin (cgroupfs for v1, fs2 for the unified hierarchy, systemd over
D-Bus) returns an object implementing this class from the ``libcontainer_cgroup_manager``
hook. The core only ever talks to cgroups through it, so a backend can be swapped by name
in the configuration without the container code knowing which one runs.
"""

from __future__ import annotations

import abc

from ..consts import StrConst


class FreezerState(StrConst):
    UNDEFINED = ""
    FROZEN = "FROZEN"
    THAWED = "THAWED"


class CgroupManager(abc.ABC):
    """One container's cgroup(s). Built from a ``configs.Cgroup`` by a backend plugin.

    ``paths`` (subsystem -> absolute path; ``""`` is the unified hierarchy) is what gets
    persisted in state.json, so that a manager rebuilt by another process (``pyrunc kill``
    after ``pyrunc create``) addresses exactly the same directories.
    """

    #: The backend's registered name (``cgroupfs``, ``fs2``, ``systemd``...).
    driver: str = ""

    @abc.abstractmethod
    def apply(self, pid: int) -> None:
        """Create the cgroup(s) if needed and move ``pid`` into them."""

    @abc.abstractmethod
    def get_pids(self) -> list[int]:
        """PIDs directly in the container's cgroup."""

    @abc.abstractmethod
    def get_all_pids(self) -> list[int]:
        """PIDs in the container's cgroup and all its descendants."""

    @abc.abstractmethod
    def get_stats(self):
        """A ``libcontainer.cgroups.stats.Stats`` snapshot."""

    @abc.abstractmethod
    def freeze(self, state: FreezerState) -> None:
        """Freeze or thaw every task; returns only once the kernel reports the new state."""

    @abc.abstractmethod
    def destroy(self) -> None:
        """Remove every cgroup directory this manager created (never one it did not)."""

    @abc.abstractmethod
    def path(self, subsystem: str) -> str:
        """Absolute path of the cgroup for ``subsystem`` (``""`` for the unified one)."""

    @abc.abstractmethod
    def set(self, resources) -> None:
        """Write the limits of a ``configs.Resources`` to the cgroup files."""

    @abc.abstractmethod
    def get_paths(self) -> dict[str, str]:
        """subsystem -> absolute path, as persisted in state.json."""

    @abc.abstractmethod
    def get_cgroups(self):
        """The ``configs.Cgroup`` this manager was built from."""

    @abc.abstractmethod
    def get_freezer_state(self) -> FreezerState:
        """The current freezer state."""

    @abc.abstractmethod
    def exists(self) -> bool:
        """Whether the container's cgroup still exists."""

    def begin_apply(self):
        """Start, in the background, what ``apply(-1)`` will do first: making the cgroup
        directories. Called by the runtime as it starts preparing an init, before it compiles
        the init's plan and clones it, so that the kernel's work of making them (~1 ms for
        the nine v1 hierarchies here) overlaps the runtime's own. Returns a callable that
        waits for that work, which the runtime calls before it clones: nothing of the
        backend's may run across a fork (the Python init changes its credentials through
        glibc, which waits for every thread it knows of, and a forked copy has none). ``apply``
        and ``destroy`` must wait for it too; its errors are ``apply``'s to raise, as if it
        had done the work. The default does nothing and returns None.
        """
        return None

    def prepare_clone(self) -> int | None:
        """A cgroup to create the init in directly (clone3's ``CLONE_INTO_CGROUP``), or None.

        Called before the init is cloned. A backend that can take a child this way creates
        its (leaf) cgroup now and returns an ``O_PATH | O_DIRECTORY | O_CLOEXEC`` fd of it,
        which the caller owns and closes; the init then never runs outside its cgroup, so
        no limit can be escaped in the window before ``apply``. ``apply(pid)`` is still
        called afterwards and must accept a ``pid`` that is already there (it is also the
        fallback when the kernel refuses the clone). The default, None, means "clone
        normally and move the child with ``apply``" (cgroup v1, systemd).
        """
        return None

    def join_files(self) -> list[str] | None:
        """Files through which a process moves *itself* into the cgroups, or None.

        Why: a cgroup v1 migration through ``cgroup.procs`` takes the kernel's global
        threadgroup lock, and its first taker after a quiet moment waits an RCU grace period
        (6-10 ms here, on every container start). A single-threaded process writing "0" to
        a v1 ``tasks`` file moves only itself and skips that lock (Linux 6.0, "cgroup:
        Optimize single thread migration"). The runtime opens these files (after
        ``apply(-1)`` created the directories) and the init, or a process joining with
        ``exec``, writes "0" to each descriptor before anything else; the opener's
        credentials are the ones checked, so a user-namespaced init may do it too.
        None (the default) means the parent moves the process with ``apply(pid)``.
        """
        return None

    def oom_kill_count(self) -> int:
        """How many processes the OOM killer has killed in this cgroup (0 if unknown)."""
        return 0

    def notify_oom(self):
        """A notifier that fires on every OOM event in the container's memory cgroup.

        Returns an object with ``fileno()``, ``wait(timeout) -> count`` (0 on timeout or
        once the cgroup is gone, ``closed`` then true), iteration and ``close()``; see
        ``libcontainer.cgroups.notify``. Backends without the facility raise NotImplementedError.
        """
        raise NotImplementedError(f"cgroup driver {self.driver!r} cannot notify on OOM")

    def notify_memory_pressure(self, level):
        """Like ``notify_oom``, for memory pressure at ``level`` (0-2 or low/medium/critical)."""
        raise NotImplementedError(f"cgroup driver {self.driver!r} cannot notify on memory pressure")

    def native_removal(self) -> tuple[str, str, list[str]] | None:
        """(a file, what it reads when the container is not paused, the directories) when
        ``destroy()`` of a manager rebuilt from state.json is exactly: remove each directory
        and the cgroups nested in it, children first, an EBUSY retried for up to 5 s
        (``cgroups.fs.rmdir_tree``). Then ``pyrunc delete`` may do it without an interpreter
        (native/front_delete.c), leaving a paused container to the Python CLI. None (the
        default): only ``destroy()`` will do."""
        return None

    def kill_all(self, signal: int) -> None:
        """Send ``signal`` to every process in the cgroup.

        Freeze, signal every task, thaw: nothing can fork its way out meanwhile. A backend
        with something atomic (v2's ``cgroup.kill``) overrides this for what it covers.
        """
        import os

        frozen = False
        try:
            self.freeze(FreezerState.FROZEN)
            frozen = True
        except (OSError, NotImplementedError):
            pass  # no freezer: signal what is there
        try:
            for pid in self.get_all_pids():
                try:
                    os.kill(pid, signal)
                except ProcessLookupError:
                    pass
        finally:
            if frozen:
                self.freeze(FreezerState.THAWED)
