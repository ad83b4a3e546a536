"""JSON shape of Scheduler (the OCI ``LinuxScheduler`` object runc embeds as-is)."""

from libcontainer.configs.scheduler import Scheduler

from .base import I32, U64, ModelSchema, integer, str_list, string


class SchedulerSchema(ModelSchema):
    __model__ = Scheduler
    policy = string("policy")
    nice = integer("nice", I32, omitempty=True)
    priority = integer("priority", I32, omitempty=True)
    flags = str_list("flags", omitempty=True)
    runtime = integer("runtime", U64, omitempty=True)
    deadline = integer("deadline", U64, omitempty=True)
    period = integer("period", U64, omitempty=True)
