"""libcontainer._nsenter sethostname / setdomainname in a new UTS namespace, against the real kernel.

Child processes, mounts and the leak check come from ``native_helpers``.
"""

from __future__ import annotations

import errno
import os
import socket

import pytest
from native_helpers import (
    in_child,
    no_leaked_mounts,  # noqa: F401 - autouse fixture: importing activates it
    ns_ino,
    nse,
)

pytestmark = pytest.mark.integration

if os.geteuid() != 0:  # pragma: no cover - the suite is meant for a root VM
    pytest.skip("needs root", allow_module_level=True)


# -- unshare / sethostname / setdomainname / setns --------------------------------------------------

def test_unshare_uts_then_sethostname_and_setdomainname():
    parent_ino, parent_host = ns_ino("uts"), socket.gethostname()
    with open("/proc/sys/kernel/domainname") as f:
        parent_domain = f.read()

    def child():
        nse.unshare(nse.CLONE_NEWUTS)
        nse.sethostname("lc-native-test")
        nse.setdomainname(b"lc-native-domain")
        with open("/proc/sys/kernel/domainname") as f:
            return ns_ino("uts"), os.uname().nodename, f.read().strip()

    ino, host, domain = in_child(child)
    assert ino != parent_ino
    assert (host, domain) == ("lc-native-test", "lc-native-domain")
    assert socket.gethostname() == parent_host  # the host is untouched
    with open("/proc/sys/kernel/domainname") as f:
        assert f.read() == parent_domain


def test_sethostname_too_long_is_einval():
    def child():
        nse.unshare(nse.CLONE_NEWUTS)
        nse.sethostname("x" * 65)

    with pytest.raises(OSError) as ei:
        in_child(child)
    assert ei.value.errno == errno.EINVAL
