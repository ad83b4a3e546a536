"""What is measured, one step at a time, interleaved across runtimes (A B C A B C ...).

Fairness: moving a task into a v1 cgroup costs the first mover after a quiet moment an RCU
grace period (6-10 ms here). In a tight A B C sequence that cost lands on whoever happens to
migrate first, so the same runtime measures differently depending on its neighbour. Every
timed command therefore starts after a fixed *settle pause* (``--settle``, default 50 ms,
excluded from the timing): each runtime is always "the first mover after a quiet moment"
and pays its own grace period, no more and no less.

A round is a list of steps; each step runs for every runtime before the next step starts,
so drift during a round affects every runtime's sample of a step alike.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

import pace
from runtimes import Cli, Library, RuntimeFailed

SLEEP_ARGS = ["/bin/sleep", "3600"]
TRUE_ARGS = ["/bin/true"]


def pss_kb(pid: int) -> int:
    """Proportional set size: shared pages split among their users (what a host really pays)."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise RuntimeError(f"no Pss in /proc/{pid}/smaps_rollup")


def _procs(cgroup_dir: str) -> list[int]:
    try:
        with open(os.path.join(cgroup_dir, "cgroup.procs")) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _pidns(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def kept_processes(cid_cgroup: str, init_pid: int) -> list[int]:
    """Processes a runtime leaves behind for a running container (a shim, a monitor...).

    Anything it leaves is either in our own cgroup (it was started by the runtime and never
    moved) or in the container's cgroup but outside the container's PID namespace.
    """
    root = "/sys/fs/cgroup/pids"  # the namespace root = the benchmark's own cgroup
    me = os.getpid()
    kept = [p for p in _procs(root) if p != me]
    cns = _pidns(init_pid)
    kept += [p for p in _procs(os.path.join(root, cid_cgroup)) if _pidns(p) not in (cns, None)]
    return kept


def _wait_gone(pid: int, timeout: float = 10.0) -> None:
    """An init that is not our child: poll until it has been reaped (or is a zombie)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return
        except OSError:
            return
        time.sleep(0.002)
    raise RuntimeFailed(f"container init {pid} still running after {timeout}s")


class Bench:
    def __init__(self, clis: list[Cli], library: Library | None, bundles, settle: float, python: str = "python3"):
        self.clis = clis
        self.python = python  # pyrunc's interpreter, for the pace gauge
        self.library = library
        self.bundles = bundles
        self.settle = settle
        self.samples: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.errors: dict[str, dict[str, str]] = defaultdict(dict)

    def _timed(self, rt: Cli, measure: str, *args: str, output: bool = False) -> str:
        time.sleep(self.settle)
        elapsed, out = rt.call(*args, output=output)
        self.samples[measure][rt.name].append(elapsed * 1000)
        return out

    def _each(self, measure: str, fn, runtimes) -> dict:
        """Run one step for every runtime in turn; a failure disables that runtime's measure."""
        out = {}
        for rt in runtimes:
            if measure in self.errors[rt.name]:
                continue
            try:
                out[rt.name] = fn(rt)
            except Exception as e:  # noqa: BLE001 - reported next to the table, not fatal
                self.errors[rt.name][measure] = str(e) or type(e).__name__
        return out

    # -- one round ------------------------------------------------------------------------

    def round(self) -> None:
        self._pace()
        self._each("run", self._run_true, self.clis + ([self.library] if self.library else []))
        if self.bundles.seccomp is not None:
            self._each("run_seccomp", lambda rt: self._run_true(rt, seccomp=True), self.clis)
        created = self._each("create", self._create_true, self.clis)
        live = [rt for rt in self.clis if rt.name in created]
        self._each("state", lambda rt: self._timed(rt, "state", "state", created[rt.name][0], output=True), live)
        self._each("list", lambda rt: self._timed(rt, "list", "list", output=True), live)
        for rt in live:
            cid, pid = created[rt.name]
            try:
                self.samples["pss_created"][rt.name].append(pss_kb(pid) / 1024)
            except (OSError, RuntimeError) as e:
                self.errors[rt.name]["pss_created"] = str(e)
        self._each("start", lambda rt: self._start(rt, *created[rt.name]), live)
        self._each("delete", lambda rt: self._delete(rt, created[rt.name][0]), live)
        for rt in live:  # whatever a failed step left behind
            if created[rt.name][0] in rt.live:
                rt.force_delete(created[rt.name][0])

        running = self._each("running", self._create_running, self.clis)
        live = [rt for rt in self.clis if rt.name in running]
        self._each("exec", lambda rt: self._timed(rt, "exec", "exec", running[rt.name][0], *TRUE_ARGS), live)
        self._each("ps", lambda rt: self._timed(rt, "ps", "ps", running[rt.name][0], output=True), live)
        self._each("delete_f", lambda rt: self._delete_f(rt, running[rt.name][0]), live)
        for rt in live:
            if running[rt.name][0] in rt.live:
                rt.force_delete(running[rt.name][0])
        if self.bundles.seccomp is not None:
            self._exec_seccomp()

    def _pace(self) -> None:
        """The machine's speed this round (pace.py), after the same settle pause."""
        time.sleep(self.settle)
        self.samples["pace_python"]["vm"].append(pace.interpreter(self.python))
        time.sleep(self.settle)
        self.samples["pace_fault"]["vm"].append(pace.fault())

    def _exec_seccomp(self) -> None:
        """`exec` into a container created with podman's additions (podman exec's case)."""
        running = self._each("running_seccomp", lambda rt: self._create_running(rt, seccomp=True), self.clis)
        live = [rt for rt in self.clis if rt.name in running]
        try:
            self._each("exec_seccomp", lambda rt: self._timed(rt, "exec_seccomp", "exec", running[rt.name][0],
                                                               *TRUE_ARGS), live)
        finally:
            for rt in live:
                rt.force_delete(running[rt.name][0])

    def _run_true(self, rt, seccomp: bool = False) -> None:
        cid, bundle, spec = self.bundles.make(rt.name, TRUE_ARGS, seccomp=seccomp)
        time.sleep(self.settle)
        if isinstance(rt, Library):
            self.samples["run"][rt.name].append(rt.lifecycle(cid, bundle, spec) * 1000)
            return
        rt.live.add(cid)
        try:
            self._timed_nosettle(rt, "run_seccomp" if seccomp else "run", "run", "--bundle", bundle, cid)
        finally:
            rt.live.discard(cid)
            if os.path.exists(os.path.join(rt.root, cid)):  # a failed run left its state
                rt.force_delete(cid)

    def _timed_nosettle(self, rt: Cli, measure: str, *args: str) -> None:
        elapsed, _ = rt.call(*args)
        self.samples[measure][rt.name].append(elapsed * 1000)

    def _create_true(self, rt: Cli) -> tuple[str, int]:
        cid, bundle, _ = self.bundles.make(rt.name, TRUE_ARGS)
        rt.live.add(cid)
        self._timed(rt, "create", "create", "--bundle", bundle, cid)
        return cid, rt.init_pid(cid)

    def _start(self, rt: Cli, cid: str, pid: int) -> None:
        self._timed(rt, "start", "start", cid)
        _wait_gone(pid)  # /bin/true exits; delete then sees a stopped container

    def _delete(self, rt: Cli, cid: str) -> None:
        self._timed(rt, "delete", "delete", cid)
        rt.live.discard(cid)

    def _create_running(self, rt: Cli, seccomp: bool = False) -> tuple[str, int]:
        cid, bundle, spec = self.bundles.make(rt.name, SLEEP_ARGS, seccomp=seccomp)
        rt.live.add(cid)
        rt.call("create", "--bundle", bundle, cid)
        pid = rt.init_pid(cid)
        rt.call("start", cid)
        if seccomp:
            return cid, pid
        kept = kept_processes(spec["linux"]["cgroupsPath"], pid)
        self.samples["pss_kept"][rt.name].append(sum(_safe_pss(p) for p in kept) / 1024)
        self.samples["kept_procs"][rt.name].append(len(kept))
        return cid, pid

    def _delete_f(self, rt: Cli, cid: str) -> None:
        self._timed(rt, "delete_f", "delete", "-f", cid)
        rt.live.discard(cid)

    # -- density --------------------------------------------------------------------------

    def density(self, n: int, reverse: bool = False) -> None:
        """N containers created and started (all running at once), then all force-deleted.

        One run takes seconds per runtime, and this VM's speed drifts over seconds: the
        caller repeats it with the order reversed every other time (A B C, C B A, ...) and
        the median counts, so that no runtime always runs in the same place of a drift.
        """
        def one(rt: Cli) -> None:
            made = [self.bundles.make(rt.name, SLEEP_ARGS)[:2] for _ in range(n)]
            time.sleep(self.settle)
            t0 = time.perf_counter()
            for cid, bundle in made:
                rt.live.add(cid)
                rt.call("create", "--bundle", bundle, cid)
                rt.call("start", cid)
            for cid, _ in made:
                rt.call("delete", "-f", cid)
                rt.live.discard(cid)
            self.samples["density"][rt.name].append((time.perf_counter() - t0) * 1000)

        try:
            self._each("density", one, self.clis[::-1] if reverse else self.clis)
        finally:
            for rt in self.clis:
                rt.cleanup()


def _safe_pss(pid: int) -> int:
    try:
        return pss_kb(pid)
    except (OSError, RuntimeError):
        return 0
