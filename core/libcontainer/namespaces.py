"""Namespace handling on the runtime side: which to clone, which to join, in what order.

The type strings and flag values live with the config model (configs/namespace.py); this
module adds what only the runtime needs.

Two ways to start the init:

- the common one: one clone with every CLONE_NEW* flag, so the child is PID 1 at once;
- the *staged* one (runc's nsexec stages), used only when a namespace is joined by path or
  a time namespace is asked for. A new namespace created by that same clone would be owned
  by the wrong user namespace (the host's, not the joined one), a PID namespace can only be
  joined or unshared for the caller's *children*, and a time namespace's offsets must be
  written before any process is in it. So the child is cloned without flags, joins by path,
  unshares what is new, writes the time offsets, and forks the real init with CLONE_PARENT
  (so it is the runtime's child, as the fast path's init is); then it exits.
"""

from __future__ import annotations

import os

from .configs.namespace import CLONE_FLAGS, NS_FILE_NAMES  # noqa: F401 - re-exported

CLONE_PARENT = 0x00008000

# The order in which namespaces are joined by path: the user namespace first, so that the
# joins that follow are checked against the capabilities it grants; mnt last, because
# after it /proc/PID/ns/* paths of the host may no longer resolve.
JOIN_ORDER = ["NEWUSER", "NEWIPC", "NEWUTS", "NEWNET", "NEWPID", "NEWCGROUP", "NEWTIME", "NEWNS"]


def needs_staging(namespaces) -> bool:
    """True when the init cannot come from a single clone (see the module docstring)."""
    return any(n.path or n.type == "NEWTIME" for n in namespaces or ())


def clone_flags(namespaces, *, exclude=("NEWCGROUP",)) -> int:
    """Flags for the namespaces that are created new (no path) at clone time.

    The cgroup namespace is left out on purpose: it must be unshared only after the
    parent has moved the child into its cgroups, or its root would be the runtime's cgroup.
    A staged start clones with no flags at all: the child unshares after its joins.
    """
    if needs_staging(namespaces):
        return 0
    return new_flags(namespaces, exclude=exclude)


def new_flags(namespaces, *, exclude=()) -> int:
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


def settle_init(chan, config, pid: int) -> int:
    """Parent side, right after the clone: the init's final PID, its id maps written.

    Common path: writes the maps of a new user namespace and returns ``pid``. Staged path:
    answers the child's map request, then takes the PID of the real init the child forked
    and reaps the child. On error the caller kills ``pid`` (the staging child).
    """
    from . import userns

    user = find(config.namespaces, "NEWUSER")
    if not needs_staging(config.namespaces):
        if user is not None and not user.path:
            userns.write_maps(pid, config)
        return pid
    while True:
        msg = chan.recv()
        if msg is None:
            from .init.sync import SyncError

            raise SyncError("container init closed the channel while it set up namespaces")
        kind = msg.get("type")
        if kind == "usermap":
            userns.write_maps(pid, config)
            chan.send("usermap-done")
        elif kind == "pid":
            init_pid = int(msg["pid"])
            _reap(pid)
            return init_pid
        else:
            from .init.sync import SyncError

            raise SyncError(msg.get("message") or f"unexpected message {kind!r} while setting up namespaces")


def _reap(pid: int) -> None:
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except InterruptedError:
            continue
        except ChildProcessError:
            return
