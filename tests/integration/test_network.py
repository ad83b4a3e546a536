"""The loopback and veth strategies against the real kernel, in namespaces the test creates.

Nothing here touches the host's network: the loopback test works on a netns owned by an
``unshare --net sleep`` process; the veth test runs entirely inside a forked child that first
unshares its own network namespace (so the "host" end lives there too) and gives the
"container" a further namespace. Everything dies with those processes, and they are killed in
``finally`` blocks, so a failing assertion leaves nothing behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
import time
import traceback
import types

import pytest

from libcontainer import plugins
from libcontainer.network import _netns

pytestmark = pytest.mark.integration

if os.geteuid() != 0 or not shutil.which("unshare"):
    pytest.skip("needs root and util-linux unshare", allow_module_level=True)


def _netns_of(pid) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def start_netns_holder() -> subprocess.Popen:
    """A process sitting in a brand-new network namespace."""
    mine = _netns_of("self")
    proc = subprocess.Popen(["unshare", "--net", "sleep", "60"])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if _netns_of(proc.pid) != mine:
                return proc
        except FileNotFoundError:
            break
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    raise RuntimeError("unshare --net did not produce a new network namespace")


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


@pytest.fixture
def holder():
    proc = start_netns_holder()
    yield proc
    stop(proc)


def test_loopback_brings_lo_up(holder):
    strategy = plugins.network_strategy("loopback")
    assert not _netns.run_in_netns(holder.pid, _netns.link_flags, "lo") & _netns.IFF_UP
    strategy.create(types.SimpleNamespace(type="loopback"), holder.pid)
    assert _netns.run_in_netns(holder.pid, _netns.link_flags, "lo") & _netns.IFF_UP
    if shutil.which("nsenter") and shutil.which("ip"):  # second opinion from iproute2
        out = subprocess.run(
            ["nsenter", f"--net=/proc/{holder.pid}/ns/net", "ip", "-o", "link", "show", "lo"],
            check=True, capture_output=True, text=True,
        ).stdout
        assert ",UP" in out
    strategy.create(types.SimpleNamespace(type="loopback"), holder.pid)  # idempotent
    strategy.detach(types.SimpleNamespace(type="loopback"))
    # our own namespace was never changed
    assert _netns_of("self") != _netns_of(holder.pid)


def _veth_scenario() -> dict:
    """Runs in the forked child, already alone in its own network namespace."""
    import socket

    from pyroute2 import IPRoute

    facts: dict = {}
    container = start_netns_holder()
    try:
        with IPRoute() as ipr:
            ipr.link("add", ifname="lcbr0", kind="bridge")
            br = ipr.link_lookup(ifname="lcbr0")[0]
            ipr.addr("add", index=br, address="10.200.0.1", prefixlen=24)
            ipr.link("set", index=br, state="up")
        network = types.SimpleNamespace(
            type="veth", name="eth1", bridge="lcbr0", mac_address="02:42:0a:c8:00:02",
            address="10.200.0.2/24", gateway="10.200.0.1", ipv6_address="", ipv6_gateway="",
            mtu=1400, txqueuelen=500, host_interface_name="lcveth0", hairpin_mode=True,
        )
        strategy = plugins.network_strategy("veth")
        strategy.create(network, container.pid)
        strategy.initialize(network)

        with IPRoute() as ipr:
            host = ipr.get_links(ipr.link_lookup(ifname="lcveth0")[0])[0]
            facts["host_master"] = host.get_attr("IFLA_MASTER") == br
            facts["host_mtu"] = host.get_attr("IFLA_MTU")
            facts["host_up"] = bool(host["flags"] & 1)
            facts["host_txqlen"] = host.get_attr("IFLA_TXQLEN")

        def inside():
            with IPRoute() as ipr:
                found = ipr.link_lookup(ifname="eth1")
                link = ipr.get_links(found[0])[0]
                addrs = [(a.get_attr("IFA_ADDRESS"), a["prefixlen"])
                         for a in ipr.get_addr(index=found[0], family=socket.AF_INET)]
                routes = [r.get_attr("RTA_GATEWAY") for r in ipr.get_routes(family=socket.AF_INET)
                          if r["dst_len"] == 0]
                return {"mac": link.get_attr("IFLA_ADDRESS"), "mtu": link.get_attr("IFLA_MTU"),
                        "up": bool(link["flags"] & 1), "addrs": addrs, "gateways": routes,
                        "temp_left": [ln.get_attr("IFLA_IFNAME") for ln in ipr.get_links()
                                      if ln.get_attr("IFLA_IFNAME").startswith("veth")]}

        facts["inside"] = _netns.run_in_netns(container.pid, inside)

        # A real packet path: connect from the container to a listener on the bridge.
        listener = socket.create_server(("10.200.0.1", 0))
        port = listener.getsockname()[1]

        def connect():
            with socket.create_connection(("10.200.0.1", port), timeout=5) as s:
                return s.getsockname()[0]

        facts["peer_source"] = _netns.run_in_netns(container.pid, connect)
        listener.close()

        strategy.detach(network)
        with IPRoute() as ipr:
            facts["host_left"] = ipr.link_lookup(ifname="lcveth0")
        facts["inside_left"] = _netns.run_in_netns(
            container.pid, lambda: IPRoute().link_lookup(ifname="eth1"))
        strategy.detach(network)  # a second detach is harmless
    finally:
        stop(container)
    return facts


def test_veth_between_test_namespaces():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        code = 1
        try:
            os.close(read)
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            if libc.unshare(_netns.CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
            result = {"facts": _veth_scenario()}
            code = 0
        except BaseException:
            result = {"error": traceback.format_exc()}
        with os.fdopen(write, "w") as out:
            json.dump(result, out)
        os._exit(code)
    os.close(write)
    try:
        with os.fdopen(read) as inp:
            result = json.loads(inp.read() or '{"error": "child died silently"}')
    finally:
        os.waitpid(pid, 0)
    assert "error" not in result, result["error"]
    facts = result["facts"]
    assert facts["host_master"] and facts["host_up"]
    assert facts["host_mtu"] == 1400 and facts["host_txqlen"] == 500
    inside = facts["inside"]
    assert inside["mac"] == "02:42:0a:c8:00:02"
    assert inside["mtu"] == 1400 and inside["up"]
    assert ["10.200.0.2", 24] in inside["addrs"]
    assert inside["gateways"] == ["10.200.0.1"]
    assert inside["temp_left"] == []
    assert facts["peer_source"] == "10.200.0.2"
    assert facts["host_left"] == [] and facts["inside_left"] == []


def test_veth_requires_host_interface_name(holder):
    from libcontainer.errors import ConfigError

    with pytest.raises(ConfigError, match="host_interface_name"):
        plugins.network_strategy("veth").create(
            types.SimpleNamespace(type="veth", name="eth0", host_interface_name=""), holder.pid)
