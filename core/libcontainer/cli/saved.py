"""Cheap access to a container from its state.json alone: no marshmallow, pluggy, stevedore.

`pyrunc state`, `list`, `kill`, `start` and `ps` run thousands of times under an engine;
`Factory.load` rebuilds the whole Config through the marshmallow schemas and asks the
plugin layer for a cgroup manager, ~150 ms that these commands do not need. Here the
container is built from the saved dict with a *light* Config (only what the lifecycle
reads: rootfs, labels, version, cgroup placement) and a read-only view of the saved
cgroup paths that answers "is it frozen" and "which pids" straight from cgroupfs.

A light container must never be saved (its Config is partial): it is used only for
commands that do not write state.json. When the saved config has hooks, callers take
the full `Factory.load` path, because the lifecycle runs those hooks from the Config.
"""

from __future__ import annotations

import os

from libcontainer import state as st
from libcontainer.errors import ContainerNotExists

_HOOK_KEYS = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")
#: cgroups.manager.FreezerState's values: that StrEnum compares equal to them, and
#: importing it means importing enum (~5 ms) for `pyrunc state`.
_FROZEN, _THAWED, _UNDEFINED = "FROZEN", "THAWED", ""
#: Characters of a container id that factory.validate_id accepts whatever their place.
_ID_PUNCTUATION = frozenset("_+-.")


class SavedCgroupView:
    """The read-only part of a cgroup manager, from state.json's ``cgroup_paths``."""

    driver = "saved"

    def __init__(self, paths: dict[str, str]):
        self._paths = {k: v for k, v in (paths or {}).items() if v}

    def get_paths(self) -> dict[str, str]:
        return dict(self._paths)

    def exists(self) -> bool:
        return any(os.path.isdir(p) for p in self._paths.values())

    def join_files(self) -> list[str] | None:
        """The v1 hierarchies' ``tasks`` files (the cgroupfs backend's join_files): an
        exec'd process moves itself in by writing "0" (init/cgroupjoin.py)."""
        if not self._paths or "" in self._paths:
            return None
        return [os.path.join(p, "tasks") for p in self._paths.values()]

    def get_freezer_state(self) -> str:
        """A FreezerState value (see _FROZEN)."""
        v1 = self._paths.get("freezer")
        if v1:
            try:
                with open(os.path.join(v1, "freezer.state")) as f:
                    text = f.read().strip()
            except OSError:
                return _UNDEFINED
            # FREEZING counts as not yet frozen, as in runc
            return _FROZEN if text == "FROZEN" else _THAWED
        unified = self._paths.get("")
        if unified:
            try:
                with open(os.path.join(unified, "cgroup.freeze")) as f:
                    return _FROZEN if f.read().strip() == "1" else _THAWED
            except OSError:
                return _UNDEFINED
        return _UNDEFINED

    def get_all_pids(self) -> list[int]:
        """Every pid under the container's cgroup (one hierarchy is enough: tasks are in all)."""
        base = self._paths.get("pids") or self._paths.get("") or self._paths.get("freezer") \
            or next(iter(self._paths.values()), None)
        if not base or not os.path.isdir(base):
            raise FileNotFoundError(base or "no cgroup path")
        pids: set[int] = set()
        for dirpath, _dirs, _files in os.walk(base):
            try:
                with open(os.path.join(dirpath, "cgroup.procs")) as f:
                    pids.update(int(x) for x in f.read().split())
            except OSError:
                continue
        return sorted(pids)

    def get_pids(self) -> list[int]:
        return self.get_all_pids()


def plainly_valid_id(container_id: str) -> bool:
    """True for an id that factory.validate_id accepts (its regular expression's \\w is
    str.isalnum() or "_"); False means "ask validate_id", which knows the rest. That
    module imports re and the Container class: `pyrunc state` needs neither to check a
    plain id."""
    return container_id not in ("", ".", "..") and all(c.isalnum() or c in _ID_PUNCTUATION for c in container_id)


def read(root: str, container_id: str) -> tuple[str, dict]:
    """(state dir, saved state dict); runc's errors for a bad id or a missing container."""
    if not plainly_valid_id(container_id):
        from libcontainer.factory import validate_id

        validate_id(container_id)
    state_dir = os.path.join(root, container_id)
    if not os.path.isdir(state_dir):
        raise ContainerNotExists(container_id)
    with st.locked(state_dir):
        return state_dir, st.read_state(state_dir, container_id)


def has_hooks(saved: dict) -> bool:
    """True when the saved config has a hook to run (then only the full Config will do).

    state.json spells the key "Hooks", as runc's Go struct does (see ConfigSchema);
    "hooks" is accepted too, so that no spelling of it ever takes the light path.
    """
    cfg = saved.get("config") or {}
    for key in ("Hooks", "hooks"):
        hooks = cfg.get(key) or {}
        if not isinstance(hooks, dict):
            return True  # not what runc writes: let the full load judge it
        if any(hooks.get(k) for k in _HOOK_KEYS):
            return True
    return False


