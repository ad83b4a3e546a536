"""User-namespace ID mappings (one line of /proc/<pid>/uid_map or gid_map)."""

from __future__ import annotations

from ..record import record


@record
class IDMap:
    """``container_id`` .. ``container_id + size - 1`` maps onto ``host_id`` onwards."""

    container_id: int = 0
    host_id: int = 0
    size: int = 0

    def contains(self, container_id: int) -> bool:
        return self.container_id <= container_id < self.container_id + self.size


def host_id_from_mappings(container_id: int, mappings: list[IDMap]) -> int | None:
    """Translate a container ID to the host; ``None`` when no mapping covers it."""
    for m in mappings:
        if m.contains(container_id):
            return m.host_id + (container_id - m.container_id)
    return None
