"""JSON shapes of Mount and its mount_setattr/idmap parts.

``rec_attr`` is Go's untagged ``unix.MountAttr``, hence the odd capitalised keys.
"""

from libcontainer.configs.mount import Mount, MountAttr, MountIDMapping

from .base import I64, U64, ModelSchema, boolean, int_list, integer, nested, nested_list, string
from .idmap import IDMapSchema


class MountAttrSchema(ModelSchema):
    __model__ = MountAttr
    attr_set = integer("Attr_set", U64)
    attr_clr = integer("Attr_clr", U64)
    propagation = integer("Propagation", U64)
    userns_fd = integer("Userns_fd", U64)


class MountIDMappingSchema(ModelSchema):
    __model__ = MountIDMapping
    recursive = boolean("recursive", omitempty=True)
    userns_path = string("userns_path", omitempty=True)
    uid_mappings = nested_list(IDMapSchema, "uid_mappings", omitempty=True)
    gid_mappings = nested_list(IDMapSchema, "gid_mappings", omitempty=True)


class MountSchema(ModelSchema):
    __model__ = Mount
    source = string("source")
    destination = string("destination")
    device = string("device")
    flags = integer("flags", I64, omitempty=True)
    cleared_flags = integer("cleared_flags", I64, omitempty=True)
    propagation_flags = int_list("propagation_flags", I64, omitempty=True)
    data = string("data", omitempty=True)
    relabel = string("relabel", omitempty=True)
    rec_attr = nested(MountAttrSchema, "rec_attr", omitempty=True)
    extensions = integer("extensions", I64, omitempty=True)
    id_mapping = nested(MountIDMappingSchema, "id_mapping", omitempty=True)
