"""A private world for a real engine: its own cgroup subtree, mount and cgroup namespaces, /run.

Engines use absolute cgroup paths (podman's cgroupfs manager ``/libpod_parent/...``,
containerd ``/default/<id>``) and write under /run (the runtime's default state root, shim
sockets, /run/libpod). On this host those would be the roots of the host's hierarchies and
the host's /run. So:

- a fresh cgroup ``NAME`` is made below this process's own cgroup in every mounted
  hierarchy (never anywhere else);
- a *holder* process moves itself there, unshares a private mount namespace and a cgroup
  namespace (whose root is then ``NAME``), remounts every hierarchy on a fresh tmpfs at
  /sys/fs/cgroup (so ``/`` of each is ``NAME``), mounts a tmpfs on /run and sleeps;
- every engine command runs through :meth:`Sandbox.run`/:meth:`Sandbox.popen`: it joins
  ``NAME`` first, then the holder's mount and cgroup namespaces (nsenter), so daemons,
  shims, conmon and containers all live inside;
- :meth:`Sandbox.close` thaws and SIGKILLs everything in ``NAME`` (by pid, repeatedly, until
  it is empty), kills the holder (its mount namespace, with every mount the engines made,
  dies with the last process in it) and removes ``NAME`` depth-first.

Nothing is shared with the host but /tmp, where each test keeps private directories.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time

#: What the holder runs: remount the hierarchies so that NAME is their root, private /run.
_HOLDER = r"""
set -eu
if mountpoint -q /sys/fs/cgroup; then umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup; fi
mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup /sys/fs/cgroup
printf '%s\n' "$SB_MOUNTS" | while read -r kind mp opts; do
  [ -n "$kind" ] || continue
  o=nosuid,nodev,noexec; [ "$opts" = - ] || o="$o,$opts"
  mkdir -p "$mp"; mount -t "$kind" -o "$o" "$kind" "$mp"
