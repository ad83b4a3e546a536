"""JSON shape of Capabilities; keys are Go's untagged field names ("Bounding"...)."""

from libcontainer.configs.capabilities import Capabilities

from .base import ModelSchema, str_list


class CapabilitiesSchema(ModelSchema):
    __model__ = Capabilities
    bounding = str_list("Bounding")
    effective = str_list("Effective")
    inheritable = str_list("Inheritable")
    permitted = str_list("Permitted")
    ambient = str_list("Ambient")
