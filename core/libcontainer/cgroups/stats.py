"""A cgroup statistics snapshot, shaped like runc's ``cgroups.Stats``.

Every cgroup backend (cgroupfs for v1, fs2 for v2, systemd on top of either) fills the same
records, so ``pyrunc events --stats`` and engines reading them need not know which
hierarchy the numbers came from. Field names are runc's Go names in snake_case; ``to_dict``
gives runc's JSON keys (``types.Stats`` of ``runc events``) where they differ.

Counters are plain ints (Go ``uint64``); a missing file leaves its field at zero, as in runc.
"""

from __future__ import annotations

from ..record import asdict, field, record


@record
class ThrottlingData:
    #: Number of CFS periods with throttling active.
    periods: int = 0
    #: Number of periods in which the container hit its limit.
    throttled_periods: int = 0
    #: Aggregate time the container was throttled, in nanoseconds.
    throttled_time: int = 0


@record
class BurstData:
    bursts_periods: int = 0
    burst_time: int = 0


@record
class CpuUsage:
    """CPU time consumed, in nanoseconds."""

    total_usage: int = 0
    percpu_usage: list[int] = field(default_factory=list)
    percpu_usage_in_kernelmode: list[int] = field(default_factory=list)
    percpu_usage_in_usermode: list[int] = field(default_factory=list)
    usage_in_kernelmode: int = 0
    usage_in_usermode: int = 0


@record
class PSIData:
    avg10: float = 0.0
    avg60: float = 0.0
    avg300: float = 0.0
    total: int = 0


@record
class PSIStats:
    some: PSIData = field(default_factory=PSIData)
    full: PSIData = field(default_factory=PSIData)


@record
class CpuStats:
    cpu_usage: CpuUsage = field(default_factory=CpuUsage)
    throttling_data: ThrottlingData = field(default_factory=ThrottlingData)
    burst_data: BurstData = field(default_factory=BurstData)
    psi: PSIStats | None = None


@record
class CPUSetStats:
    cpus: list[int] = field(default_factory=list)
    cpu_exclusive: int = 0
    mems: list[int] = field(default_factory=list)
    mem_hardwall: int = 0
    mem_exclusive: int = 0
    memory_migrate: int = 0
    memory_spread_page: int = 0
    memory_spread_slab: int = 0
    memory_pressure: int = 0
    sched_load_balance: int = 0
    sched_relax_domain_level: int = 0


@record
class MemoryData:
    usage: int = 0
    max_usage: int = 0
    failcnt: int = 0
    limit: int = 0


@record
class PageStats:
    total: int = 0
    nodes: dict[int, int] = field(default_factory=dict)


@record
class PageUsageByNUMAInner:
    total: PageStats = field(default_factory=PageStats)
    file: PageStats = field(default_factory=PageStats)
    anon: PageStats = field(default_factory=PageStats)
    unevictable: PageStats = field(default_factory=PageStats)


@record
class PageUsageByNUMA(PageUsageByNUMAInner):
    hierarchical: PageUsageByNUMAInner = field(default_factory=PageUsageByNUMAInner)


@record
class MemoryStats:
    #: Page cache (``cache`` of memory.stat on v1, ``file`` on v2).
    cache: int = 0
    usage: MemoryData = field(default_factory=MemoryData)
    #: v1: memory+swap (memsw); v2: memory+swap computed from both controllers.
    swap_usage: MemoryData = field(default_factory=MemoryData)
    #: v2 only: swap alone.
    swap_only_usage: MemoryData = field(default_factory=MemoryData)
    kernel_usage: MemoryData = field(default_factory=MemoryData)
    kernel_tcp_usage: MemoryData = field(default_factory=MemoryData)
    page_usage_by_numa: PageUsageByNUMA = field(default_factory=PageUsageByNUMA)
    use_hierarchy: bool = False
    #: The raw memory.stat map.
    stats: dict[str, int] = field(default_factory=dict)
    psi: PSIStats | None = None


@record
class PidsStats:
    current: int = 0
    #: 0 means no limit ("max").
    limit: int = 0


@record
class BlkioStatEntry:
    major: int = 0
    minor: int = 0
    op: str = ""
    value: int = 0


@record
class BlkioStats:
    io_service_bytes_recursive: list[BlkioStatEntry] = field(default_factory=list)
    io_serviced_recursive: list[BlkioStatEntry] = field(default_factory=list)
    io_queued_recursive: list[BlkioStatEntry] = field(default_factory=list)
    io_service_time_recursive: list[BlkioStatEntry] = field(default_factory=list)
    io_wait_time_recursive: list[BlkioStatEntry] = field(default_factory=list)
    io_merged_recursive: list[BlkioStatEntry] = field(default_factory=list)
    io_time_recursive: list[BlkioStatEntry] = field(default_factory=list)
    sectors_recursive: list[BlkioStatEntry] = field(default_factory=list)
    psi: PSIStats | None = None


@record
class HugetlbStats:
    usage: int = 0
    max_usage: int = 0
    #: Times the limit was hit.
    failcnt: int = 0


@record
class RdmaEntry:
    device: str = ""
    hca_handles: int = 0
    hca_objects: int = 0


@record
class RdmaStats:
    rdma_limit: list[RdmaEntry] = field(default_factory=list)
    rdma_current: list[RdmaEntry] = field(default_factory=list)


@record
class MiscStats:
    usage: int = 0
    limit: int = 0
    events: int = 0


@record
class Stats:
    cpu_stats: CpuStats = field(default_factory=CpuStats)
    cpuset_stats: CPUSetStats = field(default_factory=CPUSetStats)
    memory_stats: MemoryStats = field(default_factory=MemoryStats)
    pids_stats: PidsStats = field(default_factory=PidsStats)
    blkio_stats: BlkioStats = field(default_factory=BlkioStats)
    #: page size ("2MB", "1GB") -> usage.
    hugetlb_stats: dict[str, HugetlbStats] = field(default_factory=dict)
    rdma_stats: RdmaStats = field(default_factory=RdmaStats)
    misc: dict[str, MiscStats] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A plain nested dict (JSON-ready); keys are the record field names."""
        return asdict(self)
