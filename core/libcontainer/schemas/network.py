"""JSON shapes of Network and Route."""

from libcontainer.configs.network import Network, Route

from .base import I64, ModelSchema, boolean, integer, string


class NetworkSchema(ModelSchema):
    __model__ = Network
    type = string("type")
    name = string("name", omitempty=True)
    bridge = string("bridge", omitempty=True)
    mac_address = string("mac_address", omitempty=True)
    address = string("address", omitempty=True)
    gateway = string("gateway", omitempty=True)
    ipv6_address = string("ipv6_address", omitempty=True)
    ipv6_gateway = string("ipv6_gateway", omitempty=True)
    mtu = integer("mtu", I64, omitempty=True)
    txqueuelen = integer("txqueuelen", I64, omitempty=True)
    host_interface_name = string("host_interface_name", omitempty=True)
    hairpin_mode = boolean("hairpin_mode", omitempty=True)


class RouteSchema(ModelSchema):
    __model__ = Route
    destination = string("destination", omitempty=True)
    source = string("source", omitempty=True)
    gateway = string("gateway", omitempty=True)
    interface_name = string("interface_name", omitempty=True)
