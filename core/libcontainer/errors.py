"""Error types shared by the core and the plugins.

The messages of the container-level errors keep runc's wording, because engines
(containerd, podman, CRI-O) match on that text to tell "not found" from a real failure.
"""


class LibcontainerError(Exception):
    """Base of every error this library raises on purpose."""


class ConfigError(LibcontainerError, ValueError):
    """A configuration value is invalid. Always names the field and the bad value."""

    def __init__(self, field: str, message: str, value=None):
        self.field = field
        self.value = value
        self.message = message
        text = f"{field}: {message}"
        if value is not None:
            text += f" (got {value!r})"
        super().__init__(text)


class ContainerError(LibcontainerError):
    """A lifecycle operation that cannot be done in the container's current state."""


class ContainerExists(ContainerError):
    def __init__(self, container_id: str = ""):
        super().__init__("container with given ID already exists")
        self.id = container_id


class ContainerNotExists(ContainerError):
    def __init__(self, container_id: str = ""):
        super().__init__("container does not exist")
        self.id = container_id


class InvalidContainerID(ContainerError):
    def __init__(self, container_id: str = ""):
        super().__init__(f"invalid container ID format: {container_id}")
        self.id = container_id


class ContainerNotRunning(ContainerError):
    def __init__(self, container_id: str = ""):
        super().__init__("container not running")


class ContainerRunning(ContainerError):
    def __init__(self, container_id: str = ""):
        super().__init__("container still running")


class ContainerPaused(ContainerError):
    def __init__(self, container_id: str = ""):
        super().__init__("container paused")


class ContainerNotPaused(ContainerError):
    def __init__(self, container_id: str = ""):
        super().__init__("container not paused")


class ContainerStartError(ContainerError):
    """The init failed before it could wait for start; the message is the init's own."""


class PluginError(LibcontainerError):
    """A backend could not be found, was blocked, or failed to load."""


class NotBuiltError(PluginError, NotImplementedError):
    """A plugin is installed but the backend it names is not implemented yet.

    Raised when such a backend is *selected*, so that nothing pretends to work.
    """
