# ruff: noqa: F811 - pytest fixtures imported from test_cli are arguments here
"""`pyrunc events` OOM notifications and `update`'s Intel RDT flags, against real containers.

The OOM test drives the kernel's OOM killer inside a 16 MiB memory cgroup (memsw equal, so
swap cannot absorb it) with a process started by `pyrunc exec`, so the init survives and
the event stream stays open; the stream is read the way an engine reads runc's: JSON lines
from a subprocess. The kernel's own counters (memory.oom_control, memory.failcnt) are
checked from outside as well.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time

import pytest
from test_cli import PYRUNC, _wait_stopped, bundle, cgroup_dirs, cli, own_cgroups  # noqa: F401 - the fixtures, shared

pytestmark = pytest.mark.integration

LIMIT = 16 << 20
# dd allocates its 64 MiB block and fills it from /dev/zero: far past the limit at once
EAT = ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"]


def _limited(spec):
    spec["linux"]["resources"]["memory"] = {"limit": LIMIT, "swap": LIMIT}


def _read_int(mem: str, name: str) -> int:
    with open(os.path.join(mem, name)) as f:
        return int(f.read())


def _run(cli, bundle, cid: str) -> str:
    """Run ``cid`` detached with the 16 MiB limit; its v1 memory cgroup directory."""
    if not os.path.isdir("/sys/fs/cgroup/memory") or "memory" not in own_cgroups():
        pytest.skip("needs the cgroup v1 memory controller (this host has no v1 memory hierarchy)")
    bundle.write(["sleep", "100"], mutate=_limited)
    res, _ = cli.detached("run", "-d", "-b", bundle.dir, cid)
    assert res.returncode == 0, res.stderr
    mem = next((p for p in cgroup_dirs(cli.cgroup) if "/memory/" in p), None)
    assert mem is not None, cgroup_dirs(cli.cgroup)
    assert _read_int(mem, "memory.limit_in_bytes") == LIMIT
    return mem


def _oom_kills(mem: str) -> int:
    with open(os.path.join(mem, "memory.oom_control")) as f:
        fields = dict(line.split() for line in f if line.strip())
    return int(fields.get("oom_kill", 0))


class Lines:
    """JSON lines from a subprocess's stdout, read with a deadline."""

    def __init__(self, proc):
        self.proc = proc
        self.buf = b""

    def next(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def until(self, kind: str, timeout: float) -> tuple[dict | None, list[dict]]:
        seen = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ev = self.next(left)
            if ev is None:
                break
            seen.append(ev)
            if ev["type"] == kind:
                return ev, seen
        return None, seen


def _events(cli, *args):
    return subprocess.Popen([*PYRUNC, "--root", cli.root, "events", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()


def test_events_reports_each_oom_kill_and_the_init_survives(cli, bundle):
    mem = _run(cli, bundle, "oom")
    before = _oom_kills(mem)
    init = cli.state("oom")["pid"]
    # a long interval: an oom line must come from the notifier, not from a stats tick
    proc = _events(cli, "--interval", "1h", "oom")
    try:
        lines = Lines(proc)
        time.sleep(1.0)  # let events register its notifier (it prints nothing before the first tick)
        assert proc.poll() is None, proc.stderr.read()
        t0 = time.monotonic()
        eat = cli("exec", "oom", *EAT)
        assert eat.returncode == 137, (eat.returncode, eat.stdout, eat.stderr)  # SIGKILLed by the OOM killer
        ev, seen = lines.until("oom", 10)
        assert ev == {"type": "oom", "id": "oom"}, seen
        assert time.monotonic() - t0 < 10
        # the kernel's view from outside: it did kill, in this cgroup, at this limit
        assert _oom_kills(mem) >= before + 1
        assert _read_int(mem, "memory.max_usage_in_bytes") == LIMIT
        # the init was not the victim, and the stream is still open
        assert cli.state("oom")["status"] == "running" and cli.state("oom")["pid"] == init
        assert proc.poll() is None
        # a second kill is a second line
        assert cli("exec", "oom", *EAT).returncode == 137
        ev, seen = lines.until("oom", 10)
        assert ev == {"type": "oom", "id": "oom"}, seen
        assert all(e["type"] == "oom" for e in seen)  # no stats tick in an hour-long interval
        # the stream ends when the container stops
        cli("kill", "oom", "KILL", check=0)
        assert proc.wait(timeout=10) == 0, proc.stderr.read()
    finally:
        _stop(proc)


def test_events_with_interval_gives_stats_and_no_oom_without_one(cli, bundle):
    _run(cli, bundle, "quiet")
    proc = _events(cli, "--interval", "100ms", "quiet")
    try:
        lines = Lines(proc)
        got = [lines.next(5) for _ in range(3)]
        assert all(e is not None and e["type"] == "stats" and e["id"] == "quiet" for e in got), got
        assert got[0]["data"]["memory"]["usage"]["limit"] == LIMIT
        # something that fits under the limit is not an OOM
        assert cli("exec", "quiet", "dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=1").returncode == 0
        ev, seen = lines.until("oom", 1.0)
        assert ev is None and seen, seen
        cli("kill", "quiet", "KILL", check=0)
        assert proc.wait(timeout=10) == 0
    finally:
        _stop(proc)


def test_events_stats_prints_one_sample_and_exits(cli, bundle):
    _run(cli, bundle, "once")
    res = cli("events", "--stats", "once", check=0, timeout=20)
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(out) == 1 and out[0]["type"] == "stats" and out[0]["data"]["memory"]["usage"]["limit"] == LIMIT
    cli("kill", "once", "KILL", check=0)
    _wait_stopped(cli, "once")
    res = cli("events", "once", check=1)
    assert "container with id once is not running" in res.stderr


# --------------------------------------------------------------------------- update: Intel RDT


def _rdt_cases():
    return [
        (["--l3-cache-schema", "L3:0=f"], "Intel RDT/CAT: l3 cache schema is not enabled"),
        (["--mem-bw-schema", "MB:0=50"], "Intel RDT/MBA: memory bandwidth schema is not enabled"),
    ]


@pytest.mark.skipif(os.path.isdir("/sys/fs/resctrl/info"), reason="the host has resctrl: the error path is not reachable")
def test_update_rdt_schemas_fail_naming_the_backend_and_change_nothing(cli, bundle):
    mem = _run(cli, bundle, "rdt")
    state_file = os.path.join(cli.root, "rdt", "state.json")
    saved = open(state_file, "rb").read()
    for flags, runc_words in _rdt_cases():
        # a cgroup change in the same call must not happen either
        res = cli("update", "--memory", "12m", *flags, "rdt", check=1)
        assert runc_words in res.stderr, res.stderr
        assert "resctrl" in res.stderr and "intelrdt" in res.stderr, res.stderr
        assert int(open(os.path.join(mem, "memory.limit_in_bytes")).read()) == LIMIT
        assert open(state_file, "rb").read() == saved
    # a blocked backend is named as blocked
    res = subprocess.run([*PYRUNC, "--root", cli.root, "update", "--l3-cache-schema", "L3:0=f", "rdt"],
                         env={**os.environ, "LIBCONTAINER_BLOCK_PLUGINS": "intelrdt:resctrl"},
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "blocked" in res.stderr and "resctrl" in res.stderr, res.stderr
    # without the RDT flags the same update works (12m: under the 16m memsw limit): the failure above was the backend's alone
    cli("update", "--memory", "12m", "rdt", check=0)
    assert int(open(os.path.join(mem, "memory.limit_in_bytes")).read()) == 12 << 20
    assert cli.state("rdt")["status"] == "running"
