"""JSON shapes of Cgroup and Resources.

runc embeds ``*Resources`` in ``Cgroup``, so on the wire the resource keys sit directly in
the ``cgroups`` object. The Cgroup schema gathers them into ``resources`` before loading
and spreads them back out after dumping; a nested ``"resources"`` object is also taken,
for hand-written configs.
"""

from marshmallow import post_dump, pre_load

from libcontainer.configs.cgroup import (
    Cgroup,
    HugepageLimit,
    IfPrioMap,
    LinuxRdma,
    Resources,
    ThrottleDevice,
    WeightDevice,
)

from .base import (
    I64,
    U16,
    U32,
    U64,
    ModelSchema,
    boolean,
    integer,
    nested,
    nested_list,
    nested_map,
    str_map,
    string,
)
from .device import DeviceRuleSchema


class WeightDeviceSchema(ModelSchema):
    __model__ = WeightDevice
    major = integer("major", I64)
    minor = integer("minor", I64)
    weight = integer("weight", U16)
    leaf_weight = integer("leafWeight", U16)


class ThrottleDeviceSchema(ModelSchema):
    __model__ = ThrottleDevice
    major = integer("major", I64)
    minor = integer("minor", I64)
    rate = integer("rate", U64)


class HugepageLimitSchema(ModelSchema):
    __model__ = HugepageLimit
    pagesize = string("page_size")
    limit = integer("limit", U64)


class IfPrioMapSchema(ModelSchema):
    __model__ = IfPrioMap
    interface = string("interface")
    priority = integer("priority", U32)


class LinuxRdmaSchema(ModelSchema):
    __model__ = LinuxRdma
    hca_handles = integer("hca_handles", U32, omitempty=True)
    hca_objects = integer("hca_objects", U32, omitempty=True)


def _i(key, bounds=I64):
    return integer(key, bounds, omitempty=True)


class ResourcesSchema(ModelSchema):
    __model__ = Resources
    #: Its keys live in the parent object on the wire (see module docstring).
    __flattened__ = True

    devices = nested_list(DeviceRuleSchema, "devices", omitempty=True)
    memory = _i("memory")
    memory_reservation = _i("memory_reservation")
    memory_swap = _i("memory_swap")
    kernel_memory = _i("kernel_memory")
    kernel_memory_tcp = _i("kernel_memory_tcp")
    memory_swappiness = _i("memory_swappiness", U64)
    oom_kill_disable = boolean("oom_kill_disable", omitempty=True)
    memory_check_before_update = boolean("memory_check_before_update", omitempty=True)
    cpu_shares = _i("cpu_shares", U64)
    cpu_quota = _i("cpu_quota")
    cpu_burst = _i("cpu_burst", U64)
    cpu_period = _i("cpu_period", U64)
    cpu_rt_runtime = _i("cpu_rt_quota")
    cpu_rt_period = _i("cpu_rt_period", U64)
    cpuset_cpus = string("cpuset_cpus", omitempty=True)
    cpuset_mems = string("cpuset_mems", omitempty=True)
    cpu_idle = _i("cpu_idle")
    cpu_weight = _i("cpu_weight", U64)
    pids_limit = _i("pids_limit")
    blkio_weight = _i("blkio_weight", U16)
    blkio_leaf_weight = _i("blkio_leaf_weight", U16)
    blkio_weight_device = nested_list(WeightDeviceSchema, "blkio_weight_device", True)
    blkio_throttle_read_bps_device = nested_list(
        ThrottleDeviceSchema, "blkio_throttle_read_bps_device", True
    )
    blkio_throttle_write_bps_device = nested_list(
        ThrottleDeviceSchema, "blkio_throttle_write_bps_device", True
    )
    blkio_throttle_read_iops_device = nested_list(
        ThrottleDeviceSchema, "blkio_throttle_read_iops_device", True
    )
    blkio_throttle_write_iops_device = nested_list(
        ThrottleDeviceSchema, "blkio_throttle_write_iops_device", True
    )
    freezer = string("freezer", omitempty=True)
    hugetlb_limit = nested_list(HugepageLimitSchema, "hugetlb_limit", True)
    net_prio_ifpriomap = nested_list(IfPrioMapSchema, "net_prio_ifpriomap", True)
    net_cls_classid = _i("net_cls_classid_u", U32)
    rdma = nested_map(LinuxRdmaSchema, "rdma", omitempty=True)
    unified = str_map("unified", omitempty=True)


_RESOURCE_KEYS: frozenset[str] | None = None


def resource_keys() -> frozenset[str]:
    """JSON keys that belong to Resources (computed once from the schema)."""
    global _RESOURCE_KEYS
    if _RESOURCE_KEYS is None:
        schema = ResourcesSchema()
        _RESOURCE_KEYS = frozenset(f.data_key or n for n, f in schema.fields.items())
    return _RESOURCE_KEYS


class CgroupSchema(ModelSchema):
    __model__ = Cgroup
    name = string("name", omitempty=True)
    parent = string("parent", omitempty=True)
    path = string("path", omitempty=True)
    scope_prefix = string("scope_prefix", omitempty=True)
    resources = nested(ResourcesSchema, "resources")
    systemd = boolean("Systemd", omitempty=True)
    rootless = boolean("Rootless", omitempty=True)
    owner_uid = integer("owner_uid", I64, omitempty=True)
    paths = str_map("Paths", omitempty=True)

    @pre_load
    def _gather_resources(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        keys = resource_keys()
        flat = {k: v for k, v in data.items() if k in keys}
        rest = {k: v for k, v in data.items() if k not in keys}
        explicit = rest.get("resources")
        if isinstance(explicit, dict):
            flat = {**explicit, **flat}
        elif explicit is not None:
            return data  # let the nested field report the bad shape
        rest["resources"] = flat
        return rest

    @post_dump
    def _spread_resources(self, data, **kwargs):
        resources = data.pop("resources", None) or {}
        data.update(resources)
        return data
