"""JSON shapes of Hooks and Command.

The hooks object is keyed by the OCI hook names ("createRuntime"...). Command.timeout is
Go's ``*time.Duration``, i.e. integer nanoseconds on the wire and seconds in Python.
Non-Command hooks (in-process callables) are skipped on dump, as runc does.
"""

from marshmallow import fields, pre_dump

from libcontainer.configs.hooks import HOOK_NAMES, Command, Hooks

from .base import ModelSchema, nested_list, str_list, string

_NS_PER_SECOND = 1_000_000_000


class DurationField(fields.Field):
    default_error_messages = {"invalid": "Not a valid duration (integer nanoseconds)."}

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return int(round(value * _NS_PER_SECOND))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value / _NS_PER_SECOND


class CommandSchema(ModelSchema):
    __model__ = Command
    path = string("path")
    args = str_list("args")
    env = str_list("env")
    dir = string("dir")
    timeout = DurationField(data_key="timeout", allow_none=True)


class HooksSchema(ModelSchema):
    __model__ = Hooks
    prestart = nested_list(CommandSchema, "prestart", omitempty=True)
    create_runtime = nested_list(CommandSchema, "createRuntime", omitempty=True)
    create_container = nested_list(CommandSchema, "createContainer", omitempty=True)
    start_container = nested_list(CommandSchema, "startContainer", omitempty=True)
    poststart = nested_list(CommandSchema, "poststart", omitempty=True)
    poststop = nested_list(CommandSchema, "poststop", omitempty=True)

    @pre_dump
    def _only_commands(self, hooks, **kwargs):
        return Hooks(
            **{
                attr: [h for h in getattr(hooks, attr) if isinstance(h, Command)]
                for attr in HOOK_NAMES.values()
            }
        )
