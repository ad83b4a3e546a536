"""The cgroupfs (v1) subsystem registry says truthfully what each controller module reads.

``libcontainer_cgroupfs.subsystems.REGISTRY`` lets the manager import only the controller
modules a call needs (``apply``: those with a prepare; ``set``: those whose fields are set;
``destroy``/``state``: none). That is only safe while the registry's field lists match the
modules' code, so this checks them against it:

* every field ``wants``/``set``/``prepare`` actually read is listed, and nothing else;
* for every ``Resources`` field, set alone to a range of values, each subsystem the lazy
  path skips neither wants it nor writes, reads or raises anything in ``set``/``prepare``
  (so skipping it is exactly what the eager loop did);
* in a fresh process, a manager that creates and removes a fake hierarchy tree imports no
  controller module but cpuset, and one that only removes (``pyrunc delete``) none at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from libcontainer.configs import (
    DeviceRule,
    HugepageLimit,
    IfPrioMap,
    LinuxRdma,
    Resources,
    ThrottleDevice,
    WeightDevice,
)
from libcontainer.record import MISSING, fields

subsystems = pytest.importorskip("libcontainer_cgroupfs.subsystems")
fscommon = pytest.importorskip("libcontainer_cgroupfs.fscommon")
paths_mod = pytest.importorskip("libcontainer_cgroupfs.paths")
Subsystem = pytest.importorskip("libcontainer_cgroupfs.subsystem").Subsystem

#: The controller modules (everything a Spec may name), prefixed.
CONTROLLERS = {f"libcontainer_cgroupfs.{s.module}" for s in subsystems.REGISTRY if s.module}
FIELD_NAMES = {f.name for f in fields(Resources)}


class Recorder:
    """Stands in for the fs helpers: records every call; reads fail the test unless allowed."""

    def __init__(self, allow_reads: bool):
        self.calls: list[tuple] = []
        self.allow_reads = allow_reads

    def install(self, monkeypatch) -> None:
        for name in ("write", "read", "read_uint", "read_key_values", "exists"):
            monkeypatch.setattr(fscommon, name, self._fake(name))

    def _fake(self, name):
        def call(directory, filename, *args):
            self.calls.append((name, filename, *args))
            if name == "exists":
                return True
            if name == "write" or self.allow_reads:
                return {"read": "a *:* rwm\n", "read_uint": 0, "read_key_values": {}}.get(name)
            raise AssertionError(f"unexpected {name}({filename})")

        return call


class Reads:
    """A resources object without any field: records which ones ``res()`` asks for."""

    def __init__(self):
        object.__setattr__(self, "names", set())

    def __getattr__(self, name):
        self.names.add(name)
        raise AttributeError(name)  # res() falls back to the field's "unset" default


def _read_by(monkeypatch, sub) -> tuple[set, set]:
    """(fields wants()+set() read, fields prepare() read) with nothing set."""
    Recorder(allow_reads=True).install(monkeypatch)
    if sub.name == "devices":
        monkeypatch.setattr(sys.modules[type(sub).__module__], "running_in_userns", lambda: False)
    used, prepared = Reads(), Reads()
    sub.wants(used)
    try:
        sub.set("/fake", used)
    except (OSError, ValueError):
        pass  # devices compares the (fake) list read back: only the fields read matter here
    if type(sub).prepare is not Subsystem.prepare:
        sub.prepare("/fake", prepared)
    return used.names, prepared.names


def test_order_is_runcs_and_lazy_tables_still_exist():
    assert subsystems.ORDER == paths_mod.SUBSYSTEMS
    assert [s.name for s in subsystems.SUBSYSTEMS] == list(subsystems.ORDER)
    assert list(subsystems.BY_NAME) == list(subsystems.ORDER)
    assert all(subsystems.BY_NAME[n] is subsystems.get(n) for n in subsystems.ORDER)
    assert subsystems.get("nonexistent") is None


@pytest.mark.parametrize("spec", subsystems.REGISTRY, ids=lambda s: s.name)
def test_registry_lists_exactly_the_fields_the_code_reads(monkeypatch, spec):
    sub = subsystems.get(spec.name)
    assert sub.name == spec.name
    prepare_fields = () if spec.prepare in (None, subsystems.ALWAYS) else spec.prepare
    assert set(spec.reads()) <= FIELD_NAMES and set(prepare_fields) <= FIELD_NAMES
    used, prepared = _read_by(monkeypatch, sub)
    assert used == set(spec.reads()), spec.name
    has_prepare = type(sub).prepare is not Subsystem.prepare
    assert has_prepare == (spec.prepare is not None), spec.name
    if prepare_fields:
        assert prepared == set(prepare_fields), spec.name
    assert prepared <= used, spec.name  # prepare never reads a field set() does not


def _examples(name: str, default) -> list:
    """Values to set ``name`` to, alone: every kind of "set" the subsystems distinguish."""
    lists = {
        "devices": [DeviceRule(type="c", major=1, minor=3, permissions="rwm", allow=True)],
        "blkio_weight_device": [WeightDevice(8, 0, 100, 0), WeightDevice(8, 0, 0, 50), WeightDevice(8, 0)],
        "hugetlb_limit": [HugepageLimit("2MB", 2 << 20)],
        "net_prio_ifpriomap": [IfPrioMap("lo", 1)],
    }
    if name in lists:
        return [[v] for v in lists[name]]
    if name.startswith("blkio_throttle_"):
        return [[ThrottleDevice(8, 0, 100)]]
    if name == "rdma":
        return [{"mlx5_0": LinuxRdma(hca_handles=1)}, {"mlx5_0": LinuxRdma()}]
    if name == "unified":
        return [{"memory.max": "1"}]
    if isinstance(default, bool):
        return [True]
    if isinstance(default, str):
        return ["0-1", "FROZEN", "THAWED", "bogus"]
    return [1, -1, 2, 200] + ([0] if default is None else [])


def _cases():
    for f in fields(Resources):
        default = f.default if f.default_factory is MISSING else f.default_factory()
        for value in _examples(f.name, default):
            yield pytest.param(f.name, value, id=f"{f.name}={value!r}"[:60])


@pytest.mark.parametrize(("name", "value"), list(_cases()))
def test_skipped_subsystems_would_have_done_nothing(monkeypatch, name, value):
    r = Resources()
    setattr(r, name, value)
    for_set, for_prepare = set(subsystems.for_set(r)), set(subsystems.for_prepare(r))
    assert "cpuset" in for_prepare and "devices" in for_set
    rec = Recorder(allow_reads=False)
    rec.install(monkeypatch)
    for sub in subsystems.SUBSYSTEMS:
        if sub.name not in for_set:
            assert not sub.wants(r), f"{sub.name} wants {name}={value!r} but is not imported for set()"
            sub.set("/fake", r)  # must neither raise nor touch a file
        if sub.name not in for_prepare:
            sub.prepare("/fake", r)
    assert [c for c in rec.calls if c[0] != "exists"] == []


def test_nothing_set_consults_only_devices():
    assert subsystems.for_set(Resources()) == ["devices"]
    assert subsystems.for_prepare(Resources()) == ["cpuset"]
    assert subsystems.for_prepare(None) == ["cpuset"]
    rt = Resources(cpu_rt_runtime=950000, memory=1 << 20, freezer="FROZEN")
    assert subsystems.for_prepare(rt) == ["cpuset", "cpu"]
    assert subsystems.for_set(rt) == ["devices", "memory", "cpu", "freezer"]  # runc's order


# ---- the import graph, in a fresh process ----------------------------------------------------

_SCRIPT = r"""
import json, os, sys
base, mode = sys.argv[1:3]
from types import SimpleNamespace
from libcontainer.configs import Resources
from libcontainer_cgroupfs.manager import FsManager

