"""Container: the lifecycle state machine (created, running, paused, stopped).

A Container is a view of one state directory. Every operation re-reads the kernel's
truth (is the init alive, is it still the same process, is the cgroup frozen) instead of
trusting a cached status, because another process (another CLI call) may have acted on it.
"""

from __future__ import annotations

import os
import time

from . import state as st
from .consts import StrConst
from .errors import (
    ContainerError,
    ContainerNotPaused,
    ContainerNotRunning,
    ContainerPaused,
    ContainerRunning,
)

EXEC_FIFO = "exec.fifo"
SIGKILL, SIGTERM = 9, 15  # the same on every Linux architecture; `signal` imports enum


class Status(StrConst):
    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class Container:
    def __init__(self, container_id: str, state_dir: str, config, *, cgroup_manager=None, saved: dict | None = None):
        self.id = container_id
        self.state_dir = state_dir
        self.config = config
        self.cgroup_manager = cgroup_manager
        self._saved = saved or {}
        self.init_process = None
        #: set by the CLI's create, so that the init's start leaves exec.native for the front
        #: (native_exec.py): a callable that returns the Process a plain `exec` runs,
        #: config.json's path and the bytes it was made from (or None), called while the
        #: init builds its rootfs -- or, with plain_exec_later, by write_deferred_facts()
        self.plain_exec = None
        self.plain_exec_later = False
        self._exec_facts_for = None
        self._state_facts_later = False

    # ---- introspection ---------------------------------------------------------------
    @property
    def init_pid(self) -> int | None:
        return self._saved.get("init_process_pid") or None

    def init_alive(self) -> bool:
        """Whether the recorded init still runs (not a zombie, nor a recycled PID): the
        first thing status() asks, without the freezer's answer."""
        pid = self.init_pid
        if not pid:
            return False
        state, start = st.process_state_and_start(pid)
        if start is None or start != str(self._saved.get("init_process_start")):
            return False  # gone, or the PID was recycled by an unrelated process
        return state not in ("Z", "X")

    def status(self) -> Status:
        if not self.init_alive():
            return Status.STOPPED
        if os.path.exists(os.path.join(self.state_dir, EXEC_FIFO)):
            return Status.CREATED
        if self.cgroup_manager is not None:
            try:
                # FreezerState.FROZEN is this string (a StrConst): no import of cgroups.manager
                if self.cgroup_manager.get_freezer_state() == "FROZEN":
                    return Status.PAUSED
            except (OSError, NotImplementedError):
                pass
        return Status.RUNNING

    def state(self) -> dict:
        """runc's libcontainer State, as saved in state.json."""
        return dict(self._saved)

    # ---- lifecycle -------------------------------------------------------------------
    def run(self, process) -> None:
        """Create the init and let it exec at once (runc's Container.Run).

        Without hooks nothing happens between create and start, so there is no created
        state to hold: the init execs the program as soon as it is ready, with no exec FIFO
        and no finisher in between (runc's start, done by the init itself). Not with a
        terminal: its owner sizes it and goes raw while the init waits, as runc's does.
        """
        process.init = True
        if not process.terminal and (self.config.hooks is None or self.config.hooks.is_empty()):
            self._start_init(process, exec_now=True)
            return
        self.start(process)
        self.exec()

    def start(self, process) -> None:
        """Start the init; it waits on the exec FIFO until exec() (or `pyrunc start`)."""
        if not process.init and self._saved.get("init_process_pid"):
            self._start_exec(process)
            return
        self._start_init(process, exec_now=False)

    def _start_init(self, process, exec_now: bool) -> None:
        if self.init_pid and self.init_alive():
            raise ContainerRunning(self.id)
        from .init_process import start_init

        seccomp_filter = None
        if self.config.seccomp is not None:  # compiled (or found) before anything exists: refused, it leaves nothing
            from .seccomp.compiled import for_container

            seccomp_filter = for_container(self.config.seccomp, self._seccomp_cache())
        process.init = True
        fifo = None
        if not exec_now:
            fifo = os.path.join(self.state_dir, EXEC_FIFO)
            os.mkfifo(fifo, 0o622)
            os.chmod(fifo, 0o622)  # not the umask's: an init that dropped root must open it to write
        networks = self._network_strategies()
        before = dict(self._saved)
        recorded = False
        started: dict[int, str | None] = {}
        exec_facts: list[bytes | None] = []

        def while_waiting() -> None:  # the init builds its rootfs: our bookkeeping meanwhile
            self._dump_config()
            # the start time is the clone's, so read it now: once the init is ready it may be
            # exec'ing, and a read of /proc/PID/stat waits for an execve to finish (~1.5 ms)
            started[process.pid] = st.process_start_time(process.pid)
            if self.plain_exec is not None and started[process.pid]:
                inputs = (seccomp_filter, process.pid, started[process.pid])
                if self.plain_exec_later:
                    self._exec_facts_for = inputs
                else:
                    exec_facts.append(self._exec_facts(*inputs))

        def record(pid: int) -> None:  # the init is ready; without a FIFO it is exec'ing now
            nonlocal recorded
            recorded = True
            self._saved.update(
                id=self.id,
                init_process_pid=pid,
                init_process_start=started[pid] if pid in started else st.process_start_time(pid),
                created=time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime()),
                cgroup_paths=self.cgroup_manager.get_paths() if self.cgroup_manager else {},
                namespace_paths={},
            )
            if getattr(seccomp_filter, "key", None):  # `exec` loads the same program (see _start_exec)
                self._saved["seccomp_program"] = seccomp_filter.key
            self._save(dumped=True)  # dumped while the init built its rootfs
            start_time = self._saved["init_process_start"]
            plain = start_time and (self.config.hooks is None or self.config.hooks.is_empty())
            if plain and fifo is not None:
                st.write_native_facts(self.state_dir, st.NATIVE_START_FILE, f"{pid} {start_time}\n")
            facts = self._native_delete_facts(pid, start_time) if plain else None
            if facts:
                st.write_native_facts(self.state_dir, st.NATIVE_DELETE_FILE, facts)
            if exec_facts and exec_facts[0] and pid == process.pid:
                st.write_native_facts(self.state_dir, st.NATIVE_EXEC_FILE, exec_facts[0])
            if plain and self.plain_exec_later:
                self._state_facts_later = True
            elif plain:
                self._write_state_facts()

        try:
            start_init(self.config, process, fifo, cgroup_manager=self.cgroup_manager, networks=networks,
                       container_id=self.id, while_waiting=while_waiting, when_ready=record,
                       seccomp_filter=seccomp_filter)
        except BaseException:
            if fifo is not None:
                os.unlink(fifo)
            if recorded:
                self._saved = before  # recorded, then the execve failed: no state of a start
                st.remove_native_facts(self.state_dir, st.NATIVE_START_FILE, st.NATIVE_DELETE_FILE, st.NATIVE_EXEC_FILE,
                                       st.NATIVE_STATE_FILE)
                try:
                    os.unlink(os.path.join(self.state_dir, st.STATE_FILE))
                except FileNotFoundError:
                    pass
            self._cleanup_resources()
            raise
        self.init_process = process

    def exec(self) -> None:
        """Release an init waiting in the created state (runc's `start`)."""
        fifo = os.path.join(self.state_dir, EXEC_FIFO)
        if not os.path.exists(fifo):
            status = self.status()
            if status == Status.STOPPED:
                raise ContainerNotRunning(self.id)
            raise ContainerError(f"cannot start a container in the {status} state")
        pidfd = _pidfd(self.init_pid)  # held before the check: then that process cannot be replaced
        try:
            if pidfd < 0 or not self.init_alive():
                raise ContainerError("cannot start a container that has stopped")
            # not blocking: an init that dies before its end is open is seen on the pidfd,
            # where a blocking open would wait for a writer forever (runc polls for it)
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                data, hook_failure = _read_exec_fifo(fd, pidfd)  # to end-of-file: the init exec'd
            finally:
                os.close(fd)
        finally:
            if pidfd >= 0:
                os.close(pidfd)
        if data:
            os.unlink(fifo)
            st.remove_native_facts(self.state_dir, st.NATIVE_START_FILE)
        elif not self.init_alive():
            raise ContainerError("cannot start a container that has stopped")
        else:
            raise ContainerError("cannot start an already running container")
        # libcontainer.hooks (logging, subprocess, the configs) only when hooks are at play:
        # a fresh `pyrunc start` of a container without hooks need not import it (~70 ms)
        if not hook_failure and (self.config.hooks is None or self.config.hooks.is_empty()):
            return
        from . import hooks

        if hook_failure:  # a startContainer hook failed and the init exited
            self._reap_init()
            raise hooks.HookError(hook_failure)
        try:
            hooks.poststart(self.config, self.id, self.init_pid)
        except hooks.HookError:
            os.kill(self.init_pid, SIGKILL)  # runc stops the container
            self._reap_init()
            raise

    def _start_exec(self, process) -> None:
        """runc's setns process: an additional process in the running container.

        A paused container is no error here, as in runc's libcontainer: the process joins
        the frozen cgroup and runs once the container is resumed (`exec --ignore-paused`);
        refusing is the caller's choice (the CLI's, without that flag).
        """
        if not self.init_alive():
            raise ContainerNotRunning(self.id)
        from .exec_process import PartialConfig, start_exec

        seccomp_filter = None
        if getattr(self.config, "seccomp", None) is not None:
            # the program the init loaded, recorded by create: a config read from state.json
            # alone (cli/saved.py's ExecConfig) holds the profile as a dict, which would have
            # to be converted to be compiled or looked up -- that takes the whole Config
            from .seccomp.compiled import for_container

            partial = getattr(self.config, "partial", False)
            seccomp_filter = for_container(self.config.seccomp, self._seccomp_cache(),
                                           self._saved.get("seccomp_program"), stored_only=partial)
            if seccomp_filter is None:
                raise PartialConfig()
        start_exec(self.config, process, self.init_pid, cgroup_manager=self.cgroup_manager, container_id=self.id,
                   seccomp_filter=seccomp_filter)

    def processes(self) -> list[int]:
        """PIDs of every process in the container (from its cgroup), as runc's Processes()."""
        if self.cgroup_manager is not None:
            try:
                return sorted(self.cgroup_manager.get_all_pids())
            except FileNotFoundError:
                return []
        return self._pid_namespace_members()

    def _pid_namespace_members(self) -> list[int]:
        """Without a cgroup, the container's processes are those in the init's PID namespace."""
        pid = self.init_pid
        if not pid or not self.init_alive():
            return []
        try:
            target = os.readlink(f"/proc/{pid}/ns/pid")
        except OSError:
            return []
        found = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.readlink(f"/proc/{name}/ns/pid") == target:
                        found.append(int(name))
                except OSError:
                    continue
        return sorted(found)

    def pause(self) -> None:
        from .cgroups.manager import FreezerState

        status = self.status()
        if status == Status.STOPPED:
            raise ContainerNotRunning(self.id)
        if status == Status.PAUSED:
            raise ContainerPaused(self.id)
        self._require_cgroups("pause").freeze(FreezerState.FROZEN)

    def resume(self) -> None:
        from .cgroups.manager import FreezerState

        if self.status() != Status.PAUSED:
            raise ContainerNotPaused(self.id)
        self._require_cgroups("resume").freeze(FreezerState.THAWED)

    def set(self, config) -> None:
        """Update the container's resources (runc's Set); the config is saved when it works."""
        if self.status() == Status.STOPPED:
            raise ContainerNotRunning(self.id)
        manager = self._require_cgroups("set")
        resources = config.cgroups.resources if config.cgroups is not None else None
        try:
            manager.set(resources)
        except BaseException:
            # put the previous limits back, as runc does when an update fails half-way
            if self.config.cgroups is not None and self.config.cgroups.resources is not None:
                try:
                    manager.set(self.config.cgroups.resources)
                except Exception:  # noqa: BLE001 - the original error is the one to report
                    pass
            raise
        self.config = config
        self._save()

    def stats(self):
        """A cgroup statistics snapshot (libcontainer.cgroups.stats.Stats) plus interfaces."""
        return self._require_cgroups("stats").get_stats()

    def notify_oom(self):
        """A notifier that fires on each OOM kill in the container's cgroup.

        The object has fileno() (for a selector), wait(timeout) -> number of events (0 once
        the cgroup is gone, then .closed is true), iteration and close().
        """
        return self._require_cgroups("notify_oom").notify_oom()

    def notify_memory_pressure(self, level):
        """Like notify_oom, for memory pressure: level 0-2 or "low"/"medium"/"critical"."""
        return self._require_cgroups("notify_memory_pressure").notify_memory_pressure(level)

    def _require_cgroups(self, op: str):
        if self.cgroup_manager is None:
            raise ContainerError(f"{op}: container {self.id} has no cgroup configured")
        return self.cgroup_manager

    def signal(self, sig: int = SIGTERM, all: bool = False) -> None:  # noqa: A002 - runc's name
        status = self.status()
        if status == Status.STOPPED:
            raise ContainerNotRunning(self.id)
        if all and self.cgroup_manager is not None:
            self.cgroup_manager.kill_all(sig)
            return
        os.kill(self.init_pid, sig)

    def destroy(self) -> None:
        """Remove everything the container holds. A running container must be stopped first."""
        status = self.status()
        if status in (Status.RUNNING, Status.PAUSED):
            raise ContainerRunning(self.id)
        if status == Status.CREATED:
            os.kill(self.init_pid, SIGKILL)
            self._reap_init()
        elif self.init_process is not None and not self.init_process._reaped:
            self.init_process.wait()
        self._cleanup_resources()
        _remove_state_dir(self.state_dir)
        self._saved = {}
        if self.config.hooks is not None and not self.config.hooks.is_empty():
            from . import hooks

            hooks.poststop(self.config, self.id)  # last, as in runc; a failure is only logged

    def write_deferred_facts(self) -> None:
        """exec.native and state.native for a start that left them for later
        (plain_exec_later): the CLI's foreground `run` writes them once its container has
        outlived a first moment. One that exits at once is never exec'd into nor asked
        for its state by the front, and computing the facts (~1 ms) would only delay run's
        exit. Nothing once the container is gone."""
        inputs, self._exec_facts_for = self._exec_facts_for, None
        data = self._exec_facts(*inputs) if inputs is not None else None
        state_facts, self._state_facts_later = self._state_facts_later, False
        if not data and not state_facts:
            return
        with st.locked(self.state_dir):
            if os.path.exists(os.path.join(self.state_dir, st.STATE_FILE)) and self.init_alive():
                if data:
                    st.write_native_facts(self.state_dir, st.NATIVE_EXEC_FILE, data)
                if state_facts:
                    self._write_state_facts()

    # ---- internals -------------------------------------------------------------------
    def _exec_facts(self, seccomp_filter, pid: int, start_time: str) -> bytes | None:
        """exec.native's bytes, or None. Never an error: without them, `exec` is Python's."""
        try:
            plain = self.plain_exec()
            if plain is None:
                return None
            from . import native_exec

            return native_exec.facts(self.config, plain, self.cgroup_manager, seccomp_filter, pid, start_time)
        except Exception:  # noqa: BLE001 - a backend's native_removal, a config the template trips on
            return None

    def _write_state_facts(self) -> None:
        """state.native (native_state.py) from the state.json just written. Never an error:
        without it, `state` is Python's."""
        try:
            from . import native_state

            text = native_state.facts(self.state_dir, self.id, self._saved)
        except Exception:  # noqa: BLE001 - the Python CLI's `state` answers instead
            return
        if text:
            st.write_native_facts(self.state_dir, st.NATIVE_STATE_FILE, text)

    def _native_delete_facts(self, pid: int, start_time: str) -> str | None:
        """delete.native for native/front_delete.c ("PID STARTTIME", "FILE<tab>VALUE", a
        cgroup directory a line), or None when deleting this container takes more than
        killing its init and removing its cgroups and state: the cgroup backend must say its
        removal is the front's (CgroupManager.native_removal), and the container must have a
        PID namespace of its own, so that the init's death ends every process in it. The
        caller checked there are no hooks."""
        removal = self.cgroup_manager.native_removal() if self.cgroup_manager is not None else None
        if removal is None or not any(n.type == "NEWPID" and not n.path for n in self.config.namespaces or ()):
            return None
        freeze_file, unpaused, dirs = removal
        paths = [freeze_file, *dirs]
        if not dirs or not unpaused or not all(p.startswith("/") for p in paths) or any(
                "\n" in f or "\t" in f for f in [unpaused, *paths]):
            return None  # not a form the front parses: the Python CLI deletes it
        return f"{pid} {start_time}\n{freeze_file}\t{unpaused}\n" + "".join(f"{d}\n" for d in dirs)

    def _reap_init(self) -> None:
        if self.init_process is not None:
            self.init_process.wait()
            return
        for _ in range(1000):
            if not self.init_alive():
                return
            time.sleep(0.001)

    def _seccomp_cache(self) -> str | None:
        """Compiled seccomp filters live in the state root, beside the containers' state
        (seccomp/compiled.py); None for a config without a profile."""
        if getattr(self.config, "seccomp", None) is None:
            return None
        from .seccomp.compiled import DIR_NAME

        return os.path.join(os.path.dirname(self.state_dir), DIR_NAME)

    def _network_strategies(self):
        if not self.config.networks:
            return []
        from . import plugins

        return [(plugins.network_strategy(n.type), n) for n in self.config.networks]

    def _cleanup_resources(self) -> None:
        if self.cgroup_manager is not None:
            self.cgroup_manager.destroy()

    def _dump_config(self) -> None:
        from .configs.load import config_to_dict

        self._saved["config"] = config_to_dict(self.config)

    def _save(self, dumped: bool = False) -> None:
        """Write state.json; ``dumped``: _saved["config"] is already this config's dump."""
        if not dumped or "config" not in self._saved:
            self._dump_config()
        st.write_state(self.state_dir, self._saved)


