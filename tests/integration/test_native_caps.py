"""libcontainer._nsenter capget / capset / cap_last_cap / prctl against the real kernel.

Child processes, mounts and the leak check come from ``native_helpers``.
"""

from __future__ import annotations

import errno
import os
import signal

import pytest
from native_helpers import (
    in_child,
    no_leaked_mounts,  # noqa: F401 - autouse fixture: importing activates it
    nse,
    status_field,
)

pytestmark = pytest.mark.integration

if os.geteuid() != 0:  # pragma: no cover - the suite is meant for a root VM
    pytest.skip("needs root", allow_module_level=True)


# -- capabilities ----------------------------------------------------------------------------------

def test_cap_last_cap_matches_proc():
    with open("/proc/sys/kernel/cap_last_cap") as f:
        assert nse.cap_last_cap() == int(f.read())


def _proc_caps(pid="self"):
    return tuple(int(status_field(k, pid), 16) for k in ("CapEff", "CapPrm", "CapInh"))


def test_capget_matches_proc_status():
    assert nse.capget() == _proc_caps()
    assert nse.capget(os.getpid()) == _proc_caps()
    assert nse.capget(1) == _proc_caps(1)


def test_capget_unknown_pid_is_esrch():
    with pytest.raises(ProcessLookupError):
        nse.capget(2**22 + 12345)  # above the maximum pid_max


def test_capset_drops_and_restores_effective_caps():
    admin = 1 << nse.CAP_SYS_ADMIN

    def child():
        eff, prm, inh = nse.capget()
        nse.capset(eff & ~admin, prm, inh)
        dropped = int(status_field("CapEff"), 16)
        try:
            nse.unshare(nse.CLONE_NEWUTS)
            denied = None
        except OSError as e:
            denied = e.errno
        nse.capset(eff, prm, inh)  # still permitted: can come back
        restored = int(status_field("CapEff"), 16)
        nse.capset(eff & ~admin, prm & ~admin, inh)
        try:
            nse.capset(eff, prm & ~admin, inh)  # effective must be a subset of permitted
            regain = None
        except OSError as e:
            regain = e.errno
        return eff, dropped, denied, restored, regain, int(status_field("CapPrm"), 16)

    eff, dropped, denied, restored, regain, prm_after = in_child(child)
    assert eff & admin, "test needs CAP_SYS_ADMIN"
    assert dropped == eff & ~admin and denied == errno.EPERM
    assert restored == eff
    assert regain == errno.EPERM and not prm_after & admin


# -- prctl -----------------------------------------------------------------------------------------

def test_prctl_no_new_privs():
    def child():
        before = nse.prctl(nse.PR_GET_NO_NEW_PRIVS)
        assert nse.prctl(nse.PR_SET_NO_NEW_PRIVS, 1) == 0
        return before, nse.prctl(nse.PR_GET_NO_NEW_PRIVS), status_field("NoNewPrivs")

    assert in_child(child) == (0, 1, "1")
    assert status_field("NoNewPrivs") == "0"


def test_prctl_string_and_buffer_arguments():
    def child():
        nse.prctl(nse.PR_SET_NAME, "lc-native")
        buf = bytearray(16)
        nse.prctl(nse.PR_GET_NAME, buf)
        with open("/proc/self/comm") as f:
            comm = f.read().strip()
        nse.prctl(nse.PR_SET_CHILD_SUBREAPER, 1)
        out = bytearray(4)
        nse.prctl(nse.PR_GET_CHILD_SUBREAPER, out)
        nse.prctl(nse.PR_SET_PDEATHSIG, signal.SIGKILL)
        sig = bytearray(4)
        nse.prctl(nse.PR_GET_PDEATHSIG, sig)
        return comm, bytes(buf).rstrip(b"\0"), int.from_bytes(out, "little"), int.from_bytes(sig, "little")

    assert in_child(child) == ("lc-native", b"lc-native", 1, signal.SIGKILL)


def test_prctl_bounding_set_ambient_dumpable_securebits():
    net_bind = nse.CAP_NET_BIND_SERVICE

    def child():
        r = {"bnd_before": nse.prctl(nse.PR_CAPBSET_READ, nse.CAP_SYS_ADMIN)}
        nse.prctl(nse.PR_CAPBSET_DROP, nse.CAP_SYS_ADMIN)
        r["bnd_after"] = nse.prctl(nse.PR_CAPBSET_READ, nse.CAP_SYS_ADMIN)
        r["capbnd"] = int(status_field("CapBnd"), 16)
        eff, prm, inh = nse.capget()
        nse.capset(eff, prm, inh | (1 << net_bind))  # ambient needs permitted & inheritable
        nse.prctl(nse.PR_CAP_AMBIENT, nse.PR_CAP_AMBIENT_RAISE, net_bind)
        r["amb"] = nse.prctl(nse.PR_CAP_AMBIENT, nse.PR_CAP_AMBIENT_IS_SET, net_bind)
        r["capamb"] = int(status_field("CapAmb"), 16)
        nse.prctl(nse.PR_CAP_AMBIENT, nse.PR_CAP_AMBIENT_CLEAR_ALL)
        r["amb_cleared"] = nse.prctl(nse.PR_CAP_AMBIENT, nse.PR_CAP_AMBIENT_IS_SET, net_bind)
        nse.prctl(nse.PR_SET_DUMPABLE, 0)
        r["dumpable"] = nse.prctl(nse.PR_GET_DUMPABLE)
        nse.prctl(nse.PR_SET_SECUREBITS, nse.SECBIT_KEEP_CAPS)
        r["securebits"] = nse.prctl(nse.PR_GET_SECUREBITS)
        return r

    r = in_child(child)
    assert (r["bnd_before"], r["bnd_after"]) == (1, 0)
    assert not r["capbnd"] & (1 << nse.CAP_SYS_ADMIN)
    assert r["amb"] == 1 and r["capamb"] == 1 << net_bind and r["amb_cleared"] == 0
    assert r["dumpable"] == 0 and r["securebits"] == nse.SECBIT_KEEP_CAPS


def test_prctl_invalid_option_is_einval():
    with pytest.raises(OSError) as ei:
        nse.prctl(0x7FFF_FFFF)
    assert ei.value.errno == errno.EINVAL
