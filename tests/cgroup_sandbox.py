"""A private cgroup v1 subtree for tests, below this process's own cgroup in every hierarchy.

Tests must never touch the host's cgroups: everything they create lives in
``<own cgroup>/<sandbox name>`` of each mounted v1 hierarchy (``relative`` paths resolve
there), or, for absolute-path tests, in ``<deepest own cgroup>/<sandbox name>`` — an absolute
path that is below the process's own cgroup in *every* hierarchy, which exists only when the
own cgroups are nested along one line (here: ``/`` everywhere but memory).

``cleanup`` kills whatever still runs in the sandbox (thawing first, a frozen task cannot
die), removes every cgroup below it bottom-up and then the directories the sandbox made,
and reports what it had to clean, so a test that leaks a cgroup can be failed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import signal
import time
import uuid

from libcontainer_cgroupfs import paths as _paths


def hierarchies() -> dict[str, tuple[str, str]]:
    """subsystem -> (mountpoint, own cgroup path relative to the mount's root)."""
    mountinfo, proc_cgroup = _paths.read_system()
    mounts = _paths.parse_mountinfo(mountinfo)
    own = _paths.parse_proc_cgroup(proc_cgroup)
    out = {}
    for name, (mountpoint, root) in mounts.items():
        mine = own.get(name, "/")
        if root != "/" and (mine == root or mine.startswith(root.rstrip("/") + "/")):
            mine = "/" + posixpath.relpath(mine, root)  # the mount shows only a subtree
        out[name] = (mountpoint, posixpath.normpath(mine))
    return out


def _kill_tasks(directory: str) -> int:
    killed = 0
    for root, _dirs, _files in os.walk(directory):
        state = os.path.join(root, "freezer.state")
        if os.path.exists(state):
            try:
                with open(state, "w") as f:
                    f.write("THAWED")
            except OSError:
                pass
        try:
            with open(os.path.join(root, "cgroup.procs")) as f:
                pids = [int(p) for p in f.read().split()]
        except OSError:
            continue
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    return killed


def _rmtree(directory: str, deadline: float) -> int:
    removed = 0
    try:
        entries = [e.path for e in os.scandir(directory) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return 0
    for sub in entries:
        removed += _rmtree(sub, deadline)
    while True:
        try:
            os.rmdir(directory)
            return removed + 1
        except FileNotFoundError:
            return removed
        except OSError as exc:
            if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
            _kill_tasks(directory)
            time.sleep(0.02)


class CgroupSandbox:
    def __init__(self, prefix: str = "lc-sbx"):
        self.name = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.hierarchies = hierarchies()
        self._made: list[str] = []  # directories made by the sandbox itself, parents first
        #: Sandbox roots: subsystem -> absolute directory (relative flavour).
        self.roots: dict[str, str] = {}
        for sub, (mountpoint, own) in self.hierarchies.items():
            self.roots[sub] = self._ensure(posixpath.join(mountpoint, own.lstrip("/"), self.name))
        self.abs_base = self._absolute_base()
        #: Absolute-flavour roots, made on the first ``absolute()`` call only.
        self.abs_roots: dict[str, str] = {}

    def _absolute_base(self) -> str | None:
        owns = {own for _mp, own in self.hierarchies.values()}
        deepest = max(owns, key=len)
        if not all(deepest == o or o == "/" or deepest.startswith(o.rstrip("/") + "/") for o in owns):
            return None  # own cgroups diverge: no absolute path is below all of them
        return posixpath.join(deepest, self.name + "-abs")

    def _ensure(self, directory: str) -> str:
        missing = []
        p = directory
        while not os.path.isdir(p):
            missing.append(p)
            p = os.path.dirname(p)
        for d in reversed(missing):
            try:
                os.mkdir(d)
                self._made.append(d)
            except FileExistsError:
                pass
        return directory

    # ---- paths for configs -------------------------------------------------------------
    def relative(self, *parts: str) -> str:
        """A relative cgroup path (``Cgroup(path=...)``) inside the sandbox."""
        return posixpath.join(self.name, *parts)

    def absolute(self, *parts: str) -> str | None:
        """An absolute cgroup path inside the sandbox, or None if none can be below all."""
        if not self.abs_base:
            return None
        if not self.abs_roots:
            for sub, (mountpoint, _own) in self.hierarchies.items():
                self.abs_roots[sub] = self._ensure(posixpath.join(mountpoint, self.abs_base.lstrip("/")))
        return posixpath.join(self.abs_base, *parts)

    def dir(self, subsystem: str, *parts: str) -> str:
        """Absolute directory of a relative sandbox path in one hierarchy."""
        return posixpath.join(self.roots[subsystem], *parts)

    def leftovers(self) -> list[str]:
        """Cgroups still below the sandbox roots (a test that leaks one can be failed)."""
        left = []
        for root in {*self.roots.values(), *self.abs_roots.values()}:
            for dirpath, dirs, _files in os.walk(root):
                left.extend(os.path.join(dirpath, d) for d in dirs)
        return sorted(left)

    def cleanup(self) -> None:
        deadline = time.monotonic() + 10
        roots = {*self.roots.values(), *self.abs_roots.values()}
        for root in roots:
            _kill_tasks(root)
        for d in reversed(self._made):
            try:
                if d in roots:
                    _rmtree(d, deadline)  # ours entirely
                else:
                    os.rmdir(d)  # an intermediate directory: only if nobody else uses it
            except FileNotFoundError:
                pass
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EBUSY):
                    raise
        self._made = []


def v1_available() -> str | None:
    """None if the sandbox can work here, else the reason it cannot."""
    if os.geteuid() != 0:
        return "needs root"
    try:
        found = set(hierarchies())
    except OSError as exc:
        return f"cannot read the cgroup mounts: {exc}"
    missing = {"cpuset", "memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio"} - found
    return f"cgroup v1 hierarchies not mounted: {sorted(missing)}" if missing else None


# ---- containers inside the sandbox ----------------------------------------------------------

NEW_NAMESPACES = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")


def default_device_rules():
    """runc's default: deny everything, then the always-allowed devices (specconv's list)."""
    from libcontainer.configs import DeviceRule
    from libcontainer.specconv.devices import default_devices

    return [DeviceRule(type="a", major=-1, minor=-1, permissions="rwm", allow=False)] + [
        d.rule() for d in default_devices()
    ]


def container_config(rootfs: str, cgroups, **kw):
    """A busybox container config with /proc, in new namespaces, on the cgroupfs driver."""
    from libcontainer.configs import Config, Mount, Namespace

    cfg = Config(
        rootfs=rootfs,
        hostname="cgfs",
        namespaces=[Namespace(t) for t in NEW_NAMESPACES],
        mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)],
        **kw,
    )
    cfg.cgroups = cgroups
    cfg.cgroup_driver = "cgroupfs"
    return cfg


