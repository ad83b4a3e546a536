"""init/plan.py's encoding: the byte layout native/initplan.c decodes."""

from __future__ import annotations

import struct

import pytest

from libcontainer.init import plan


def decode(data: bytes) -> list[tuple[int, list[int], list[bytes]]]:
    """A Python twin of initplan.c's decode()."""
    out, p = [], 0
    while p < len(data):
        code, ni, ns = struct.unpack_from("<IHH", data, p)
        p += 8
        ints = list(struct.unpack_from(f"<{ni}q", data, p))
        p += 8 * ni
        strs = []
        for _ in range(ns):
            (n,) = struct.unpack_from("<I", data, p)
            p += 4
            assert data[p + n] == 0  # NUL-terminated for C
            strs.append(data[p:p + n])
            p += n + 1
        out.append((code, ints, strs))
    return out


def test_records_round_trip_with_the_prefix_first():
    p = plan.Plan()
    p.add(plan.MOUNT, [plan.K_BIND, 0x1000, -1], ["/dst", "/src"], "error mounting: ")
    p.add(plan.SETSID)
    assert decode(p.bytes()) == [
        (plan.MOUNT, [plan.K_BIND, 0x1000, -1], [b"error mounting: ", b"/dst", b"/src"]),
        (plan.SETSID, [], [b""]),
    ]


def test_unsigned_64_bit_values_travel_as_their_bits():
    p = plan.Plan()
    p.add(plan.RLIMIT, [7, (1 << 64) - 1, (1 << 63)])  # RLIM_INFINITY, and 2**63
    (_, ints, _), = decode(p.bytes())
    assert [i & ((1 << 64) - 1) for i in ints] == [7, (1 << 64) - 1, 1 << 63]


def test_a_nul_in_a_string_means_no_plan():
    with pytest.raises(plan.Unsupported):
        plan.Plan().add(plan.EXPECT, (), ["go\0"])


def test_surrogate_escaped_paths_keep_their_bytes():
    p = plan.Plan()
    p.add(plan.CHDIR, (), ["/caf\udce9"])  # b"/caf\xe9" as os.fsdecode gives it
    assert decode(p.bytes())[0][2][1] == b"/caf\xe9"


def test_turned_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "0")
    assert not plan.enabled()
    assert plan.compile(object(), object(), fifo_fd=-1) is None
    monkeypatch.delenv("LIBCONTAINER_NATIVE_INIT")
    assert plan.enabled()
