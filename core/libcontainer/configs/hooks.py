"""OCI lifecycle hooks.

Only ``Command`` hooks survive a trip through JSON (as in runc); any other callable put in
a list is run in-process and skipped when the config is saved.
"""

from __future__ import annotations

from ..record import field, record

TYPE_CHECKING = False  # typing is not imported at run time: annotations stay strings
if TYPE_CHECKING:
    from typing import Any

PRESTART = "prestart"
CREATE_RUNTIME = "createRuntime"
CREATE_CONTAINER = "createContainer"
START_CONTAINER = "startContainer"
POSTSTART = "poststart"
POSTSTOP = "poststop"

#: JSON hook name -> Hooks attribute, in lifecycle order.
HOOK_NAMES: dict[str, str] = {
    PRESTART: "prestart",
    CREATE_RUNTIME: "create_runtime",
    CREATE_CONTAINER: "create_container",
    START_CONTAINER: "start_container",
    POSTSTART: "poststart",
    POSTSTOP: "poststop",
}


@record
class Command:
    path: str = ""
    #: Full argv including argv[0], as the OCI spec and Go's exec.Cmd expect.
    args: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    dir: str = ""
    #: Seconds (float) or ``None`` for no limit. JSON holds Go's nanosecond Duration.
    timeout: float | None = None


@record
class Hooks:
    prestart: list[Any] = field(default_factory=list)
    create_runtime: list[Any] = field(default_factory=list)
    create_container: list[Any] = field(default_factory=list)
    start_container: list[Any] = field(default_factory=list)
    poststart: list[Any] = field(default_factory=list)
    poststop: list[Any] = field(default_factory=list)

    def get(self, name: str) -> list[Any]:
        """Hooks by JSON name ("createRuntime") or attribute name ("create_runtime")."""
        return getattr(self, HOOK_NAMES.get(name, name))

    def is_empty(self) -> bool:
        return not any(getattr(self, attr) for attr in HOOK_NAMES.values())
