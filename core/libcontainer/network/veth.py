"""The ``veth`` network strategy (runc's ``veth``), over pyroute2.

``create(network, nspid)`` makes a veth pair whose host end is ``host_interface_name`` and
whose peer is born directly inside the container's network namespace (``IFLA_NET_NS_PID`` on
the peer), under a temporary name. Then, from a thread that joined that namespace (see
:mod:`libcontainer.network._netns`), the peer is renamed to ``network.name`` and gets its MAC,
MTU, IPv4/IPv6 addresses, is brought up, and gets the default routes via the gateways. The host
end is attached to ``network.bridge`` (if given; hairpin mode optional), gets the MTU and
is brought up.

Why the peer is created in place instead of "create on host, then move" as runc does: the
result is the same, but the temporary name never exists in the host namespace, so there is no
window in which it can collide with, or be seen by, anything on the host. The temporary name
keeps runc's rename step, which matters when ``network.name`` is already taken in the
container: that fails loudly instead of silently clobbering.

``detach(network)`` deletes the host end, which destroys the pair (runc only detaches it
from the bridge; deleting is what keeps the host clean once the container is gone).
If any step of ``create`` fails, the host end is deleted before the error propagates.
"""

from __future__ import annotations

import ipaddress
import os

from libcontainer.errors import ConfigError
from libcontainer.hookspecs import hookimpl

NAME = "veth"


def _get(network, field, default=None):
    value = getattr(network, field, default)
    return default if value is None else value


def _cidr(value: str, field: str):
    try:
        return ipaddress.ip_interface(value)
    except ValueError as exc:
        raise ConfigError(f"network.{field}", f"not an address in CIDR form: {exc}", value)


def _configure_peer(temp_name: str, network) -> None:
    """Runs inside the container's netns: rename, MAC, MTU, addresses, up, routes."""
    from pyroute2 import IPRoute

    name = _get(network, "name") or "eth0"
    with IPRoute() as ipr:
        found = ipr.link_lookup(ifname=temp_name)
        if not found:
            raise OSError(f"veth peer {temp_name!r} did not appear in the container namespace")
        idx = found[0]
        ipr.link("set", index=idx, state="down")
        ipr.link("set", index=idx, ifname=name)
        mac = _get(network, "mac_address")
        if mac:
            ipr.link("set", index=idx, address=mac)
        mtu = _get(network, "mtu", 0)
        if mtu:
            ipr.link("set", index=idx, mtu=int(mtu))
        for field in ("address", "ipv6_address"):
            value = _get(network, field)
            if value:
                iface = _cidr(value, field)
                ipr.addr(
                    "add", index=idx, address=str(iface.ip), prefixlen=iface.network.prefixlen
                )
        ipr.link("set", index=idx, state="up")
        for field, family in (("gateway", 2), ("ipv6_gateway", 10)):
            gateway = _get(network, field)
            if gateway:
                dst = "0.0.0.0/0" if family == 2 else "::/0"
                ipr.route("add", dst=dst, gateway=gateway, oif=idx, family=family)


class Veth:
    """runc's ``veth`` strategy: one veth pair per ``configs.Network``."""

    name = NAME

    def create(self, network, nspid: int) -> None:
        from pyroute2 import IPRoute

        from libcontainer.network._netns import run_in_netns

        host_name = _get(network, "host_interface_name")
        if not host_name:
            raise ConfigError("network.host_interface_name", "is required for a veth network")
        temp_name = "veth" + os.urandom(4).hex()[:7]  # runc: "veth" + 7 random characters
        with IPRoute() as ipr:
            add = {"ifname": host_name, "kind": "veth"}
            add["peer"] = {"ifname": temp_name, "net_ns_pid": int(nspid)}
            txqueuelen = _get(network, "txqueuelen", 0)
            if txqueuelen:
                add["txqlen"] = int(txqueuelen)
            ipr.link("add", **add)
            try:
                self._attach(ipr, network, host_name)
                run_in_netns(int(nspid), _configure_peer, temp_name, network)
            except BaseException:
                for idx in ipr.link_lookup(ifname=host_name):
                    ipr.link("del", index=idx)
                raise

    @staticmethod
    def _attach(ipr, network, host_name: str) -> None:
        """Host end: bridge master, MTU, hairpin, up (runc's ``veth.attach``)."""
        idx = ipr.link_lookup(ifname=host_name)[0]
        bridge = _get(network, "bridge")
        if bridge:
            found = ipr.link_lookup(ifname=bridge)
            if not found:
                raise ConfigError("network.bridge", "no such bridge on the host", bridge)
            ipr.link("set", index=idx, master=found[0])
        mtu = _get(network, "mtu", 0)
        if mtu:
            ipr.link("set", index=idx, mtu=int(mtu))
        if bridge and _get(network, "hairpin_mode", False):
            ipr.brport("set", index=idx, mode=1)
        ipr.link("set", index=idx, state="up")

    def initialize(self, network) -> None:
        """Nothing left to do inside the container: ``create`` configured the peer."""

    def detach(self, network) -> None:
        """Delete the host end (and so the pair); a missing host end is not an error."""
        from pyroute2 import IPRoute

        host_name = _get(network, "host_interface_name")
        if not host_name:
            return
        with IPRoute() as ipr:
            for idx in ipr.link_lookup(ifname=host_name):
                ipr.link("del", index=idx)


@hookimpl
def libcontainer_network_strategy(network_type):
    return Veth() if network_type == NAME else None
