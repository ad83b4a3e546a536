"""libcontainer plugin: the ``criu`` checkpoint/restore backend (runc's criu integration) -- installed, NOT implemented yet.

Why it exists anyway: the entry point makes the name selectable and listed by
``plugins.installed()``, and selecting it fails loudly with :class:`NotBuiltError` instead
of the runtime silently falling back to another backend.
"""

from libcontainer.errors import NotBuiltError
from libcontainer.hookspecs import hookimpl

NAME = "criu"
MESSAGE = "checkpoint backend 'criu' is installed but not implemented yet"


@hookimpl
def libcontainer_checkpoint_backend(name):
    if name != NAME:
        return None
    raise NotBuiltError(MESSAGE)
