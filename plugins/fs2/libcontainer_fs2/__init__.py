"""libcontainer plugin: the ``fs2`` cgroup v2 driver (runc's cgroups/fs2) -- installed, NOT implemented yet.

Why it exists anyway: the entry point makes the name selectable and listed by
``plugins.installed()``, and selecting it fails loudly with :class:`NotBuiltError` instead
of the runtime silently falling back to another backend.
"""

from libcontainer.errors import NotBuiltError
from libcontainer.hookspecs import hookimpl

NAME = "fs2"
MESSAGE = "cgroup driver 'fs2' is installed but not implemented yet"


@hookimpl
def libcontainer_cgroup_manager(driver, cgroup, paths):
    if driver != NAME:
        return None
    raise NotBuiltError(MESSAGE)