class SavedCgroup:
    """configs.Cgroup's placement fields only: enough for a cgroup driver to find, freeze,
    signal and remove the container's cgroups (the drivers read them with getattr)."""

    resources = None

    def __init__(self, cg: dict):
        self.name = cg.get("name", "")
        self.parent = cg.get("parent", "")
        self.path = cg.get("path", "")
        self.scope_prefix = cg.get("scope_prefix", "")
        self.systemd = bool(cg.get("Systemd", False))
        self.rootless = bool(cg.get("Rootless", False))
        self.owner_uid = cg.get("owner_uid")
        self.paths = cg.get("Paths") or None


class SavedConfig:
    """The few Config fields the lifecycle reads, without importing libcontainer.configs.

    Importing the configs package (dataclasses, typing, inspect and every config module)
    costs a fresh process ~50-60 ms, more than the rest of `pyrunc state` or `delete`; a
    container that only answers status, signal, start and destroy (no hooks: see
    has_hooks) needs none of it.
    """

    hooks = None
    networks = ()

    def __init__(self, cfg: dict):
        self.rootfs = cfg.get("rootfs", "")
        self.hostname = cfg.get("hostname", "")
        self.version = cfg.get("version", "")
        self.labels = list(cfg.get("labels") or [])
        self.cgroup_driver = cfg.get("cgroup_driver")
        cg = cfg.get("cgroups")
        self.cgroups = SavedCgroup(cg) if cg else None


class _Namespace:
    __slots__ = ("type", "path")

    def __init__(self, ns: dict):
        self.type, self.path = ns.get("type", ""), ns.get("path", "")


class _Rlimit:
    __slots__ = ("type", "hard", "soft")

    def __init__(self, rl: dict):
        self.type, self.hard, self.soft = rl.get("type", 0), rl.get("hard", 0), rl.get("soft", 0)


class ExecConfig(SavedConfig):
    """What `exec`'s native child is compiled from (init/plan.py's compile_exec), straight
    from state.json: ~25 modules and the Config's records fewer than Factory.load. Marked
    ``partial``: exec_process raises PartialConfig rather than hand it to the Python child,
    and the caller loads the whole Config then."""

    partial = True

    def __init__(self, cfg: dict):
        super().__init__(cfg)
        self.namespaces = [_Namespace(n) for n in cfg.get("namespaces") or ()]
        self.rlimits = [_Rlimit(r) for r in cfg.get("rlimits") or ()]
        self.capabilities = cfg.get("capabilities")  # capabilities.for_process takes the dict
        self.seccomp = cfg.get("seccomp")
        self.apparmor_profile = cfg.get("apparmor_profile", "")
        self.process_label = cfg.get("process_label", "")
        self.mount_label = cfg.get("mount_label", "")
        self.sysctl = cfg.get("sysctl") or {}
        self.root_propagation = cfg.get("rootPropagation", 0)
        self.parent_death_signal = cfg.get("parent_death_signal", 0)
        self.umask = cfg.get("umask")
        self.no_new_privileges = bool(cfg.get("no_new_privileges", False))


def exec_container(root: str, container_id: str):
    """A Container for `exec` from state.json only, or None where that will not do: a
    cgroup backend that moves processes by PID (v2, systemd) needs the real manager."""
    state_dir, saved = read(root, container_id)
    cfg = saved.get("config") or {}
    paths = saved.get("cgroup_paths") or {}
    if cfg.get("cgroup_driver") == "systemd" or (cfg.get("cgroups") and not SavedCgroupView(paths).join_files()):
        return None
    from libcontainer.container import Container

    manager = SavedCgroupView(paths) if paths else None
    return Container(container_id, state_dir, ExecConfig(cfg), cgroup_manager=manager, saved=saved)


def container(root: str, container_id: str, *, backend: bool = False, loaded: tuple[str, dict] | None = None):
    """A Container from state.json only.

    ``backend``: build the real cgroup manager through the plugin layer (pluggy and
    stevedore, but still no marshmallow) for pause/resume/delete; otherwise the
    read-only :class:`SavedCgroupView`. ``loaded``: what :func:`read` just returned, so
    that the file is not read and parsed twice.
    """
    state_dir, saved = loaded if loaded is not None else read(root, container_id)
    from libcontainer.container import Container  # after read: a missing container needs no class

    config = SavedConfig(saved.get("config") or {})
    paths = saved.get("cgroup_paths") or {}
    manager = None
    if config.cgroups is not None:
        if backend:
            from libcontainer import plugins

            manager = plugins.cgroup_manager(config.cgroups, driver=config.cgroup_driver, paths=paths or None)
        else:
            manager = SavedCgroupView(paths)
    elif paths:
        manager = SavedCgroupView(paths)
    return Container(container_id, state_dir, config, cgroup_manager=manager, saved=saved)


def oci_state(c, status: str, *, owner: str | None = None) -> dict:
    """runc's containerState for container ``c`` (state.container_state)."""
    return st.container_state(c.state(), c.id, status, owner=owner)
