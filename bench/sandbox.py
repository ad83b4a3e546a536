"""The benchmark's own cgroup and private mount namespace, shared by every runtime it times.

Why a sandbox: crun 1.8 refuses a hybrid host ("cgroups in hybrid mode not supported, drop
all controllers from cgroupv2"), and every cgroup the runtimes create must nest under the
benchmark's own cgroup. So the benchmark re-executes itself in a child that first joins a
fresh cgroup NAME (created under the caller's own cgroup in every hierarchy), then enters a
private mount namespace and a cgroup namespace (``unshare --mount --propagation private
--cgroup``) and re-mounts the v1 hierarchies on a fresh tmpfs at /sys/fs/cgroup *without*
the cgroup2 "unified" mount. Inside, "/" of every hierarchy is NAME and the host looks like
pure cgroup v1 to all three runtimes alike: the same conditions for each.

The parent stays outside, waits, and afterwards SIGKILLs whatever is still in NAME and
removes NAME depth-first, so a crash or Ctrl-C inside leaves no cgroup, process or mount
(the namespace's mounts die with its last process).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

CGROUP_ROOT = "/sys/fs/cgroup"
INSIDE_ENV = "PYRUNC_BENCH_SANDBOX"


def _own_cgroups() -> tuple[dict[str, str], str | None]:
    v1: dict[str, str] = {}
    v2 = None
    with open("/proc/self/cgroup") as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if hid == "0":
                v2 = path
            else:
                for c in ctrls.split(","):
                    v1[c] = path
    return v1, v2


def hierarchies() -> list[dict]:
    """Every cgroup mount under /sys/fs/cgroup with the directory of *our* cgroup in it."""
    v1, v2 = _own_cgroups()
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.rstrip("\n").split(" - ", 1)
            fstype, _src, sopts = right.split(" ", 2)
            fields = left.split(" ")
            root, mnt = fields[3], fields[4]
            if fstype not in ("cgroup", "cgroup2") or not mnt.startswith(CGROUP_ROOT + "/"):
                continue
            opts = [o for o in sopts.split(",") if o not in ("rw", "ro")]
            own = v2 if fstype == "cgroup2" else next((v1[o] for o in opts if o in v1), None)
            if own is None:
                continue
            if root == "/":
                d = mnt + own
            elif own == root or own.startswith(root.rstrip("/") + "/"):
                d = os.path.join(mnt, os.path.relpath(own, root))
            else:
                continue  # our cgroup is not visible through this mount
            out.append({"fstype": fstype, "mountpoint": mnt, "options": opts, "dir": os.path.normpath(d)})
    return out


def _create(dirs: list[dict], name: str) -> list[str]:
    made = []
    for h in dirs:
        d = os.path.join(h["dir"], name)
        os.makedirs(d, exist_ok=True)
        made.append(d)
        if "cpuset" in h["options"]:  # an empty cpuset refuses tasks: inherit the parent's
            for f in ("cpuset.cpus", "cpuset.mems"):
                with open(os.path.join(h["dir"], f)) as src:
                    val = src.read().strip()
                with open(os.path.join(d, f), "w") as dst:
                    dst.write(val)
    return made


def _subtree(d: str) -> list[str]:
    """Directories of a cgroup subtree, deepest first (the order rmdir needs)."""
    return [top for top, _dirs, _files in os.walk(d, topdown=False)]


def _pids(dirs: list[str]) -> set[int]:
    pids: set[int] = set()
    for d in dirs:
        for sub in _subtree(d) if os.path.isdir(d) else []:
            try:
                with open(os.path.join(sub, "cgroup.procs")) as f:
                    pids.update(int(p) for p in f.read().split())
            except OSError:
                pass
    return pids


def cleanup(cg_dirs: list[str]) -> bool:
    """SIGKILL everything left in NAME (thawing frozen v1 cgroups first), then rmdir it."""
    for d in cg_dirs:
        if "/freezer/" in d and os.path.isdir(d):
            for sub in _subtree(d):
                try:
                    with open(os.path.join(sub, "freezer.state"), "w") as f:
                        f.write("THAWED")
                except OSError:
                    pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pids = _pids(cg_dirs)
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    ok = True
    for d in cg_dirs:
        if not os.path.isdir(d):
            continue
        for sub in _subtree(d):
            for _ in range(100):  # dying tasks keep a cgroup busy for a moment
                try:
                    os.rmdir(sub)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                ok = False
                print(f"bench: could not remove cgroup {sub}", file=sys.stderr)
    return ok


def run_inside(argv: list[str], state_dir: str) -> int:
    """Re-run ``argv`` in a fresh cgroup + private mount/cgroup namespace; clean up after it."""
    name = f"pyrunc-bench-{os.getpid()}"
    hs = hierarchies()
    if not hs:
        raise SystemExit("bench: no cgroup hierarchies under /sys/fs/cgroup")
    cg_dirs = _create(hs, name)
    v1 = [h for h in hs if h["fstype"] == "cgroup"]
    table = ";".join(f"{h['mountpoint']}={','.join(h['options'])}" for h in v1)
    links = ";".join(f"{e.name}={os.readlink(e.path)}" for e in os.scandir(CGROUP_ROOT) if e.is_symlink())

    def join_self() -> None:  # in the child, before exec: move ITSELF, never the caller
        me = str(os.getpid())
        for d in cg_dirs:
            with open(os.path.join(d, "cgroup.procs"), "w") as f:
                f.write(me)

    env = dict(os.environ, **{INSIDE_ENV: name, "PYRUNC_BENCH_TABLE": table,
                              "PYRUNC_BENCH_LINKS": links, "PYRUNC_BENCH_STATE": state_dir})
    unshare = shutil.which("unshare") or "/usr/bin/unshare"
    child = None
    rc = 125
    def forward(signum, frame):  # the child cleans up its containers; we clean up after it
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        child = subprocess.Popen([unshare, "--mount", "--propagation", "private", "--cgroup", "--",
                                  sys.executable, *argv], env=env, preexec_fn=join_self)
        while True:
            try:
                rc = child.wait()
                break
            except InterruptedError:
                continue
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        ok = cleanup(cg_dirs)
        shutil.rmtree(state_dir, ignore_errors=True)
        if not ok and rc == 0:
            rc = 70
    return rc


def _mount(fstype: str, target: str, options: str) -> None:
    subprocess.run(["mount", "-t", fstype, "-o", options, fstype, target], check=True)


def remount_hierarchies() -> None:
    """Inside the namespaces: /sys/fs/cgroup = tmpfs + the v1 hierarchies, no cgroup2 mount."""
    if subprocess.run(["mountpoint", "-q", CGROUP_ROOT]).returncode == 0:
        if subprocess.run(["umount", "-R", CGROUP_ROOT], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", CGROUP_ROOT], check=True)
    _mount("tmpfs", CGROUP_ROOT, "mode=755,nosuid,nodev,noexec")
    for entry in filter(None, os.environ.get("PYRUNC_BENCH_TABLE", "").split(";")):
        mnt, opts = entry.split("=", 1)
        os.makedirs(mnt, exist_ok=True)
        _mount("cgroup", mnt, "nosuid,nodev,noexec" + ("," + opts if opts else ""))
    for entry in filter(None, os.environ.get("PYRUNC_BENCH_LINKS", "").split(";")):
        link, target = entry.split("=", 1)
        os.symlink(target, os.path.join(CGROUP_ROOT, link))
    if os.path.exists(os.path.join(CGROUP_ROOT, "unified")):
        raise RuntimeError("cgroup2 is still visible inside the benchmark's namespace")
