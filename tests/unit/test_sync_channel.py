"""The sync channel on the native module's socketpair / send_fds / recv_fds (no _socket)."""

from __future__ import annotations

import errno
import os
import threading

import pytest

from libcontainer import _nsenter
from libcontainer.init.sync import Channel, SyncError, encode


def _open_fds() -> set[int]:
    return {int(n) for n in os.listdir("/proc/self/fd")}


def test_pair_is_close_on_exec_and_carries_messages_both_ways():
    a, b = Channel.pair()
    try:
        assert not os.get_inheritable(a.fileno()) and not os.get_inheritable(b.fileno())
        a.send("go", n=1)
        assert b.expect("go") == {"type": "go", "n": 1}
        b.send("ready", pid=42)
        assert a.expect("ready")["pid"] == 42
    finally:
        a.close()
        b.close()


def test_descriptors_travel_close_on_exec_and_arrive_with_their_message():
    a, b = Channel.pair()
    r, w = os.pipe()
    try:
        a.send_fds("join", [r, w], n=2)
        a.send("go")  # may arrive in the same read: the fds stay with the channel
        assert b.expect("join")["n"] == 2
        got = b.take_fds()
        assert len(got) == 2 and all(not os.get_inheritable(fd) for fd in got)
        os.write(w, b"x")
        assert os.read(got[0], 1) == b"x"  # the same pipe
        for fd in got:
            os.close(fd)
        assert b.expect("go")["type"] == "go"
    finally:
        for fd in (r, w):
            os.close(fd)
        a.close()
        b.close()


def test_end_of_file_and_errors():
    a, b = Channel.pair()
    a.send("error", message="mount failed")
    with pytest.raises(SyncError, match="mount failed"):
        b.expect("ready")
    a.close()
    assert b.recv() is None  # the peer exec'd or died
    with pytest.raises(BrokenPipeError):  # EPIPE, not SIGPIPE
        b.send("go")
    b.close()
    b.close()  # idempotent, as a socket's close was


def test_a_message_larger_than_the_socket_buffer_is_sent_whole():
    a, b = Channel.pair()
    big = "x" * (4 << 20)
    t = threading.Thread(target=a.send, args=("hooks",), kwargs={"state": big})
    t.start()
    try:
        assert b.expect("hooks")["state"] == big
    finally:
        t.join()
        a.close()
        b.close()


def test_descriptors_beyond_maxfds_are_an_error_and_none_leaks():
    x, y = _nsenter.socketpair()
    r, w = os.pipe()
    before = _open_fds()
    try:
        _nsenter.send_fds(x, b"m", [r, w, r])
        with pytest.raises(OSError) as e:
            _nsenter.recv_fds(y, 16, 1)
        assert e.value.errno == errno.EMSGSIZE
        assert _open_fds() == before  # the one that did fit was closed
    finally:
        for fd in (x, y, r, w):
            os.close(fd)


def test_bad_arguments():
    x, y = _nsenter.socketpair()
    try:
        with pytest.raises(ValueError):
            _nsenter.send_fds(x, b"", [0])  # a stream socket drops descriptors without a byte
        with pytest.raises(ValueError):
            _nsenter.send_fds(x, b"m", [-1])
        with pytest.raises(ValueError):
            _nsenter.recv_fds(y, 16, 254)
        with pytest.raises(OSError):
            _nsenter.send_fds(-1, b"m")
    finally:
        os.close(x)
        os.close(y)


def test_encode_is_what_send_writes():
    a, b = Channel.pair()
    try:
        a.send("ready", pid=7, closing=True)
        data, fds = _nsenter.recv_fds(b.fileno(), 4096, 0)
        assert data == encode("ready", pid=7, closing=True) and fds == []
    finally:
        a.close()
        b.close()
