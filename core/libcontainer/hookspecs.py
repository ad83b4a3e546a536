"""The pluggy hook specifications every libcontainer backend plugin implements.

Why a separate module: ``libcontainer/__init__.py`` must stay import-free (the CLI's hot
paths never pay for pluggy), so the marker plugins decorate with cannot live there. This
module imports nothing but pluggy, which makes ``from libcontainer.hookspecs import hookimpl``
the one cheap, stable line a plugin needs.

How the hooks are used: :mod:`libcontainer.plugins` loads exactly one backend module (named
by an entry point, chosen by configuration), registers it in a ``PluginManager`` for project
``"libcontainer"`` and calls the matching hook. Because only the selected module is
registered, the ``firstresult`` hooks normally see a single implementation; ``firstresult``
still matters when a third-party module implements several hooks or several names, because a
plugin answers ``None`` for a name it does not serve and pluggy then asks the next one.
"""

from __future__ import annotations

import pluggy

PROJECT = "libcontainer"

hookspec = pluggy.HookspecMarker(PROJECT)
#: Decorate backend functions with this: ``@hookimpl def libcontainer_cgroup_manager(...)``.
hookimpl = pluggy.HookimplMarker(PROJECT)


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

    Called by ``plugins.seccomp_filter()`` in the container's init process, just before it
    execs the user process (the filter must be loaded last, after no_new_privs).

    :param seccomp: the ``configs.Seccomp`` (default_action, default_errno_ret,
        architectures, syscalls with action/errno_ret/args, flags...).
    :returns: an object with ``load()`` (install the filter in the calling thread/process)
        and ``export_bpf()`` (the compiled BPF program as ``bytes``). ``firstresult``.
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
