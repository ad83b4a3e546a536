"""Namespaces the container creates (empty ``path``) or joins (``path`` set).

Types are runc's strings, not the OCI ones ("network", "mount"...): state.json written by
runc carries these, and specconv does the translation.
"""

from __future__ import annotations

from ..record import record

TYPE_CHECKING = False  # annotations only: collections.abc costs a fresh process 5 modules
if TYPE_CHECKING:
    from collections.abc import Iterable

NEWNET = "NEWNET"
NEWPID = "NEWPID"
NEWNS = "NEWNS"
NEWUTS = "NEWUTS"
NEWIPC = "NEWIPC"
NEWUSER = "NEWUSER"
NEWCGROUP = "NEWCGROUP"
NEWTIME = "NEWTIME"

#: Creation/join order: the user namespace must come first so that the others are owned
#: by it (same order as runc's ``NamespaceTypes``).
NAMESPACE_TYPES: tuple[str, ...] = (
    NEWUSER,
    NEWIPC,
    NEWUTS,
    NEWNET,
    NEWPID,
    NEWNS,
    NEWCGROUP,
    NEWTIME,
)

#: runc type -> file name under /proc/<pid>/ns/.
NS_FILE_NAMES: dict[str, str] = {
    NEWNET: "net",
    NEWNS: "mnt",
    NEWPID: "pid",
    NEWIPC: "ipc",
    NEWUSER: "user",
    NEWUTS: "uts",
    NEWCGROUP: "cgroup",
    NEWTIME: "time",
}

#: runc type -> CLONE_NEW* flag (kept here so the config layer needs no native module).
CLONE_FLAGS: dict[str, int] = {
    NEWNS: 0x00020000,
    NEWCGROUP: 0x02000000,
    NEWUTS: 0x04000000,
    NEWIPC: 0x08000000,
    NEWUSER: 0x10000000,
    NEWPID: 0x20000000,
    NEWNET: 0x40000000,
    NEWTIME: 0x00000080,
}


def ns_name(ns_type: str) -> str:
    """The /proc/<pid>/ns/ file name for a runc namespace type ("" if unknown)."""
    return NS_FILE_NAMES.get(ns_type, "")


def is_namespace_supported(ns_type: str) -> bool:
    """True when the running kernel exposes this namespace kind at all."""
    import os

    name = ns_name(ns_type)
    return bool(name) and os.path.exists(f"/proc/self/ns/{name}")


@record
class Namespace:
    type: str = ""
    path: str = ""

    def get_path(self, pid: int) -> str:
        """Where this namespace of process ``pid`` can be opened for setns(2)."""
        return f"/proc/{pid}/ns/{ns_name(self.type)}"


def _index(namespaces: Iterable[Namespace], ns_type: str) -> int:
    for i, ns in enumerate(namespaces):
        if ns.type == ns_type:
            return i
    return -1


def contains(namespaces: Iterable[Namespace], ns_type: str) -> bool:
    """Works on any list of Namespace, so callers need not care about the list's class."""
    return _index(namespaces, ns_type) != -1


def path_of(namespaces: Iterable[Namespace], ns_type: str) -> str:
    """Join path of ``ns_type``, or "" when it is created fresh or not listed at all."""
    for ns in namespaces:
        if ns.type == ns_type:
            return ns.path
    return ""


def clone_flags(namespaces: Iterable[Namespace]) -> int:
    """CLONE_NEW* flags for the namespaces that are created rather than joined."""
    flags = 0
    for ns in namespaces:
        if not ns.path:
            flags |= CLONE_FLAGS.get(ns.type, 0)
    return flags


class Namespaces(list):
    """A ``list[Namespace]`` with runc's helper methods; plain lists work everywhere too."""

    def contains(self, ns_type: str) -> bool:
        return contains(self, ns_type)

    def path_of(self, ns_type: str) -> str:
        return path_of(self, ns_type)

    def add(self, ns_type: str, path: str = "") -> None:
        """Add, or replace the path of an existing entry (a type appears at most once)."""
        i = _index(self, ns_type)
        if i == -1:
            self.append(Namespace(ns_type, path))
        else:
            self[i].path = path

    def remove_type(self, ns_type: str) -> bool:
        i = _index(self, ns_type)
        if i == -1:
            return False
        del self[i]
        return True

    def clone_flags(self) -> int:
        return clone_flags(self)
