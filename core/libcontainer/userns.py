"""User namespaces: the uid/gid maps the parent writes for a child that waits for them.

The child cannot write its own maps with more than one line (or map ids other than its
own): only the parent, privileged in the user namespace above, can. So the child stops
until the parent has written them, and only then becomes root in its namespace.
"""

from __future__ import annotations


def running_in_user_ns() -> bool:
    """True unless we are in the initial user namespace (whose uid_map is the identity)."""
    try:
        with open("/proc/self/uid_map") as f:
            fields = f.read().split()
    except OSError:
        return False
    return fields[:3] != ["0", "0", "4294967295"]


def _write(pid: int, name: str, text: str) -> None:
    try:
        with open(f"/proc/{pid}/{name}", "w") as f:
            f.write(text)
    except OSError as e:
        raise OSError(e.errno, f"failed to update /proc/{pid}/{name}: {e.strerror}") from None


def _write_id_map(pid: int, kind: str, mappings) -> None:
    if not mappings:
        return
    _write(pid, kind, "".join(f"{m.container_id} {m.host_id} {m.size}\n" for m in mappings))


def write_maps(pid: int, config) -> None:
    """Write uid_map and gid_map of ``pid`` (which must not have gone on yet).

    As runc: a rootless runtime (no CAP_SETGID above) must deny setgroups(2) before it may
    write gid_map; a privileged one leaves setgroups allowed, so the init can set the
    process's supplementary groups.
    """
    if getattr(config, "rootless_euid", False) and config.gid_mappings:
        _write(pid, "setgroups", "deny")
    _write_id_map(pid, "uid_map", config.uid_mappings)
    _write_id_map(pid, "gid_map", config.gid_mappings)


def setgroups_allowed() -> bool:
    """False when our user namespace denies setgroups(2) (runc then skips the groups)."""
    try:
        with open("/proc/self/setgroups") as f:
            return f.read().strip() != "deny"
    except OSError:
        return True