names = ["cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "freezer", "name=systemd"]
paths = {n: os.path.join(base, n.replace("=", "_"), "pod", "c1") for n in names}
cg = SimpleNamespace(name="", parent="", path="pod/c1", paths=None, rootless=False,
                     resources=Resources(memory=1 << 20))
CONTROLLERS = set(sys.argv[3].split(","))
seen = {}
def loaded(step):
    seen[step] = sorted(CONTROLLERS & set(sys.modules))

if mode == "create":
    # cpuset: the mount's root has the sets, the leaf exists as the kernel would make it
    root = os.path.join(base, "cpuset")
    os.makedirs(paths["cpuset"])
    for d, cpus, mems in ((root, "0-1", "0"), (os.path.dirname(paths["cpuset"]), "", ""),
                          (paths["cpuset"], "", "")):
        for name, value in (("cpuset.cpus", cpus), ("cpuset.mems", mems)):
            with open(os.path.join(d, name), "w") as f:
                f.write(value)
    m = FsManager(cg, paths)
    loaded("import")
    m.apply(-1)
    loaded("apply")
    with open(os.path.join(paths["cpuset"], "cpuset.cpus")) as f:
        seen["cpus"] = f.read()
    m.join_files(); m.exists(); m.get_pids(); m.get_paths()
    loaded("files")
    m.destroy()
    loaded("destroy")
    seen["left"] = sorted(os.path.relpath(os.path.join(dp, d), base)
                          for dp, ds, _ in os.walk(base) for d in ds)
else:  # pyrunc delete/state: a manager rebuilt from state.json
    for p in paths.values():
        os.makedirs(p)
    m = FsManager(cg, paths)
    m.destroy()
    loaded("destroy")
    helpers = ("libcontainer_cgroupfs.paths", "libcontainer_cgroupfs.subsystem", "libcontainer.cgroups.notify")
    seen["helpers"] = sorted(h for h in helpers if h in sys.modules)
    m.get_freezer_state()
    loaded("state")
    seen["left"] = sorted(d for d in os.listdir(base) if os.listdir(os.path.join(base, d, "pod")))
print(json.dumps(seen))
"""


def _run(tmp_path, mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _SCRIPT, str(tmp_path), mode, ",".join(sorted(CONTROLLERS))],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_create_and_destroy_import_only_cpuset(tmp_path):
    seen = _run(tmp_path, "create")
    assert seen["import"] == []
    assert seen["apply"] == seen["files"] == seen["destroy"] == ["libcontainer_cgroupfs.cpuset"]
    assert seen["cpus"] == "0-1"  # prepare ran: the leaf inherited its parent's sets
    # everything apply made is gone; the cpuset leaf existed before, so it stays
    assert seen["left"] == ["cpuset", "cpuset/pod", "cpuset/pod/c1"]


def test_delete_imports_none_and_state_only_the_freezer(tmp_path):
    seen = _run(tmp_path, "delete")
    assert seen["destroy"] == []
    assert seen["helpers"] == []  # no path resolving, no Subsystem base class, no notify
    assert seen["state"] == ["libcontainer_cgroupfs.freezer"]
    assert seen["left"] == []
    assert "libcontainer_cgroupfs.freezer" in CONTROLLERS and len(CONTROLLERS) >= 10
    assert os.path.isdir(tmp_path / "memory" / "pod")  # only the leaves: the rest is not ours
