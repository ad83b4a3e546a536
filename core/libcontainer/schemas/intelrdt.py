"""JSON shape of IntelRdt (runc's mixed camelCase/snake_case keys)."""

from libcontainer.configs.intelrdt import IntelRdt

from .base import ModelSchema, boolean, str_list, string


class IntelRdtSchema(ModelSchema):
    __model__ = IntelRdt
    clos_id = string("closID", omitempty=True)
    schemata = str_list("schemata", omitempty=True)
    l3_cache_schema = string("l3_cache_schema", omitempty=True)
    mem_bw_schema = string("memBwSchema", omitempty=True)
    enable_monitoring = boolean("enableMonitoring", omitempty=True)
