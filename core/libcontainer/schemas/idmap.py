"""JSON shape of IDMap: ``{"container_id", "host_id", "size"}``."""

from libcontainer.configs.idmap import IDMap

from .base import I64, ModelSchema, integer


class IDMapSchema(ModelSchema):
    __model__ = IDMap
    container_id = integer("container_id", I64)
    host_id = integer("host_id", I64)
    size = integer("size", I64)
