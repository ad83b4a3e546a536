"""Shared helpers for the tests of libcontainer._nsenter against the real kernel (test_native_*).

Everything that changes process state (namespaces, mounts, capabilities, prctl, fds) runs in a
forked child (``in_child``) whose result or exception comes back over a pipe; the child always
leaves with ``os._exit``. Mounts are only made inside a child's *private* mount namespace, so they
vanish with the child and never propagate to the host; the autouse ``no_leaked_mounts`` fixture
checks that once a test module imports it.

Not a test module itself (no ``test_`` prefix): the test modules import it by name, which works
because pytest's default "prepend" import mode puts this directory on sys.path.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
import traceback

import pytest

nse = pytest.importorskip("libcontainer._nsenter", reason="C extension not built (setup.py build_ext --inplace)")


# -- helpers ---------------------------------------------------------------------------------------

def _report(w: int, fn, args) -> None:
    """Child side: run fn, pickle ("ok", value) or ("err", exc, traceback) into w, never return."""
    try:
        try:
            payload = ("ok", fn(*args))
        except BaseException as e:  # noqa: B036 - everything must travel back to the parent
            payload = ("err", e, traceback.format_exc())
        try:
            data = pickle.dumps(payload)
        except Exception:
            data = pickle.dumps(("err", RuntimeError(repr(payload)), ""))
        os.write(w, data)  # a few KiB at most: fits in the pipe buffer in one write
    finally:
        os._exit(0)


def _collect(pid: int, r: int, timeout: float = 30.0):
    """Parent side: read the child's report, reap it, return its value or re-raise its error."""
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                pytest.fail(f"child {pid} did not report within {timeout}s")
            chunk = os.read(r, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        pytest.fail(f"child {pid} died without reporting (wait status {status:#x})")
    payload = pickle.loads(b"".join(chunks))
    if payload[0] == "ok":
        return payload[1]
    exc = payload[1]
    exc.add_note("--- in the child ---\n" + payload[2])
    raise exc


def in_child(fn, *args):
    """Run fn(*args) in an os.fork()ed child; return its result or raise its exception."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _report(w, fn, args)
    os.close(w)
    return _collect(pid, r)


def in_clone(flags: int, fn, *args):
    """Like in_child but the child is created by _nsenter.clone(flags); returns (pid, result)."""
    r, w = os.pipe()
    pid = nse.clone(flags)
    if pid == 0:
        os.close(r)
        _report(w, fn, args)
    os.close(w)
    return pid, _collect(pid, r)


def private_mount_ns() -> None:
    """Child only: new mount namespace whose mounts never propagate back to the host."""
    nse.unshare(nse.CLONE_NEWNS)
    nse.mount(None, "/", None, nse.MS_REC | nse.MS_PRIVATE)


def _unescape(field: str) -> str:
    return field.encode().decode("unicode_escape") if "\\" in field else field


def mountinfo() -> list[dict]:
    """/proc/self/mountinfo as dicts: target, opts, optional, fstype, source, super."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.rstrip("\n").split(" - ", 1)
            lf, rf = left.split(), right.split()
            out.append({"target": _unescape(lf[4]), "opts": lf[5].split(","), "optional": lf[6:],
                        "fstype": rf[0], "source": rf[1], "super": rf[2].split(",")})
    return out


def mount_at(path) -> dict | None:
    found = [m for m in mountinfo() if m["target"] == str(path)]
    return found[-1] if found else None


def status_field(name: str, pid="self") -> str:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    raise KeyError(name)


def ns_ino(kind: str, pid="self") -> int:
    return os.stat(f"/proc/{pid}/ns/{kind}").st_ino


def tmpfs_at(path, data="size=1m") -> None:
    nse.mount("tmpfs", path, "tmpfs", 0, data)


@pytest.fixture(autouse=True)
def no_leaked_mounts(tmp_path):
    yield
    leaked = [m["target"] for m in mountinfo() if m["target"].startswith(str(tmp_path))]
    assert not leaked, f"mounts leaked to the host: {leaked}"
