"""JSON shape of LinuxPersonality."""

from libcontainer.configs.personality import LinuxPersonality

from .base import I64, ModelSchema, integer


class PersonalitySchema(ModelSchema):
    __model__ = LinuxPersonality
    domain = integer("domain", I64)
