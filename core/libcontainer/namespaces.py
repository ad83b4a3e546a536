"""Namespace handling on the runtime side: which to clone, which to join, in what order.

The type strings and flag values live with the config model (configs/namespace.py); this
module adds what only the runtime needs.
"""

from __future__ import annotations

from .configs.namespace import CLONE_FLAGS, NS_FILE_NAMES  # noqa: F401 - re-exported

# The order in which namespaces are joined by path: the user namespace first, so that the
# joins that follow are checked against the capabilities it grants; mnt last, because
# after it /proc/PID/ns/* paths of the host may no longer resolve.
JOIN_ORDER = ["NEWUSER", "NEWIPC", "NEWUTS", "NEWNET", "NEWPID", "NEWCGROUP", "NEWTIME", "NEWNS"]


def clone_flags(namespaces, *, exclude=("NEWCGROUP",)) -> int:
    """Flags for the namespaces that are created new (no path) at clone time.

    The cgroup namespace is left out on purpose: it must be unshared only after the
    parent has moved the child into its cgroups, or its root would be the runtime's cgroup.
    """
    flags = 0
    for ns in namespaces or ():
        if not ns.path and ns.type not in exclude:
            flags |= CLONE_FLAGS[ns.type]
    return flags


def find(namespaces, ns_type):
    """The namespace entry of ``ns_type`` in ``namespaces``, or None."""
    for ns in namespaces or ():
        if ns.type == ns_type:
            return ns
    return None
