"""Shared fixtures: a busybox rootfs, a private state root, and a leak check.

Every test that runs a container must leave the machine as it found it; the ``no_leaks``
fixture compares mounts, child processes and state dirs before and after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _build_rootfs(dest: str) -> str:
    subprocess.run([os.path.join(REPO, "scripts", "busybox-rootfs.sh"), dest], check=True,
                   stdout=subprocess.DEVNULL)
    return dest


@pytest.fixture(scope="session")
def busybox_rootfs(tmp_path_factory) -> str:
    """A read-only-by-convention busybox rootfs; tests that write get their own copy."""
    given = os.environ.get("LIBCONTAINER_TEST_ROOTFS")
    if given and os.path.exists(os.path.join(given, "bin", "busybox")):
        return given
    if not os.path.exists("/bin/busybox"):
        pytest.skip("needs Debian's busybox-static (make deps installs it)")
    return _build_rootfs(str(tmp_path_factory.mktemp("rootfs")))


@pytest.fixture
def rootfs(busybox_rootfs, tmp_path) -> str:
    """A private writable copy of the busybox rootfs (symlinks kept)."""
    dest = tmp_path / "rootfs"
    shutil.copytree(busybox_rootfs, dest, symlinks=True)
    return str(dest)


#: The host uid/gid that container root maps to in user-namespace tests.
MAPPED_HOST_ID = 100000


def shift_ownership(root: str, offset: int) -> None:
    """Chown a tree by ``offset``: what a user-namespaced container's rootfs needs."""
    for dirpath, dirnames, filenames in os.walk(root):
        names = [dirpath] if dirpath == root else []
        for path in names + [os.path.join(dirpath, n) for n in dirnames + filenames]:
            st = os.lstat(path)
            os.lchown(path, st.st_uid + offset, st.st_gid + offset)


@pytest.fixture
def mapped_rootfs(rootfs):
    """The rootfs copy owned by the mapped range, in a directory the mapped root can reach
    (pytest's own tmp dirs are 0700 root, closed to uid 100000)."""
    base = tempfile.mkdtemp(prefix="lc-userns-", dir="/tmp")
    os.chmod(base, 0o755)
    dest = os.path.join(base, "rootfs")
    shutil.move(rootfs, dest)
    shift_ownership(dest, MAPPED_HOST_ID)
    yield dest
    shutil.rmtree(base, ignore_errors=True)


def _mounts() -> set[str]:
    with open("/proc/self/mountinfo") as f:
        return {" ".join(line.split()[3:5]) for line in f}


def _children() -> set[int]:
    me = os.getpid()
    kids = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2 :].split()
        if int(fields[1]) == me:
            kids.add(int(name))
    return kids


@pytest.fixture
def no_leaks():
    """Fails the test if it leaves a mount or a child process behind (and cleans them up)."""
    before_m, before_p = _mounts(), _children()
    yield
    leaked_m = _mounts() - before_m
    leaked_p = _children() - before_p
    for pid in leaked_p:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except OSError:
            pass
    assert not leaked_m, f"mounts leaked: {sorted(leaked_m)}"
    assert not leaked_p, f"processes leaked: {sorted(leaked_p)}"


@pytest.fixture
def state_root(tmp_path) -> str:
    root = tmp_path / "state"
    root.mkdir()
    yield str(root)
    left = [n for n in os.listdir(root) if n != "@seccomp"]
    assert not left, f"state dirs leaked: {left}"
    # the compiled seccomp filters kept for the next container (seccomp/compiled.py):
    # whole entries only, never a torn write
    cache = root / "@seccomp"
    torn = [n for n in os.listdir(cache) if len(n) != 64] if cache.is_dir() else []
    assert not torn, f"seccomp cache holds more than entries: {torn}"


def pytest_report_header(config):
    return f"python {sys.version.split()[0]}, uid {os.getuid()}"
