"""Network interfaces and routes runc itself sets up (loopback, veth)."""

from __future__ import annotations

from ..record import record


@record
class Network:
    #: Strategy name resolved through the network plugins ("loopback", "veth"...).
    type: str = ""
    name: str = ""
    bridge: str = ""
    mac_address: str = ""
    address: str = ""
    gateway: str = ""
    ipv6_address: str = ""
    ipv6_gateway: str = ""
    mtu: int = 0
    txqueuelen: int = 0
    host_interface_name: str = ""
    hairpin_mode: bool = False


@record
class Route:
    destination: str = ""
    source: str = ""
    gateway: str = ""
    interface_name: str = ""
