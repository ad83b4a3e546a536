"""The parent/child protocol over a socketpair: one JSON object per line.

Small and explicit on purpose: the child runs between clone and execve, where a hung or
half-read message would leave a process stuck in namespaces nobody cleans up. The child's
end is close-on-exec, so a successful execve shows up in the parent as end-of-file.

The standard init's conversation, parent -> child and back:

- "go": the id maps are written (a staged start first trades "usermap" / "usermap-done"
  and "pid"). The child prepares, sets its hostname and makes the mounts that need no
  cgroup, while the parent creates its cgroups.
- "join": the cgroups exist; with descriptors of their v1 ``tasks`` files attached, the
  child writes "0" to each and so moves itself (init/cgroupjoin.py), else the parent has
  moved it. The child waits for it before its cgroup namespace and a cgroup mount.
- "cgroups": the limits are set and the networks built. The child waits for it before
  /dev's devices, the hooks and pivot_root.
- "ready" (child): waiting on the exec FIFO. With ``closing`` set, the native finisher
  (init/finisher.py) sent it and closes its end right after: the parent waits for that
  end-of-file, so `create` returns with no runtime descriptor left in the init.
- "error" (child), at any point: the message the parent raises.

Mid-way the init may ask for things and wait for the answer ("hooks" -> "hooks_done": the
runtime's prestart/createRuntime hooks; "seccomp" -> "seccomp_done": a notify listener for the agent), and
may pass a descriptor along with a message ("console": the pty master, as SCM_RIGHTS).
"""

from __future__ import annotations

import os

from .. import _nsenter, jsonfast

#: descriptors one message may carry: a "join" has one per cgroup v1 hierarchy
_MAX_FDS = 32


def encode(kind: str, **fields) -> bytes:
    """One message as it goes over the channel (the finisher sends a prepared one)."""
    fields["type"] = kind
    return jsonfast.dumps(fields).encode() + b"\n"


class SyncError(RuntimeError):
    pass


class Channel:
    """One end of the socketpair, a plain descriptor (the native module sends and receives
    on it: Python's _socket module would cost every `run` and `exec` ~0.4 ms to set up)."""

    def __init__(self, fd: int):
        self.fd = fd
        self._buf = b""
        self._fds: list[int] = []

    @classmethod
    def pair(cls) -> tuple[Channel, Channel]:
        a, b = _nsenter.socketpair()  # both close-on-exec
        return cls(a), cls(b)

    def send(self, kind: str, **fields) -> None:
        _nsenter.send_fds(self.fd, encode(kind, **fields))

    def send_fd(self, kind: str, fd: int, **fields) -> None:
        """One message with a descriptor attached (the peer gets it from take_fd)."""
        self.send_fds(kind, [fd], **fields)

    def send_fds(self, kind: str, fds: list[int], **fields) -> None:
        """One message with descriptors attached (none: a plain message)."""
        _nsenter.send_fds(self.fd, encode(kind, **fields), fds)

    def take_fd(self) -> int | None:
        """The oldest descriptor received and not yet taken (ours to close)."""
        return self._fds.pop(0) if self._fds else None

    def take_fds(self) -> list[int]:
        """Every descriptor received and not yet taken (ours to close)."""
        fds, self._fds = self._fds, []
        return fds

    def recv(self) -> dict | None:
        """The next message, or None at end-of-file (the peer exec'd or died)."""
        while b"\n" not in self._buf:
            chunk, fds = _nsenter.recv_fds(self.fd, 65536, _MAX_FDS, _nsenter.MSG_CMSG_CLOEXEC)
            self._fds.extend(fds)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return jsonfast.loads(line)

    def expect(self, kind: str) -> dict:
        msg = self.recv()
        if msg is None:
            raise SyncError(f"container init closed the channel while the runtime waited for {kind!r}")
        if msg.get("type") == "error":
            raise SyncError(msg.get("message", "unknown error in container init"))
        if msg.get("type") != kind:
            raise SyncError(f"unexpected message {msg.get('type')!r}, wanted {kind!r}")
        return msg

    def serve_until(self, kind: str, handlers: dict) -> dict:
        """Answer the peer's requests (``handlers[type](msg)``) until a ``kind`` message."""
        while True:
            msg = self.recv()
            if msg is None:
                raise SyncError(f"container init closed the channel while the runtime waited for {kind!r}")
            t = msg.get("type")
            if t == kind:
                return msg
            if t == "error":
                raise SyncError(msg.get("message", "unknown error in container init"))
            handler = handlers.get(t)
            if handler is None:
                raise SyncError(f"unexpected message {t!r}, wanted {kind!r}")
            handler(msg)

    def expect_eof(self) -> None:
        """Wait until the peer closed its end (nothing else may come first)."""
        msg = self.recv()
        if msg is not None and msg.get("type") == "error":
            raise SyncError(msg.get("message", "unknown error in container init"))
        if msg is not None:
            raise SyncError(f"unexpected message {msg.get('type')!r} where the init should have closed the channel")

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        while self._fds:
            os.close(self._fds.pop())
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)

    def detach_fd(self) -> int:
        """Hand the raw descriptor over (the child keeps it across os._exit paths)."""
        return os.dup(self.fd)
