"""The pluggy hook specifications every libcontainer backend plugin implements.

Why a separate module: ``libcontainer/__init__.py`` must stay import-free, so the marker
plugins decorate with cannot live there. This module imports nothing at all: its markers
(:class:`HookimplMarker`, :class:`HookspecMarker`) write the very option dicts pluggy's own
markers write, under the same attribute names, so ``from libcontainer.hookspecs import
hookimpl`` stays the one cheap, stable line a plugin needs, and selecting a backend
(``pyrunc create``, ``delete``...) loads the plugin's module without loading pluggy (~40 ms);
pluggy reads the marks when a ``PluginManager`` is actually used (``plugins.features()``...).

How the hooks are used: :mod:`libcontainer.plugins` loads exactly one backend module (named
by an entry point, chosen by configuration), registers it in a ``PluginManager`` for project
``"libcontainer"`` and calls the matching hook. Because only the selected module is
registered, the ``firstresult`` hooks normally see a single implementation; ``firstresult``
still matters when a third-party module implements several hooks or several names, because a
plugin answers ``None`` for a name it does not serve and pluggy then asks the next one.
"""

from __future__ import annotations

PROJECT = "libcontainer"


class HookspecMarker:
    """pluggy.HookspecMarker without pluggy: sets ``<project>_spec`` to pluggy's option dict."""

    __slots__ = ("project_name",)

    def __init__(self, project_name: str) -> None:
        self.project_name = project_name

    def __call__(self, function=None, firstresult=False, historic=False, warn_on_impl=None,
                 warn_on_impl_args=None):
        def mark(func):
            if historic and firstresult:
                raise ValueError("cannot have a historic firstresult hook")
            setattr(func, self.project_name + "_spec", {
                "firstresult": firstresult, "historic": historic,
                "warn_on_impl": warn_on_impl, "warn_on_impl_args": warn_on_impl_args})
            return func

        return mark if function is None else mark(function)


class HookimplMarker:
    """pluggy.HookimplMarker without pluggy: sets ``<project>_impl`` to pluggy's option dict
    (every key pluggy >= 1.0 reads; pluggy ignores the ones an older version lacks)."""

    __slots__ = ("project_name",)

    def __init__(self, project_name: str) -> None:
        self.project_name = project_name

    def __call__(self, function=None, hookwrapper=False, optionalhook=False, tryfirst=False,
                 trylast=False, specname=None, wrapper=False):
        def mark(func):
            setattr(func, self.project_name + "_impl", {
                "wrapper": wrapper, "hookwrapper": hookwrapper, "optionalhook": optionalhook,
                "tryfirst": tryfirst, "trylast": trylast, "specname": specname})
            return func

        return mark if function is None else mark(function)


hookspec = HookspecMarker(PROJECT)
#: Decorate backend functions with this: ``@hookimpl def libcontainer_cgroup_manager(...)``.
hookimpl = HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def libcontainer_cgroup_manager(driver, cgroup, paths):
    """Build the cgroup manager for one container.

    Called by ``plugins.cgroup_manager()`` each time the runtime needs to act on a
    container's cgroup (create, and again from every later ``pyrunc`` process that rebuilds
    the manager from state.json).

    :param driver: the selected driver name (``"cgroupfs"``, ``"fs2"``, ``"systemd"``, or a
        third-party name). A plugin that does not serve this name must return ``None``.
    :param cgroup: the ``libcontainer.configs.Cgroup`` (name, parent, path, scope_prefix,
        systemd, resources).
    :param paths: ``dict[str, str]`` subsystem -> absolute path persisted in state.json, or
        ``None`` for a new container; when given the manager must address exactly those
        directories instead of resolving new ones.
    :returns: a :class:`libcontainer.cgroups.manager.CgroupManager`, or ``None``.
        ``firstresult``: the first non-``None`` answer wins.
    """


@hookspec(firstresult=True)
def libcontainer_network_strategy(network_type):
    """Return the network strategy for a ``configs.Network.type`` (runc's network strategies).

    Called by ``plugins.network_strategy()`` when the container's networks are set up (in the
    parent, after the init process exists) and torn down.

    :param network_type: e.g. ``"loopback"`` or ``"veth"``; ``None`` if not served.
    :returns: an object with ``create(network, nspid)`` (host side: build interfaces and move
        them into the network namespace of ``nspid``), ``initialize(network)`` (inside the
        container's namespace, if anything is left to do there) and ``detach(network)``
        (remove what ``create`` left on the host). ``firstresult``.
    """


@hookspec(firstresult=True)
def libcontainer_seccomp_filter(seccomp):
    """Compile a ``configs.Seccomp`` into a loadable filter.

    Called by ``plugins.seccomp_filter()`` in the runtime, before the container's init or an
    exec'd process is cloned (seccomp/compiled.py), only when no program compiled from the
    same profile by the same code is kept in the state root: engines send one profile for
    every container, and compiling is the costly part. A refused profile raises
    ``ConfigError`` naming the field.

    :param seccomp: the ``configs.Seccomp`` (default_action, default_errno_ret,
        architectures, syscalls with action/errno_ret/args, flags...).
    :returns: an object with ``load()`` (install the filter in the calling thread/process:
        the listener fd for SCMP_ACT_NOTIFY, else ``None``) and, to be cached and loaded by
        the native init, ``export_bpf()`` (the BPF program as ``bytes``), ``flags`` (the
        SECCOMP_FILTER_FLAG_* word) and ``uses_notify``. A filter without ``export_bpf``
        is handed to the init as it is and loaded there with ``load()``, never cached.
        ``firstresult``.
    """


@hookspec(firstresult=True)
def libcontainer_checkpoint_backend(name):
    """Return the checkpoint/restore backend called ``name`` (``"criu"`` by default).

    Called by ``plugins.checkpoint_backend()`` for ``pyrunc checkpoint`` / ``pyrunc restore``.

    :returns: an object with ``checkpoint(container, opts)`` and
        ``restore(container, process, opts)``, or ``None`` if ``name`` is not served.
        ``firstresult``.
    """


@hookspec(firstresult=True)
def libcontainer_intelrdt_manager(config, container_id, path):
    """Build the Intel RDT (resctrl) manager for a container.

    Called by ``plugins.intelrdt_manager()`` when the config has ``intel_rdt`` set, and when
    a later process rebuilds the manager from state.json.

    :param config: the container's ``configs.Config``.
    :param container_id: the container ID (the default resctrl group name).
    :param path: the persisted resctrl group path, or ``None`` for a new container.
    :returns: a manager (runc's ``intelrdt.Manager``: apply, destroy, get_path, get_stats,
        set), or ``None``. ``firstresult``.
    """


@hookspec
def libcontainer_features():
    """Contribute to ``pyrunc features``.

    Called on every registered plugin (NOT ``firstresult``): ``plugins.features()`` loads the
    installed backends and merges all answers.

    :returns: a ``dict`` shaped like a fragment of runc's features JSON (e.g.
        ``{"linux": {"cgroup": {"v1": True}}}``); nested dicts are merged, lists are
        concatenated without duplicates. ``None`` contributes nothing.
    """
