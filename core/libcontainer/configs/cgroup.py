"""Cgroup placement and resource limits (runc's ``cgroups.Cgroup`` / ``Resources``).

In runc's JSON the resource fields sit flat inside the ``cgroups`` object (Go embeds
``*Resources``); here they live in ``Cgroup.resources`` and the schema does the
flattening, so Python code always reads ``cfg.cgroups.resources.memory``.
"""

from __future__ import annotations

from ..record import field, record

TYPE_CHECKING = False  # typing is not imported at run time: annotations stay strings
if TYPE_CHECKING:
    from typing import Any

    from .device import DeviceRule

UNDEFINED = ""
FROZEN = "FROZEN"
THAWED = "THAWED"
FREEZER_STATES = (UNDEFINED, FROZEN, THAWED)


@record
class WeightDevice:
    """Per-device blkio/io weight (``major:minor weight``)."""

    major: int = 0
    minor: int = 0
    weight: int = 0
    leaf_weight: int = 0

    def weight_string(self) -> str:
        return f"{self.major}:{self.minor} {self.weight}"

    def leaf_weight_string(self) -> str:
        return f"{self.major}:{self.minor} {self.leaf_weight}"


@record
class ThrottleDevice:
    """Per-device bandwidth or IOPS cap (``major:minor rate``)."""

    major: int = 0
    minor: int = 0
    rate: int = 0

    def cgroup_string(self) -> str:
        return f"{self.major}:{self.minor} {self.rate}"


@record
class HugepageLimit:
    #: Page size as the kernel names it in hugetlb.<size>.limit_in_bytes ("2MB", "1GB").
    pagesize: str = ""
    limit: int = 0


@record
class IfPrioMap:
    interface: str = ""
    priority: int = 0

    def cgroup_string(self) -> str:
        return f"{self.interface} {self.priority}"


@record
class LinuxRdma:
    """RDMA controller limits for one HCA device; ``None`` leaves that limit unset."""

    hca_handles: int | None = None
    hca_objects: int | None = None


@record
class Resources:
    """Every limit runc knows, v1 and v2 alike; a backend ignores what its hierarchy lacks.

    Zero values mean "do not touch", as in runc; pointer fields in Go are ``None`` here.
    """

    devices: list[DeviceRule] = field(default_factory=list)

    # memory
    memory: int = 0
    memory_reservation: int = 0
    #: memory+swap total; -1 for unlimited swap.
    memory_swap: int = 0
    kernel_memory: int = 0
    kernel_memory_tcp: int = 0
    memory_swappiness: int | None = None
    oom_kill_disable: bool = False
    #: v2 only: refuse limits below current usage instead of triggering the OOM killer.
    memory_check_before_update: bool = False

    # cpu
    cpu_shares: int = 0
    cpu_quota: int = 0
    cpu_burst: int | None = None
    cpu_period: int = 0
    cpu_rt_runtime: int = 0
    cpu_rt_period: int = 0
    cpuset_cpus: str = ""
    cpuset_mems: str = ""
    cpu_idle: int | None = None
    #: v2 weight (1..10000); specconv derives it from shares when only those are given.
    cpu_weight: int = 0

    # pids: None keeps the current limit, <0 or "max" semantics are the backend's.
    pids_limit: int | None = None

    # blkio / io
    blkio_weight: int = 0
    blkio_leaf_weight: int = 0
    blkio_weight_device: list[WeightDevice] = field(default_factory=list)
    blkio_throttle_read_bps_device: list[ThrottleDevice] = field(default_factory=list)
    blkio_throttle_write_bps_device: list[ThrottleDevice] = field(default_factory=list)
    blkio_throttle_read_iops_device: list[ThrottleDevice] = field(default_factory=list)
    blkio_throttle_write_iops_device: list[ThrottleDevice] = field(default_factory=list)

    freezer: str = UNDEFINED
    hugetlb_limit: list[HugepageLimit] = field(default_factory=list)
    net_prio_ifpriomap: list[IfPrioMap] = field(default_factory=list)
    net_cls_classid: int = 0
    rdma: dict[str, LinuxRdma] = field(default_factory=dict)

    #: v2 only: raw "<controller>.<file>" -> value writes, applied last.
    unified: dict[str, str] = field(default_factory=dict)

    #: Not persisted (as in runc): for parent cgroups and ``update`` that must not touch
    #: device rules, and for the systemd v1 manager's freeze-on-set shortcut.
    skip_devices: bool = False
    skip_freeze_on_set: bool = False


@record
class Cgroup:
    #: Deprecated runc style: ``parent``/``name`` instead of ``path`` (mutually exclusive).
    name: str = ""
    parent: str = ""
    #: Relative to the hierarchy root(s); for systemd "slice:prefix:name".
    path: str = ""
    scope_prefix: str = ""
    resources: Resources = field(default_factory=Resources)
    systemd: bool = False
    #: Extra systemd unit properties as (name, value) pairs; not persisted (runc neither).
    systemd_props: list[tuple[str, Any]] = field(default_factory=list)
    rootless: bool = False
    #: Host UID to chown the v2 cgroup to (delegation); ``None`` leaves ownership.
    owner_uid: int | None = None
    #: Older runc state.json: subsystem -> absolute path to join.
    paths: dict[str, str] | None = None