def _pidfd(pid) -> int:
    try:
        return os.pidfd_open(pid) if pid else -1
    except OSError:  # gone already
        return -1


def _read_exec_fifo(fd: int, pidfd: int) -> tuple[bytes, str]:
    """Read the exec FIFO (opened O_NONBLOCK) to end-of-file, as runc's ``start`` does.

    The init writes one byte when released; anything after it is the text of a failed
    startContainer hook. End-of-file comes when the init exec'd (close-on-exec) or died.
    A FIFO opened without a writer reports no end-of-file until one came and went, so an
    init that dies before opening its end shows only on its pidfd: nothing read, then.
    """
    import select

    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.register(pidfd, select.POLLIN)
    chunks = []
    while True:
        ready = dict(poller.poll())
        if fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                break
            chunks.append(chunk)
        elif ready:  # only the pidfd: the init exited
            break
    data = b"".join(chunks)
    return data[:1], data[1:].decode(errors="replace")


def _remove_state_dir(state_dir: str) -> None:
    """The state directory holds a few plain files (state.json, the lock, maybe the FIFO):
    unlink them and rmdir, without shutil (a `delete` need not import it); anything else
    (a directory someone put there) goes through shutil.rmtree."""
    try:
        with os.scandir(state_dir) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    raise IsADirectoryError(e.path)
                os.unlink(e.path)
        os.rmdir(state_dir)
    except FileNotFoundError:
        pass
    except OSError:
        import shutil

        shutil.rmtree(state_dir, ignore_errors=True)
