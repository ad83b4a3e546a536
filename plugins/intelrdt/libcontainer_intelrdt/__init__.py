"""libcontainer plugin: the ``resctrl`` Intel RDT manager (runc's intelrdt) -- installed, NOT implemented yet.

Why it exists anyway: the entry point makes the name selectable and listed by
``plugins.installed()``, and selecting it fails loudly with :class:`NotBuiltError` instead
of the runtime silently falling back to another backend.
"""

from libcontainer.errors import NotBuiltError
from libcontainer.hookspecs import hookimpl

NAME = "resctrl"
MESSAGE = "intelrdt backend 'resctrl' is installed but not implemented yet"


@hookimpl
def libcontainer_intelrdt_manager(config, container_id, path):
    # the only manager of this namespace: selected by name in plugins.intelrdt_manager()
    raise NotBuiltError(MESSAGE)
