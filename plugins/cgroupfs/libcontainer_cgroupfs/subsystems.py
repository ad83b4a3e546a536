"""The v1 subsystems the manager drives, in runc's order (``fs.subsystems``), imported on demand.

Order matters: cpuset is filled before anything joins, devices are restricted before the
limits that a process could otherwise race, and the freezer comes last so that ``set`` with
``freezer: FROZEN`` freezes a fully configured cgroup.

Why a static registry instead of importing every controller module: each one costs a fresh
process 0.3-0.5 ms, and ``pyrunc create``/``delete``/``state`` need few or none of them
(``apply`` only cpuset's prepare, ``destroy`` nothing, ``set`` only the controllers whose
fields the config sets plus devices). :data:`REGISTRY` says, without importing anything,
which ``Resources`` fields each subsystem's ``wants``/``set`` read and whether its
``prepare`` does any work, so the manager can import exactly the modules a call needs.
tests/unit/test_cgroupfs_registry.py checks these lists against the modules' code.

``SUBSYSTEMS`` and ``BY_NAME`` (every subsystem, instantiated) are still available: they
are built, importing all modules, on first access.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from .subsystem import Subsystem

#: ``Spec.prepare``: the subsystem's ``prepare`` writes files whatever the config says.
ALWAYS = "always"


class Spec:
    """One subsystem as the manager sees it before its module is imported.

    ``fields``: the Resources fields ``wants``/``set`` read that count as set when truthy
    (the Go zero value means "leave alone"); ``optional``: those that count as set when not
    None (a pointer in Go: 0 is a value). ``always``: ``set`` has work to do with nothing
    set (devices writes the default rules). ``prepare``: None when ``prepare`` is the base
    class's no-op, :data:`ALWAYS`, or the fields (truthy) that make it write anything.
    ``module``/``cls``: where the class lives; both empty for a hierarchy joined only for
    bookkeeping (a :class:`.subsystem.NamedGroup`).
    """

    __slots__ = ("name", "module", "cls", "fields", "optional", "always", "prepare")

    def __init__(self, name: str, module: str = "", cls: str = "", fields: tuple = (),
                 optional: tuple = (), always: bool = False, prepare=None):
        self.name = name
        self.module = module
        self.cls = cls
        self.fields = fields
        self.optional = optional
        self.always = always
        self.prepare = prepare

    def __repr__(self) -> str:
        return f"Spec({self.name!r})"

    def reads(self) -> tuple[str, ...]:
        """Every Resources field this subsystem's ``wants``/``set`` read."""
        return self.fields + self.optional

    def is_set(self, resources) -> bool:
        """Whether ``set`` may have anything to do: a superset of ``wants``."""
        if self.always:
            return True
        # getattr with a default, as the subsystems' res(): partial objects lack fields
        return any(getattr(resources, f, None) for f in self.fields) or any(
            getattr(resources, f, None) is not None for f in self.optional
        )

    def needs_prepare(self, resources) -> bool:
        if self.prepare is None:
            return False
        if self.prepare == ALWAYS:
            return True
        return any(getattr(resources, f, None) for f in self.prepare)


_THROTTLE = ("blkio_throttle_read_bps_device", "blkio_throttle_write_bps_device",
             "blkio_throttle_read_iops_device", "blkio_throttle_write_iops_device")

#: runc's ``fs.subsystems``, in its order (the same names as :data:`.paths.SUBSYSTEMS`).
REGISTRY: tuple[Spec, ...] = (
    Spec("cpuset", "cpuset", "CpusetGroup", ("cpuset_cpus", "cpuset_mems"), prepare=ALWAYS),
    Spec("devices", "devices", "DevicesGroup", ("skip_devices", "devices"), always=True),
    Spec("memory", "memory", "MemoryGroup",
         ("memory", "memory_swap", "kernel_memory", "kernel_memory_tcp", "memory_reservation",
          "oom_kill_disable"), optional=("memory_swappiness",)),
    Spec("cpu", "cpu", "CpuGroup",
         ("cpu_shares", "cpu_quota", "cpu_period", "cpu_rt_runtime", "cpu_rt_period"),
         optional=("cpu_burst", "cpu_idle"), prepare=("cpu_rt_period", "cpu_rt_runtime")),
    Spec("cpuacct", "cpuacct", "CpuacctGroup"),
    Spec("pids", "pids", "PidsGroup", ("pids_limit",)),
    Spec("blkio", "blkio", "BlkioGroup",
         ("blkio_weight", "blkio_leaf_weight", "blkio_weight_device", *_THROTTLE)),
    Spec("hugetlb", "hugetlb", "HugetlbGroup", ("hugetlb_limit",)),
    Spec("net_cls", "netclass", "NetClsGroup", ("net_cls_classid",)),
    Spec("net_prio", "netclass", "NetPrioGroup", ("net_prio_ifpriomap",)),
    Spec("perf_event"),
    Spec("freezer", "freezer", "FreezerGroup", ("freezer",)),
    Spec("rdma", "rdma", "RdmaGroup", ("rdma",)),
    Spec("misc"),
    Spec("name=systemd"),
)
SPECS: dict[str, Spec] = {s.name: s for s in REGISTRY}
ORDER: tuple[str, ...] = tuple(SPECS)


def for_set(resources) -> list[str]:
    """Names, in runc's order, of the subsystems ``set(resources)`` must consult."""
    return [s.name for s in REGISTRY if s.cls and s.is_set(resources)]  # NamedGroup: nothing to set


def for_prepare(resources) -> list[str]:
    """Names, in runc's order, whose ``prepare`` has work to do for ``resources``."""
    return [s.name for s in REGISTRY if s.needs_prepare(resources)]


_loaded: dict[str, Subsystem] = {}


def get(name: str) -> Subsystem | None:
    """The subsystem called ``name``, importing its module on first use; None if unknown."""
    sub = _loaded.get(name)
    if sub is not None:
        return sub
    spec = SPECS.get(name)
    if spec is None:
        return None
    if not spec.cls:
        from .subsystem import NamedGroup

        sub = NamedGroup(name)
    else:
        # ``from .<module> import <cls>`` with names taken from the registry
        module = __import__(spec.module, globals(), None, (spec.cls,), 1)
        sub = getattr(module, spec.cls)()
    _loaded[name] = sub
    return sub


def __getattr__(name: str):
    """``SUBSYSTEMS``/``BY_NAME``: every subsystem, built (all modules imported) on first use."""
    if name == "SUBSYSTEMS":
        value = tuple(get(n) for n in ORDER)
    elif name == "BY_NAME":
        value = {n: get(n) for n in ORDER}
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
