"""JSON shape of Rlimit: the numeric type plus uint64 hard/soft."""

from libcontainer.configs.rlimit import Rlimit

from .base import I64, U64, ModelSchema, integer


class RlimitSchema(ModelSchema):
    __model__ = Rlimit
    type = integer("type", I64)
    hard = integer("hard", U64)
    soft = integer("soft", U64)
