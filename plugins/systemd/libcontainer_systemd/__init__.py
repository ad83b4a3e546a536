"""libcontainer plugin: the ``systemd`` cgroup driver (runc's cgroups/systemd) -- installed, NOT implemented yet.

Why it exists anyway: the entry point makes the name selectable and listed by
``plugins.installed()``, and selecting it fails loudly with :class:`NotBuiltError` instead
of the runtime silently falling back to another backend.
"""

from libcontainer.errors import NotBuiltError
from libcontainer.hookspecs import hookimpl

NAME = "systemd"
MESSAGE = "cgroup driver 'systemd' is installed but not implemented yet"


@hookimpl
def libcontainer_cgroup_manager(driver, cgroup, paths):
    if driver != NAME:
        return None
    raise NotBuiltError(MESSAGE)
