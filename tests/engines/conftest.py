"""Fixtures for driving pyrunc (and Debian's runc, for reference) through real engines.

Each engine runs in an :class:`engine_sandbox.Sandbox` with private directories under /tmp;
the module-scoped fixtures below tear everything down (engine daemons, shims, conmon,
containers, cgroups, the sandbox's mounts, the directories) even when a test fails, and
fail the run if something could not be cleaned. Tests are skipped, with the reason, only
when an engine is not installed and cannot be (``make engines`` installs podman and
containerd from Debian).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest
from engine_sandbox import Sandbox, mounts_under

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_SCRIPT = os.path.join(os.path.dirname(sys.executable), "pyrunc")
RUNC = shutil.which("runc") or ("/usr/sbin/runc" if os.path.exists("/usr/sbin/runc") else None)

#: podman's defaults would fail here: nofile/nproc above the hard limits (no CAP_SYS_RESOURCE
#: in the bounding set), no systemd, no journald; netns "none" so nothing ever starts CNI.
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
#: No CRI server (it wants CNI and a sandbox image), no "opt" plugin (it writes /opt/containerd).
CONTAINERD_TOML = """\
version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt"]
[debug]
  address = ""
[metrics]
  address = ""
"""


def _missing(*tools: str) -> list[str]:
    return [t for t in tools if shutil.which(t) is None]


@pytest.fixture(scope="module", params=["pyrunc", "runc"])
def runtime(request) -> str:
    """The runtime binary the engine is told to use; runc's runs show what the engine expects."""
    if request.param == "runc":
        if RUNC is None:
            pytest.skip("Debian's runc is not installed: no reference run")
        return RUNC
    if not os.path.exists(_SCRIPT):
        pytest.skip(f"pyrunc console script not installed next to {sys.executable}")
    return _SCRIPT


class World:
    """A sandbox plus a private directory with a busybox rootfs; cleaned up by close()."""

    def __init__(self, prefix: str):
        if os.geteuid() != 0:
            pytest.skip("engines need root")
        missing = _missing("unshare", "nsenter", "mountpoint")
        if missing:
            pytest.skip(f"util-linux tools missing: {missing}")
        self.dir = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
        self.sandbox = Sandbox(f"{prefix.strip('.-')}{os.getpid()}-{time.monotonic_ns() % 10**9}")
        self.rootfs = os.path.join(self.dir, "rootfs")
        try:
            given = os.environ.get("LIBCONTAINER_TEST_ROOTFS")
            if given and os.path.exists(os.path.join(given, "bin", "busybox")):
                shutil.copytree(given, self.rootfs, symlinks=True)
            else:
                subprocess.run([os.path.join(REPO, "scripts", "busybox-rootfs.sh"), self.rootfs],
                               check=True, stdout=subprocess.DEVNULL)
            self.sandbox.open()
        except BaseException:
            self.close()
            raise

    def close(self) -> list[str]:
        problems = self.sandbox.close()
        leaked = mounts_under(self.dir)
        for mp in sorted(leaked, reverse=True):
            subprocess.run(["umount", "-l", mp], check=False)
        problems += [f"mount leaked into the host namespace: {mp}" for mp in leaked]
        subprocess.run(["rm", "-rf", "--one-file-system", self.dir], check=False)
        if os.path.exists(self.dir):
            problems.append(f"could not remove {self.dir}")
        return problems


@pytest.fixture(scope="module")
def podman(runtime):
    """``podman(*args)`` runs podman in the sandbox with private roots and ``runtime``."""
    missing = _missing("podman", "conmon")
    if missing:
        pytest.skip(f"podman is not installed ({missing} missing; `make engines` installs it)")
    world = World("pyrunc-podman.")
    try:
        d = world.dir
        conf = os.path.join(d, "containers.conf")
        with open(conf, "w") as f:
            f.write(CONTAINERS_CONF)
        os.makedirs(os.path.join(d, "cni"))
        base = ["podman", "--root", f"{d}/root", "--runroot", f"{d}/run", "--tmpdir", f"{d}/tmp",
                "--network-config-dir", f"{d}/cni", "--storage-driver", "vfs", "--runtime", runtime,
                "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
        env = dict(os.environ, CONTAINERS_CONF=conf)

        class Podman:
            sandbox = world.sandbox
            rootfs = world.rootfs
            runtime_path = runtime
            state_root = "/run/runc" if runtime == RUNC else "/run/pyrunc"

            def __call__(self, *args, check=None, timeout=60, **kw):
                return world.sandbox.run([*base, *args], check=check, timeout=timeout, env=env, **kw)

            def run_argv(self, *opts, cmd):
                # --rootfs is a boolean: every option before it, the rootfs dir first after it
                return ["run", "--network", "none", *opts, "--rootfs", world.rootfs, *cmd]

            def popen(self, *args, **kw):
                return world.sandbox.popen([*base, *args], env=env, **kw)

        yield Podman()
    finally:
        problems = world.close()
    assert not problems, problems


@pytest.fixture(scope="module")
def containerd(runtime):
    """A private containerd in the sandbox; ``ctr(*args)``, ``run_opts`` for `ctr run`."""
    missing = _missing("containerd", "ctr", "containerd-shim-runc-v2")
    if missing:
        pytest.skip(f"containerd is not installed ({missing} missing; `make engines` installs it)")
    world = World("pyrunc-ctd.")
    daemon = None
    try:
        d = world.dir
        conf = os.path.join(d, "containerd.toml")
        with open(conf, "w") as f:
            f.write(CONTAINERD_TOML)
        sock = os.path.join(d, "containerd.sock")
        log = open(os.path.join(d, "containerd.log"), "w")
        daemon = world.sandbox.popen(["containerd", "--config", conf, "--root", f"{d}/root", "--state",
                                      f"{d}/state", "--address", sock], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 20
        while world.sandbox.run(["ctr", "-a", sock, "version"]).returncode != 0:
            if daemon.poll() is not None or time.monotonic() > deadline:
                with open(os.path.join(d, "containerd.log")) as f:
                    pytest.fail(f"containerd did not start: {f.read()[-2000:]}")
            time.sleep(0.05)

        class Ctr:
            sandbox = world.sandbox
            rootfs = world.rootfs
            runc_root = f"{d}/runc"
            state = f"{d}/state"
            run_opts = ["--runtime", "io.containerd.runc.v2", "--runc-binary", runtime,
                        "--runc-root", f"{d}/runc", "--fifo-dir", f"{d}/fifo"]

            def __call__(self, *args, check=None, timeout=60, **kw):
                return world.sandbox.run(["ctr", "-a", sock, *args], check=check, timeout=timeout, **kw)

            def run_argv(self, *opts, cid, cmd):
                return ["run", *self.run_opts, *opts, "--rootfs", world.rootfs, cid, *cmd]

        yield Ctr()
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.terminate()
            try:
                daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        problems = world.close()
    assert not problems, problems
