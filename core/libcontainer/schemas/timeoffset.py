"""JSON shape of one time-namespace clock offset."""

from libcontainer.configs.timeoffset import TimeOffset

from .base import I64, U32, ModelSchema, integer


class TimeOffsetSchema(ModelSchema):
    __model__ = TimeOffset
    secs = integer("secs", I64, omitempty=True)
    nanosecs = integer("nanosecs", U32, omitempty=True)