done
printf '%s\n' "$SB_LINKS" | while read -r l t; do if [ -n "$l" ]; then ln -s "$t" "/sys/fs/cgroup/$l"; fi; done
mount -t tmpfs -o mode=755 engine-sandbox /run
echo ready
exec sleep 100000
"""


def _own_cgroups() -> dict[str, str]:
    out = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if hid == "0":
                out["cgroup2"] = path
            for c in ctrls.split(",") if ctrls else ():
                out[c] = path
    return out


def hierarchies() -> list[tuple[str, str, str, str]]:
    """(kind, mountpoint, options, own cgroup dir) of each hierarchy under /sys/fs/cgroup."""
    own = _own_cgroups()
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fstype, _src, opts = right.split()[:3]
            root, mp = left.split()[3:5]
            if fstype not in ("cgroup", "cgroup2") or not mp.startswith("/sys/fs/cgroup/"):
                continue
            opts = ",".join(o for o in opts.split(",") if o not in ("rw", "ro"))
            if fstype == "cgroup2":
                path = own.get("cgroup2")
            else:
                path = next((own[k] for k in opts.split(",") if k in own), None)
            if path is None:
                continue
            if root != "/":
                if path == root:
                    path = "/"
                elif path.startswith(root.rstrip("/") + "/"):
                    path = path[len(root.rstrip("/")):]
                else:
                    continue
            out.append((fstype, mp, opts or "-", (mp + path).rstrip("/")))
    return out


class Sandbox:
    def __init__(self, name: str):
        self.name = name
        self.table = hierarchies()
        if not self.table:
            raise RuntimeError("no cgroup hierarchy mounted under /sys/fs/cgroup")
        self.dirs = [os.path.join(own, name) for _k, _mp, _o, own in self.table]
        self.holder: subprocess.Popen | None = None

    # ---- setup ------------------------------------------------------------------------------
    def open(self) -> Sandbox:
        for (kind, _mp, _opts, own), d in zip(self.table, self.dirs, strict=True):
            os.makedirs(d, exist_ok=True)
            if kind == "cgroup" and os.path.exists(os.path.join(d, "cpuset.cpus")):
                for f in ("cpuset.cpus", "cpuset.mems"):
                    with open(os.path.join(d, f)) as cur:
                        if cur.read().strip():
                            continue
                    with open(os.path.join(own, f)) as src, open(os.path.join(d, f), "w") as dst:
                        dst.write(src.read())
        mounts = "\n".join(f"{k} {mp} {o}" for k, mp, o, _ in self.table)
        links = "\n".join(f"{e.name} {os.readlink(e.path)}" for e in os.scandir("/sys/fs/cgroup") if e.is_symlink())
        env = dict(os.environ, SB_MOUNTS=mounts, SB_LINKS=links)
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--cgroup", "--", "sh", "-c", _HOLDER],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            preexec_fn=self._join_self, text=True)
        line = self.holder.stdout.readline()
        if line.strip() != "ready":
            self.holder.kill()
            self.holder.wait()
            err = self.holder.stderr.read()
            raise RuntimeError(f"engine sandbox did not come up: {line!r} {err}")
        return self

    def _join_self(self) -> None:
        """In a child, before exec: move this process into NAME in every hierarchy."""
        me = str(os.getpid())
        for d in self.dirs:
            with open(os.path.join(d, "cgroup.procs"), "w") as f:
                f.write(me)

    # ---- commands ---------------------------------------------------------------------------
    def argv(self, cmd: list[str]) -> list[str]:
        return ["nsenter", "-t", str(self.holder.pid), "-m", "-C", "--", *cmd]

    def run(self, cmd: list[str], *, timeout: float = 60, check: int | None = None, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        res = subprocess.run(self.argv(cmd), preexec_fn=self._join_self, timeout=timeout, **kw)
        if check is not None:
            assert res.returncode == check, (cmd, res.returncode, res.stdout, res.stderr)
        return res

    def popen(self, cmd: list[str], **kw) -> subprocess.Popen:
        return subprocess.Popen(self.argv(cmd), preexec_fn=self._join_self, **kw)

    def host_path(self, hierarchy: str, path: str) -> str | None:
        """Where the sandbox's ``/sys/fs/cgroup/<hierarchy><path>`` is on the host."""
        for (_k, mp, opts, _own), d in zip(self.table, self.dirs, strict=True):
            if os.path.basename(mp) == hierarchy or hierarchy in opts.split(","):
                return d + path
        return None

    # ---- teardown ---------------------------------------------------------------------------
    def procs(self) -> set[int]:
        pids = set()
        for d in self.dirs:
            for dirpath, _dirs, _files in os.walk(d):
                try:
                    with open(os.path.join(dirpath, "cgroup.procs")) as f:
                        pids.update(int(p) for p in f.read().split())
                except OSError:
                    continue
        return pids

    def _thaw(self) -> None:
        for d in self.dirs:
            for dirpath, _dirs, _files in os.walk(d):
                state = os.path.join(dirpath, "freezer.state")
                if os.path.exists(state):
                    try:
                        with open(state, "w") as f:
                            f.write("THAWED")
                    except OSError:
                        pass

    def close(self) -> list[str]:
        """Kill everything, remove NAME; returns what could not be cleaned (empty: all gone)."""
        problems = []
        deadline = time.monotonic() + 20
        while True:
            self._thaw()
            pids = self.procs()
            if self.holder is not None and self.holder.poll() is None:
                pids.add(self.holder.pid)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if self.holder is not None:
                try:
                    self.holder.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    pass
            if time.monotonic() > deadline:
                problems.append(f"processes left in {self.name}: {sorted(pids)}")
                break
            time.sleep(0.05)
        if self.holder is not None:
            for stream in (self.holder.stdout, self.holder.stderr):
                if stream:
                    stream.close()
        for d in self.dirs:
            problems += _rmtree(d, time.monotonic() + 10)
        return problems


def _rmtree(directory: str, deadline: float) -> list[str]:
    try:
        subs = [e.path for e in os.scandir(directory) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return []
    problems = []
    for sub in subs:
        problems += _rmtree(sub, deadline)
    while True:
        try:
            os.rmdir(directory)
            return problems
        except FileNotFoundError:
            return problems
        except OSError as e:
            if e.errno != errno.EBUSY or time.monotonic() > deadline:
                return problems + [f"rmdir {directory}: {e.strerror}"]
            time.sleep(0.05)


def mounts_under(prefix: str) -> list[str]:
    """Mount points in *our* namespace at or below ``prefix`` (an engine leaked them)."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4]
            if mp == prefix or mp.startswith(prefix.rstrip("/") + "/"):
                out.append(mp)
    return out
