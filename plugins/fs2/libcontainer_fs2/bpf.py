"""The few bpf(2) commands a cgroup v2 device filter needs, through ctypes.

Why raw syscalls: Python has no bpf binding in the standard library and the program is tiny,
so a dependency (and its compile step) would buy nothing. ``union bpf_attr`` is passed as a
zero-padded buffer; the kernel rejects non-zero bytes past the fields a command uses.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct

#: bpf(2) syscall numbers by machine.
NR_BPF = {"x86_64": 321, "aarch64": 280, "ppc64le": 361, "s390x": 351, "riscv64": 280}

PROG_LOAD, PROG_ATTACH, PROG_DETACH, PROG_GET_FD_BY_ID, PROG_QUERY = 5, 8, 9, 13, 16
PROG_TYPE_CGROUP_DEVICE = 15
ATTACH_CGROUP_DEVICE = 6
F_ALLOW_MULTI = 2
ATTR_SIZE = 128

_libc = None


def _syscall(cmd: int, attr: bytes) -> tuple[int, bytes]:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    nr = NR_BPF.get(platform.machine())
    if nr is None:
        raise OSError(38, f"bpf(2) syscall number unknown for {platform.machine()}")
    buf = ctypes.create_string_buffer(attr.ljust(ATTR_SIZE, b"\0"), ATTR_SIZE)
    rc = _libc.syscall(nr, cmd, buf, ATTR_SIZE)
    if rc < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return rc, buf.raw


def load_device_program(insns: bytes, license: str = "Apache", name: bytes = b"lc_devfilter") -> int:
    """BPF_PROG_LOAD a CGROUP_DEVICE program; returns its fd. The error carries the verifier log."""
    code = ctypes.create_string_buffer(insns, len(insns))
    lic = ctypes.create_string_buffer(license.encode())
    log = ctypes.create_string_buffer(1 << 16)
    attr = struct.pack(
        "<IIQQIIQII16s",
        PROG_TYPE_CGROUP_DEVICE, len(insns) // 8, ctypes.addressof(code), ctypes.addressof(lic),
        1, len(log), ctypes.addressof(log), 0, 0, name[:15],
    )
    try:
        return _syscall(PROG_LOAD, attr)[0]
    except OSError as exc:
        text = log.value.decode(errors="replace").strip()
        raise OSError(exc.errno, f"BPF_PROG_LOAD (cgroup device filter): {exc.strerror}"
                      + (f"; verifier log: {text}" if text else "")) from None


def attach(cgroup_fd: int, prog_fd: int, flags: int = F_ALLOW_MULTI) -> None:
    try:
        _syscall(PROG_ATTACH, struct.pack("<IIII", cgroup_fd, prog_fd, ATTACH_CGROUP_DEVICE, flags))
    except OSError as exc:
        raise OSError(exc.errno, f"failed to call BPF_PROG_ATTACH (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI): {exc.strerror}") from None


def detach(cgroup_fd: int, prog_fd: int) -> None:
    try:
        _syscall(PROG_DETACH, struct.pack("<III", cgroup_fd, prog_fd, ATTACH_CGROUP_DEVICE))
    except OSError as exc:
        raise OSError(exc.errno, f"failed to call BPF_PROG_DETACH (BPF_CGROUP_DEVICE): {exc.strerror}") from None


def query(cgroup_fd: int, room: int = 64) -> list[int]:
    """Ids of the device programs attached to this cgroup itself (not inherited ones)."""
    ids = (ctypes.c_uint32 * room)()
    attr = struct.pack("<IIIIQI", cgroup_fd, ATTACH_CGROUP_DEVICE, 0, 0, ctypes.addressof(ids), room)
    _rc, out = _syscall(PROG_QUERY, attr)
    count = struct.unpack_from("<I", out, 24)[0]
    return list(ids)[: min(count, room)]


def prog_fd_by_id(prog_id: int) -> int:
    return _syscall(PROG_GET_FD_BY_ID, struct.pack("<I", prog_id))[0]