def make_node(rootfs: str, name: str, major: int, minor: int, block: bool = False) -> None:
    """A device node in the container's /dev, made from outside (the busybox /dev is empty)."""
    import stat

    path = os.path.join(rootfs, "dev", name)
    os.mknod(path, (stat.S_IFBLK if block else stat.S_IFCHR) | 0o666, os.makedev(major, minor))


def proc_cgroups(pid: int) -> dict[str, str]:
    """The process's cgroup in each v1 hierarchy, from outside."""
    with open(f"/proc/{pid}/cgroup") as f:
        return _paths.parse_proc_cgroup(f.read())


def task_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    return data[data.rindex(b")") + 2:].split()[0].decode()


@contextlib.contextmanager
def v1_sandbox(prefix: str):
    """A CgroupSandbox for a test (skipped where v1 is missing); fails on leftover cgroups."""
    reason = v1_available()
    if reason:
        import pytest

        pytest.skip(reason)
    sb = CgroupSandbox(prefix)
    try:
        yield sb
        left = sb.leftovers()
        assert not left, f"cgroups leaked: {left}"
    finally:
        sb.cleanup()


@contextlib.contextmanager
def running(state_root, cid, cfg, args, out_path):
    """Start a container running ``args``; always kill, reap and destroy it afterwards."""
    from libcontainer import Factory, Process

    out = open(out_path, "w+")
    container = Factory(state_root).create(cid, cfg)
    proc = Process(args=args, stdout=out, stderr=out)
    try:
        container.start(proc)
        container.exec()
        yield container, proc
    finally:
        try:
            os.kill(container.init_pid, 9)
        except (ProcessLookupError, TypeError):
            pass
        if container.init_pid:
            proc.wait()
        container.destroy()
        out.close()


def read(directory, name):
    with open(os.path.join(directory, name)) as f:
        return f.read().strip()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
