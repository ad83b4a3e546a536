"""The runtimes under test: a runc-compatible command line (pyrunc, runc, crun) and the library.

Why every command goes through one ``call``: the timed region must be the same for every
runtime (a fork+exec of the binary, its work, its exit) and exclude our own bookkeeping:
the settle pause, the bundle writing and the parsing of its output all happen outside it.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time

TIMEOUT = 120


class RuntimeFailed(RuntimeError):
    pass


def run_waited(argv: list[str], **kw) -> subprocess.CompletedProcess:
    """subprocess.run with a timeout, but woken by the child's exit through a pidfd.

    Why not ``subprocess.run(timeout=...)``: with a timeout, Popen.wait polls with sleeps
    that double from 0.5 ms up to 50 ms, so every measured time is rounded up to the next
    step of 0.5, 1.5, 3.5 ... 63.5, 113.5 ms: a 35 ms command measures 63.5 ms.
    """
    import select

    with subprocess.Popen(argv, **kw) as p:
        out = p.stdout.read() if p.stdout else None  # EOF when the command exits
        fd = os.pidfd_open(p.pid)
        try:
            if not select.select([fd], [], [], TIMEOUT)[0]:
                p.kill()
                p.wait()
                raise subprocess.TimeoutExpired(argv, TIMEOUT)
        finally:
            os.close(fd)
        return subprocess.CompletedProcess(argv, p.wait(), out, None)


class Cli:
    """A runc-compatible binary with its own private state root (``--root``)."""

    def __init__(self, name: str, binary: str, state_dir: str):
        self.name = name
        self.binary = binary
        self.root = os.path.join(state_dir, "root-" + name)
        self.live: set[str] = set()  # containers to force-delete on the way out
        self._err = tempfile.TemporaryFile(mode="w+")

    def call(self, *args: str, output: bool = False) -> tuple[float, str]:
        """Run one command; returns (elapsed seconds, stdout if ``output``).

        stdout is /dev/null unless asked for: a detached container inherits it, and a pipe
        would keep us reading until the container exits.
        """
        self._err.seek(0)
        self._err.truncate()
        argv = [self.binary, "--root", self.root, *args]
        t0 = time.perf_counter()
        r = run_waited(argv, stdin=subprocess.DEVNULL, stderr=self._err,
                 stdout=subprocess.PIPE if output else subprocess.DEVNULL)
        elapsed = time.perf_counter() - t0
        if r.returncode != 0:
            self._err.seek(0)
            msg = self._err.read().strip().splitlines()
            raise RuntimeFailed(f"{self.name} {' '.join(args[:2])}: exit {r.returncode}: "
                                f"{msg[-1] if msg else ''}")
        return elapsed, (r.stdout.decode() if output else "")

    def init_pid(self, cid: str) -> int:
        _, out = self.call("state", cid, output=True)
        return int(json.loads(out)["pid"])

    def force_delete(self, cid: str) -> None:
        """Best effort, for cleanup: never raises."""
        try:
            run_waited([self.binary, "--root", self.root, "delete", "-f", cid],
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except Exception:  # noqa: BLE001 - cleanup goes on with the next one
            pass
        self.live.discard(cid)

    def cleanup(self) -> None:
        for cid in list(self.live):
            self.force_delete(cid)


class Library:
    """libcontainer in this very process: Factory.create -> run -> wait -> destroy."""

    name = "library"

    def __init__(self, state_dir: str):
        from libcontainer import Factory, Process  # imported once, outside any timing
        from libcontainer.specconv import create_config

        self._factory = Factory(os.path.join(state_dir, "lib"))
        self._process = Process
        self._create_config = create_config
        self._devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        self.live: dict[str, object] = {}

    def lifecycle(self, cid: str, bundle: str, spec: dict) -> float:
        config = self._create_config(spec, container_id=cid, bundle=bundle)
        t0 = time.perf_counter()
        container = self._factory.create(cid, config)
        self.live[cid] = container
        try:
            p = self._process(args=list(spec["process"]["args"]), env=list(spec["process"]["env"]),
                              stdin=self._devnull, stdout=self._devnull, stderr=self._devnull)
            container.run(p)
            code = p.wait().code
        finally:
            container.destroy()
            self.live.pop(cid, None)
        elapsed = time.perf_counter() - t0
        if code != 0:
            raise RuntimeFailed(f"library: /bin/true exited {code}")
        return elapsed

    def cleanup(self) -> None:
        for container in list(self.live.values()):
            try:
                container.destroy()
            except Exception:  # noqa: BLE001 - cleanup goes on
                pass
        self.live.clear()
