"""`events`: stats (once with --stats, else every --interval) and OOM events as JSON lines.

The JSON is runc's ``types.Event`` / ``types.Stats`` (not the library's dataclass names),
because engines decode it with runc's Go types: ``{"type":"stats","id":...,"data":{...}}``
and ``{"type":"oom","id":...}`` (no ``data``: runc's field is omitempty).

Like runc, the stream waits on the cgroup's OOM notifier (an eventfd on v1, inotify on
``memory.events`` on v2) rather than polling a counter, so an OOM kill is reported when it
happens, not at the next tick; one select covers the notifier, the stats ticker and a pidfd
of the init, so the stream also ends as soon as the container stops (runc waits for the
cgroup to be removed; engines stop reading at the container's exit anyway). ``--stats``
prints one sample and exits, as runc does.
"""

from __future__ import annotations

import logging
import os
import re
import select
import sys
import time

from .common import CliError, full_container, print_json


def register(sub) -> None:
    p = sub.add_parser("events", help="display container events such as OOM notifications, cpu, memory, and IO usage statistics")
    p.add_argument("--interval", default="5s", help="set the stats collection interval")
    p.add_argument("--stats", action="store_true", help="display the container's stats then exit")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.set_defaults(func=cmd_events)


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_SCALE = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Go's time.ParseDuration ("5s", "1m30s", "500ms") -> seconds."""
    pos, total = 0, 0.0
    if text in ("0", ""):
        raise CliError(f'invalid value "{text}" for flag -interval: parse error')
    while pos < len(text):
        m = _DURATION.match(text, pos)
        if not m:
            raise CliError(f'invalid value "{text}" for flag -interval: parse error')
        total += float(m.group(1)) * _SCALE[m.group(2)]
        pos = m.end()
    if total <= 0:
        raise CliError("duration interval must be greater than 0")
    return total


def _nz(d: dict) -> dict:
    """Go's omitempty for scalars: drop zeros, empty strings, empty lists and maps."""
    return {k: v for k, v in d.items() if v not in (0, "", None, [], {})}


def _psi(p):
    if p is None:
        return None
    return {part: {"avg10": getattr(p, part).avg10, "avg60": getattr(p, part).avg60,
                   "avg300": getattr(p, part).avg300, "total": getattr(p, part).total}
            for part in ("some", "full")}


def _mem_entry(m) -> dict:
    return {"limit": m.limit, **_nz({"usage": m.usage, "max": m.max_usage}), "failcnt": m.failcnt}


def _blkio(entries) -> list:
    return [_nz({"major": e.major, "minor": e.minor, "op": e.op, "value": e.value}) for e in entries]


def convert_stats(s, interfaces=None) -> dict:
    """libcontainer.cgroups.stats.Stats -> runc's types.Stats dict."""
    cpu = s.cpu_stats
    usage = {
        **_nz({"total": cpu.cpu_usage.total_usage, "percpu": cpu.cpu_usage.percpu_usage,
               "percpu_kernel": cpu.cpu_usage.percpu_usage_in_kernelmode,
               "percpu_user": cpu.cpu_usage.percpu_usage_in_usermode}),
        "kernel": cpu.cpu_usage.usage_in_kernelmode,
        "user": cpu.cpu_usage.usage_in_usermode,
    }
    out_cpu = {"usage": usage, "throttling": _nz({
        "periods": cpu.throttling_data.periods,
        "throttledPeriods": cpu.throttling_data.throttled_periods,
        "throttledTime": cpu.throttling_data.throttled_time,
    })}
    if cpu.psi is not None:
        out_cpu["psi"] = _psi(cpu.psi)
    cs = s.cpuset_stats
    cpuset = {
        **_nz({"cpus": cs.cpus}), "cpu_exclusive": cs.cpu_exclusive, **_nz({"mems": cs.mems}),
        "mem_hardwall": cs.mem_hardwall, "mem_exclusive": cs.mem_exclusive,
        "memory_migrate": cs.memory_migrate, "memory_spread_page": cs.memory_spread_page,
        "memory_spread_slab": cs.memory_spread_slab, "memory_pressure": cs.memory_pressure,
        "sched_load_balance": cs.sched_load_balance, "sched_relax_domain_level": cs.sched_relax_domain_level,
    }
    ms = s.memory_stats
    memory = {
        **_nz({"cache": ms.cache}),
        "usage": _mem_entry(ms.usage),
        "swap": _mem_entry(ms.swap_usage),
        "kernel": _mem_entry(ms.kernel_usage),
        "kernelTCP": _mem_entry(ms.kernel_tcp_usage),
        **_nz({"raw": dict(ms.stats)}),
    }
    if ms.psi is not None:
        memory["psi"] = _psi(ms.psi)
    b = s.blkio_stats
    blkio = _nz({
        "ioServiceBytesRecursive": _blkio(b.io_service_bytes_recursive),
        "ioServicedRecursive": _blkio(b.io_serviced_recursive),
        "ioQueueRecursive": _blkio(b.io_queued_recursive),
        "ioServiceTimeRecursive": _blkio(b.io_service_time_recursive),
        "ioWaitTimeRecursive": _blkio(b.io_wait_time_recursive),
        "ioMergedRecursive": _blkio(b.io_merged_recursive),
        "ioTimeRecursive": _blkio(b.io_time_recursive),
        "sectorsRecursive": _blkio(b.sectors_recursive),
    })
    if b.psi is not None:
        blkio["psi"] = _psi(b.psi)
    return {
        "cpu": out_cpu,
        "cpuset": cpuset,
        "memory": memory,
        "pids": _nz({"current": s.pids_stats.current, "limit": s.pids_stats.limit}),
        "blkio": blkio,
        "hugetlb": {size: {**_nz({"usage": h.usage, "max": h.max_usage}), "failcnt": h.failcnt}
                    for size, h in s.hugetlb_stats.items()},
        "intel_rdt": {},
        "network_interfaces": interfaces,
    }


