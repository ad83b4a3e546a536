"""JSON shapes of Seccomp, Syscall and Arg (runc's integer actions and operators).

Known action/operator numbers come back as ``Action``/``Operator`` members; unknown ones
stay plain ints so that validation, not parsing, reports them with context.
"""

from libcontainer.configs.seccomp import Action, Arg, Operator, Seccomp, Syscall

from .base import U32, U64, ModelSchema, integer, nested_list, str_list, string


def _enum_or_int(enum_cls, value):
    try:
        return enum_cls(value)
    except ValueError:
        return value


class ArgSchema(ModelSchema):
    __model__ = Arg
    index = integer("index", U32)
    value = integer("value", U64)
    value_two = integer("value_two", U64)
    op = integer("op", U32)

    def _build(self, model, data):
        if "op" in data:
            data["op"] = _enum_or_int(Operator, data["op"])
        return model(**data)


class SyscallSchema(ModelSchema):
    __model__ = Syscall
    name = string("name")
    action = integer("action", U32)
    errno_ret = integer("errnoRet", U32)
    args = nested_list(ArgSchema, "args")

    def _build(self, model, data):
        if "action" in data:
            data["action"] = _enum_or_int(Action, data["action"])
        return model(**data)


class SeccompSchema(ModelSchema):
    __model__ = Seccomp
    default_action = integer("default_action", U32)
    architectures = str_list("architectures")
    flags = str_list("flags")
    syscalls = nested_list(SyscallSchema, "syscalls")
    default_errno_ret = integer("default_errno_ret", U32)
    listener_path = string("listener_path", omitempty=True)
    listener_metadata = string("listener_metadata", omitempty=True)

    def _build(self, model, data):
        if "default_action" in data:
            data["default_action"] = _enum_or_int(Action, data["default_action"])
        return model(**data)
