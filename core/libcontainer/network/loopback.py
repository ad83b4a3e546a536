"""The ``loopback`` network strategy: bring ``lo`` up in the container's network namespace.

runc does this from ``initialize()`` inside the container. Here ``create()`` does it from the
host side too, by joining the netns of ``nspid`` in a short-lived thread and issuing
``SIOCSIFFLAGS`` (no fork, no netlink library), so the container's init needs nothing from us.
Both are idempotent; ``detach()`` has nothing to undo (``lo`` dies with the namespace).
"""

from __future__ import annotations

from libcontainer.hookspecs import hookimpl

NAME = "loopback"


class Loopback:
    """runc's ``loopback`` strategy."""

    name = NAME

    def create(self, network, nspid: int) -> None:
        from libcontainer.network._netns import run_in_netns, set_link_up

        run_in_netns(nspid, set_link_up, "lo")

    def initialize(self, network) -> None:
        from libcontainer.network._netns import set_link_up

        set_link_up("lo")

    def attach(self, network) -> None:
        """Nothing to attach on the host (kept for parity with runc's interface)."""

    def detach(self, network) -> None:
        """Nothing to remove: ``lo`` belongs to the container's namespace."""


@hookimpl
def libcontainer_network_strategy(network_type):
    return Loopback() if network_type == NAME else None

