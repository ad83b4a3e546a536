"""libcontainer._nsenter openat2 / pidfd_open / pidfd_send_signal / close_range against the real kernel.

Child processes, mounts and the leak check come from ``native_helpers``.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import stat
import time

import pytest
from native_helpers import (
    in_child,
    no_leaked_mounts,  # noqa: F401 - autouse fixture: importing activates it
    nse,
)

pytestmark = pytest.mark.integration

if os.geteuid() != 0:  # pragma: no cover - the suite is meant for a root VM
    pytest.skip("needs root", allow_module_level=True)


# -- openat2 ---------------------------------------------------------------------------------------

@pytest.fixture
def rootfs(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("inside\n")
    (root / "abs").symlink_to("/etc/passwd")
    (root / "rel").symlink_to("../../../../../../etc/passwd")
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY)
    yield fd
    os.close(fd)


def _read(fd: int) -> str:
    with os.fdopen(fd) as f:
        return f.read()


def test_openat2_in_root_does_not_escape(rootfs):
    for path in ("abs", "rel", "/etc/passwd", "../../etc/passwd"):
        fd = nse.openat2(rootfs, path, os.O_RDONLY, resolve=nse.RESOLVE_IN_ROOT)
        assert not os.get_inheritable(fd)
        assert _read(fd) == "inside\n", path
    # without RESOLVE_IN_ROOT the absolute symlink leaves the tree: the host's file
    assert _read(nse.openat2(rootfs, "abs")) != "inside\n"


def test_openat2_resolve_restrictions(rootfs):
    with pytest.raises(OSError) as ei:
        nse.openat2(rootfs, "abs", os.O_RDONLY, 0, nse.RESOLVE_BENEATH)
    assert ei.value.errno == errno.EXDEV and ei.value.filename == "abs"
    with pytest.raises(OSError) as ei:
        nse.openat2(rootfs, "abs", resolve=nse.RESOLVE_NO_SYMLINKS)
    assert ei.value.errno == errno.ELOOP
    with pytest.raises(FileNotFoundError):
        nse.openat2(rootfs, "etc/missing", resolve=nse.RESOLVE_IN_ROOT)
    with pytest.raises(OSError) as ei:  # openat2 is strict: a mode without O_CREAT
        nse.openat2(rootfs, "etc/passwd", os.O_RDONLY, 0o644)
    assert ei.value.errno == errno.EINVAL


def test_openat2_create_with_mode(rootfs, tmp_path):
    dirfd = os.open(tmp_path / "root" / "etc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        old = os.umask(0o022)
        try:
            fd = nse.openat2(dirfd, "new", os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o664,
                             nse.RESOLVE_BENEATH)
        finally:
            os.umask(old)
        os.write(fd, b"hi")
        os.close(fd)
    finally:
        os.close(dirfd)
    st = os.stat(tmp_path / "root" / "etc" / "new")
    assert stat.S_IMODE(st.st_mode) == 0o644 and st.st_size == 2


# -- pidfd -----------------------------------------------------------------------------------------

def test_pidfd_open_and_send_signal():
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(60)
        finally:
            os._exit(0)
    pidfd = None
    try:
        pidfd = nse.pidfd_open(pid)
        assert not os.get_inheritable(pidfd)
        assert select.select([pidfd], [], [], 0)[0] == []  # alive: not readable
        nse.pidfd_send_signal(pidfd, signal.SIGTERM)
        assert select.select([pidfd], [], [], 10)[0] == [pidfd]  # exited: readable
        _, status = os.waitpid(pid, 0)
        pid = None
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
        with pytest.raises(ProcessLookupError):
            nse.pidfd_send_signal(pidfd, signal.SIGTERM)  # reaped
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if pidfd is not None:
            os.close(pidfd)


def test_pidfd_open_invalid():
    with pytest.raises(OSError) as ei:
        nse.pidfd_open(-1)
    assert ei.value.errno == errno.EINVAL


# -- close_range -----------------------------------------------------------------------------------

def _open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def test_close_range():
    def child():
        base = 500
        r, w = os.pipe()
        for i in range(4):
            os.dup2(r, base + i)  # dup2 makes them inheritable
        nse.close_range(base, base + 1)
        closed = [_open(base + i) for i in range(4)]
        nse.close_range(base + 2, base + 3, nse.CLOSE_RANGE_CLOEXEC)
        cloexec = [os.get_inheritable(base + i) for i in (2, 3)]
        nse.close_range(base + 2, 0xFFFFFFFF)
        return closed, cloexec, [_open(base + i) for i in range(4)], _open(r)

    closed, cloexec, after, low_still_open = in_child(child)
    assert closed == [False, False, True, True]
    assert cloexec == [False, False]
    assert after == [False] * 4 and low_still_open


def test_close_range_argument_errors():
    with pytest.raises(OverflowError):
        nse.close_range(0, 2**32)
    with pytest.raises(OSError) as ei:
        nse.close_range(10, 5)
    assert ei.value.errno == errno.EINVAL
