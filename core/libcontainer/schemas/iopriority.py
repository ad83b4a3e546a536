"""JSON shape of IOPriority (``{"class": ..., "priority": ...}``)."""

from libcontainer.configs.iopriority import IOPriority

from .base import I64, ModelSchema, integer, string


class IOPrioritySchema(ModelSchema):
    __model__ = IOPriority
    class_ = string("class")
    priority = integer("priority", I64)
