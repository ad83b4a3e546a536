"""Controllers this machine mounts only on demand (hugetlb, net_cls, net_prio).

They are bound to a v1 hierarchy only while something mounts them, so the test mounts them
itself — net_cls,net_prio co-mounted and hugetlb on its own, as distributions do — in a
private mount namespace (``unshare -m`` around a helper process, so the test's own mount
table never changes), runs a real container there, and unmounts. Hierarchies are global,
though: one lingers while a removed cgroup is still dying, so the helper remounts and
unmounts until /proc/cgroups shows the controllers unbound again.

Skipped, with the reason, where the controllers are bound already (someone else's mount or
cgroup v2 owns them) or ``unshare`` is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from cgroup_sandbox import CgroupSandbox, v1_available

pytestmark = pytest.mark.integration

HELPER = r'''
import json, os, sys, time
from libcontainer import Factory, Process
from libcontainer.configs import Cgroup, Config, HugepageLimit, IfPrioMap, Mount, Namespace, Resources

base, rootfs, state, rel = sys.argv[1:5]
mounts = {"hugetlb": os.path.join(base, "hugetlb"), "net_cls,net_prio": os.path.join(base, "net")}
result = {}

def bound():
    with open("/proc/cgroups") as f:
        rows = [line.split() for line in f if not line.startswith("#")]
    return {r[0]: int(r[1]) for r in rows if r[0] in ("hugetlb", "net_cls", "net_prio") and r[1] != "0"}

def unmount_all():
    for opts, mp in mounts.items():
        names = opts.split(",")
        for _ in range(5):
            if os.path.ismount(mp):
                os.system(f"umount {mp}")
            for _ in range(40):  # the hierarchy is released asynchronously
                if not any(name in bound() for name in names):
                    break
                time.sleep(0.05)
            else:
                # kept alive by a cgroup that was still dying at umount: remount (this
                # reuses the same hierarchy) and unmount again
                os.system(f"mount -t cgroup -o {opts} none {mp}")
                time.sleep(0.2)
                continue
            break

for opts, mp in mounts.items():
    os.makedirs(mp, exist_ok=True)
    if os.system(f"mount -t cgroup -o {opts} none {mp}") != 0:
        print(json.dumps({"skip": f"cannot mount the {opts} v1 hierarchy"}))
        sys.exit(0)
try:
    res = Resources(
        skip_devices=True,
        hugetlb_limit=[HugepageLimit("2MB", 4 << 20), HugepageLimit("1GB", 1 << 30)],
        net_cls_classid=0x100001,
        net_prio_ifpriomap=[IfPrioMap("lo", 5)],
    )
    cfg = Config(rootfs=rootfs, hostname="od", namespaces=[Namespace(t) for t in ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID")],
                 mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)])
    cfg.cgroups = Cgroup(path=rel, resources=res)
    cfg.cgroup_driver = "cgroupfs"
    c = Factory(state).create("cgfs-od", cfg)
    p = Process(args=["/bin/sleep", "30"], stdout=2, stderr=2)
    try:
        c.start(p)
        c.exec()
        m = c.cgroup_manager
        def rd(sub, name):
            with open(os.path.join(m.path(sub), name)) as f:
                return f.read().strip()
        with open(f"/proc/{c.init_pid}/cgroup") as f:
            result["proc_cgroup"] = f.read()
        result["paths"] = m.get_paths()
        result["hugetlb_2mb"] = rd("hugetlb", "hugetlb.2MB.limit_in_bytes")
        result["hugetlb_2mb_rsvd"] = rd("hugetlb", "hugetlb.2MB.rsvd.limit_in_bytes")
        result["hugetlb_1gb"] = rd("hugetlb", "hugetlb.1GB.limit_in_bytes")
        result["classid"] = rd("net_cls", "net_cls.classid")
        result["ifpriomap"] = rd("net_prio", "net_prio.ifpriomap")
        result["hugetlb_stats"] = {k: vars(v) for k, v in m.get_stats().hugetlb_stats.items()}
    finally:
        os.kill(c.init_pid, 9)
        p.wait()
        c.destroy()
    result["left"] = [p for p in result["paths"].values() if os.path.exists(p)]
finally:
    unmount_all()
    result["bound_after"] = bound()
print(json.dumps(result))
'''


def _skip_reason() -> str | None:
    reason = v1_available()
    if reason:
        return reason
    if not shutil.which("unshare"):
        return "needs util-linux unshare for a private mount namespace"
    with open("/proc/cgroups") as f:
        rows = {r[0]: r[1] for r in (line.split() for line in f if not line.startswith("#"))}
    missing = [c for c in ("hugetlb", "net_cls", "net_prio") if c not in rows]
    if missing:
        return f"the kernel lacks {missing}"
    busy = [c for c in ("hugetlb", "net_cls", "net_prio") if rows[c] != "0"]
    if busy:
        return f"{busy} already bound to a v1 hierarchy by someone else: not ours to mount"
    try:
        with open("/sys/fs/cgroup/unified/cgroup.subtree_control") as f:
            v2 = set(f.read().split())
    except OSError:
        v2 = set()
    if v2 & {"hugetlb"}:
        return "hugetlb is enabled in the cgroup v2 hierarchy, so v1 cannot mount it"
    return None


def test_hugetlb_net_cls_net_prio_in_a_private_mount(rootfs, tmp_path, no_leaks):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    sandbox = CgroupSandbox("lc-od")
    state = tmp_path / "state"
    state.mkdir()
    try:
        done = subprocess.run(
            ["unshare", "-m", "--propagation", "private", sys.executable, "-c", HELPER,
             str(tmp_path / "mnt"), rootfs, str(state), sandbox.relative("od")],
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if "skip" in result:
            pytest.skip(result["skip"])
    finally:
        sandbox.cleanup()
    # the container's init sat in both new hierarchies, under the relative path
    lines = result["proc_cgroup"].splitlines()
    assert any(":hugetlb:/" + sandbox.relative("od") in line for line in lines), lines
    assert any(":net_cls,net_prio:/" + sandbox.relative("od") in line for line in lines), lines
    assert result["paths"]["net_cls"] == result["paths"]["net_prio"]  # co-mounted
    assert result["hugetlb_2mb"] == str(4 << 20) and result["hugetlb_2mb_rsvd"] == str(4 << 20)
    assert result["hugetlb_1gb"] == str(1 << 30)
    assert result["classid"] == str(0x100001)
    assert "lo 5" in result["ifpriomap"].splitlines()
    # stats per page size (no huge pages are reserved on this host, so usage is 0)
    assert set(result["hugetlb_stats"]) == {"2MB", "1GB"}
    assert all(s["usage"] == 0 for s in result["hugetlb_stats"].values())
    assert result["left"] == []
    assert result["bound_after"] == {}, "a hierarchy we mounted is still bound"
    assert not os.listdir(state)
