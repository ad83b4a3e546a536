"""JSON shapes of DeviceRule and Device.

The device type is a Go rune, so runc writes its code point (99 for 'c'); loading also
takes the letter itself, which hand-written configs tend to use.
"""

from marshmallow import fields

from libcontainer.configs.device import Device, DeviceRule

from .base import I64, U32, ModelSchema, boolean, integer, string


class DeviceTypeField(fields.Field):
    default_error_messages = {"invalid": "Not a valid device type (a rune code or one letter)."}

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return ord(value) if isinstance(value, str) and value else value

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int):
            if not 0 < value < 0x110000:
                raise self.make_error("invalid")
            return chr(value)
        if isinstance(value, str) and len(value) == 1:
            return value
        raise self.make_error("invalid")


class DeviceRuleSchema(ModelSchema):
    __model__ = DeviceRule
    type = DeviceTypeField(data_key="type", allow_none=True)
    major = integer("major", I64)
    minor = integer("minor", I64)
    permissions = string("permissions")
    allow = boolean("allow")


class DeviceSchema(DeviceRuleSchema):
    __model__ = Device
    path = string("path")
    file_mode = integer("file_mode", U32)
    uid = integer("uid", U32)
    gid = integer("gid", U32)
