"""The rdma controller: one ``rdma.max`` line per HCA device."""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import fscommon as fs

CONTROLLER = "rdma"


def wanted(r) -> dict[str, str]:
    return {CONTROLLER: "cgroups.resources.rdma"} if getattr(r, "rdma", None) else {}


def line(device: str, limits) -> str:
    text = device
    if limits.hca_handles is not None:
        text += f" hca_handle={limits.hca_handles}"
    if limits.hca_objects is not None:
        text += f" hca_object={limits.hca_objects}"
    return text


def set(path: str, r) -> None:  # noqa: A001
    for device, limits in (getattr(r, "rdma", None) or {}).items():
        if not device or any(c.isspace() for c in device):
            raise ConfigError("cgroups.resources.rdma", "invalid rdma device name", device)
        for name in ("hca_handles", "hca_objects"):
            value = getattr(limits, name)
            if value is not None and value < 0:
                raise ConfigError(f"cgroups.resources.rdma[{device!r}].{name}", "cannot be negative", value)
    for device, limits in (getattr(r, "rdma", None) or {}).items():
        fs.write(path, "rdma.max", line(device, limits))


def _num(fields: dict, key: str) -> int:
    v = fields.get(key, "0")
    return fs.MAX_UINT64 if v == "max" else int(v)


def _entries(text: str):
    from libcontainer.cgroups.stats import RdmaEntry

    out = []
    for device, fields in fs.parse_nested_keyed(text).items():
        out.append(RdmaEntry(device=device, hca_handles=_num(fields, "hca_handle"), hca_objects=_num(fields, "hca_object")))
    return out


def stats(path: str, st) -> None:
    st.rdma_stats.rdma_limit = _entries(fs.read(path, "rdma.max"))
    st.rdma_stats.rdma_current = _entries(fs.read(path, "rdma.current"))
