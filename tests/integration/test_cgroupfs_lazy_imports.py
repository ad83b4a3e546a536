"""On the real v1 hierarchies, the cgroupfs manager imports only the controller modules a
call needs (see libcontainer_cgroupfs.subsystems.REGISTRY and the unit checks of it in
tests/unit/test_cgroupfs_registry.py): ``apply`` cpuset, ``set`` the controllers whose
fields are set plus devices, ``get_freezer_state`` the freezer, ``destroy`` nothing -- and
the limits still land in the cgroup files.

Runs in a fresh process (the import graph is the point), inside a ``cgroup_sandbox``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cgroup_sandbox import v1_sandbox

pytestmark = pytest.mark.integration

_SCRIPT = r"""
import json, os, subprocess, sys
from libcontainer.configs import Cgroup, Resources
from libcontainer_cgroupfs import subsystems
from libcontainer_cgroupfs.manager import FsManager
from cgroup_sandbox import default_device_rules

CONTROLLERS = {f"libcontainer_cgroupfs.{s.module}" for s in subsystems.REGISTRY if s.module}
seen = {}
def loaded(step):
    seen[step] = sorted(m.rsplit(".", 1)[1] for m in CONTROLLERS & set(sys.modules))

if sys.argv[2] != "create":  # pyrunc delete: a manager rebuilt from the saved paths
    m = FsManager(Cgroup(path=sys.argv[1]), json.loads(sys.argv[2]))
    m.destroy()
    loaded("destroy")
    seen["exists"] = m.exists()
    print(json.dumps(seen))
    sys.exit(0)

res = Resources(devices=default_device_rules(), memory=64 << 20, pids_limit=50)
m = FsManager(Cgroup(path=sys.argv[1], resources=res))
loaded("init")
child = subprocess.Popen(["sleep", "30"])
try:
    m.apply(-1)
    loaded("apply-1")
    m.apply(child.pid)
    loaded("apply")
    m.set(res)
    loaded("set")
    with open(os.path.join(m.path("memory"), "memory.limit_in_bytes")) as f:
        seen["memory"] = int(f.read())
    with open(os.path.join(m.path("pids"), "pids.max")) as f:
        seen["pids"] = f.read().strip()
    seen["pids_in"] = m.get_pids()
    seen["frozen"] = str(m.get_freezer_state())
    loaded("state")
finally:
    child.kill()
    child.wait()
seen["child"] = child.pid
seen["paths"] = m.get_paths()
print(json.dumps(seen))
"""


@pytest.fixture
def sandbox():
    with v1_sandbox("lc-lazy") as sb:
        yield sb


def _run(sandbox, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    out = subprocess.run([sys.executable, "-c", _SCRIPT, sandbox.relative("c1"), mode],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_each_call_imports_only_the_controllers_it_needs(sandbox):
    seen = _run(sandbox, "create")
    assert seen["init"] == []
    assert seen["apply-1"] == seen["apply"] == ["cpuset"]
    assert seen["set"] == ["cpuset", "devices", "memory", "pids"]
    assert seen["memory"] == 64 << 20 and seen["pids"] == "50"
    assert seen["pids_in"] == [seen["child"]]
    assert seen["frozen"] == "THAWED"
    assert seen["state"] == ["cpuset", "devices", "freezer", "memory", "pids"]
    # a manager rebuilt from the saved paths removes the cgroups without any controller
    deleted = _run(sandbox, json.dumps(seen["paths"]))
    assert deleted == {"destroy": [], "exists": False}