def _emit(kind: str, cid: str, data=None) -> None:
    event = {"type": kind, "id": cid}
    if data is not None:
        event["data"] = data
    print_json(event)


def cmd_events(args) -> int:
    interval = parse_duration(args.interval)
    container = full_container(args)
    if str(container.status()) == "stopped":
        raise CliError(f"container with id {container.id} is not running")
    try:
        if args.stats:
            _emit("stats", container.id, convert_stats(container.stats()))
            return 0
        watch(container, interval)
    except BrokenPipeError:
        sys.stderr.close()
    return 0


class _CounterNotifier:
    """For a cgroup driver without notification: the OOM-kill counter, read at each tick
    and when the init exits (it has no descriptor to wait on)."""

    closed = False

    def __init__(self, manager):
        self._manager = manager
        self._seen = self._count()

    def _count(self) -> int:
        try:
            return self._manager.oom_kill_count() if self._manager is not None else 0
        except OSError:
            return 0

    def wait(self, timeout=None) -> int:
        count = self._count()
        new, self._seen = max(0, count - self._seen), max(count, self._seen)
        return new

    def close(self) -> None:
        self.closed = True


def _oom_notifier(container):
    """runc's NotifyOOM; a driver that cannot notify falls back to the counter."""
    try:
        return container.notify_oom()
    except NotImplementedError as e:
        logging.getLogger("pyrunc").debug("OOM notification unavailable (%s): polling the OOM-kill counter", e)
        return _CounterNotifier(container.cgroup_manager)


def _init_pidfd(container):
    """A pidfd of the init, readable once it exits; None if the kernel has no pidfd_open."""
    pid = container.init_pid
    if not pid:
        return None
    try:
        return os.pidfd_open(pid)
    except (OSError, AttributeError):
        return None


def watch(container, interval: float) -> None:
    """runc's events loop: an oom event per OOM kill, stats every ``interval``, until the
    container stops or its cgroup goes."""
    log = logging.getLogger("pyrunc")
    notifier = _oom_notifier(container)
    pidfd = _init_pidfd(container)
    try:
        # the pidfd was opened before this check, so it cannot name a recycled PID
        if str(container.status()) == "stopped":
            return
        polling = isinstance(notifier, _CounterNotifier)
        fds = ([] if polling else [notifier]) + ([pidfd] if pidfd is not None else [])
        tick = time.monotonic() + interval
        import gc

        gc.enable()  # cli/entry.py turned it off for one-shot commands; this one may run for days
        while True:
            ready, _, _ = select.select(fds, [], [], max(0.0, tick - time.monotonic()))
            # OOM events first: the kill of the init makes both ready at once
            if notifier in ready or (polling and pidfd in ready):
                for _ in range(notifier.wait(0)):
                    _emit("oom", container.id)
                if notifier.closed:
                    return
            if pidfd is not None and pidfd in ready:
                return
            if time.monotonic() >= tick:
                if polling:
                    for _ in range(notifier.wait(0)):
                        _emit("oom", container.id)
                try:
                    _emit("stats", container.id, convert_stats(container.stats()))
                except Exception as e:  # noqa: BLE001 - runc logs a failed sample and goes on
                    log.error(str(e))
                if pidfd is None and str(container.status()) == "stopped":
                    return
                tick = max(tick + interval, time.monotonic())
    finally:
        notifier.close()
        if pidfd is not None:
            os.close(pidfd)
