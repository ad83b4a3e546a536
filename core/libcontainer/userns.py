"""User namespaces: the uid/gid maps the parent writes for a child that waits for them."""

from __future__ import annotations


def _write_id_map(pid: int, kind: str, mappings) -> None:
    if not mappings:
        return
    text = "".join(f"{m.container_id} {m.host_id} {m.size}\n" for m in mappings)
    with open(f"/proc/{pid}/{kind}", "w") as f:
        f.write(text)


def write_maps(pid: int, config) -> None:
    """Write uid_map and gid_map of ``pid`` (which must not have gone on yet)."""
    _write_id_map(pid, "uid_map", config.uid_mappings)
    _write_id_map(pid, "gid_map", config.gid_mappings)
