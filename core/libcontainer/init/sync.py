"""The parent/child protocol over a socketpair: one JSON object per line.

Small and explicit on purpose: the child runs between clone and execve, where a hung or
half-read message would leave a process stuck in namespaces nobody cleans up. The child's
end is close-on-exec, so a successful execve shows up in the parent as end-of-file.
"""

from __future__ import annotations

import json
import os
import socket


class SyncError(RuntimeError):
    pass


class Channel:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self._buf = b""

    @classmethod
    def pair(cls) -> tuple[Channel, Channel]:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        a.set_inheritable(False)
        b.set_inheritable(False)
        return cls(a), cls(b)

    def send(self, kind: str, **fields) -> None:
        fields["type"] = kind
        self.sock.sendall(json.dumps(fields).encode() + b"\n")

    def recv(self) -> dict | None:
        """The next message, or None at end-of-file (the peer exec'd or died)."""
        while b"\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def expect(self, kind: str) -> dict:
        msg = self.recv()
        if msg is None:
            raise SyncError(f"container init closed the channel while the runtime waited for {kind!r}")
        if msg.get("type") == "error":
            raise SyncError(msg.get("message", "unknown error in container init"))
        if msg.get("type") != kind:
            raise SyncError(f"unexpected message {msg.get('type')!r}, wanted {kind!r}")
        return msg

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()

    def detach_fd(self) -> int:
        """Hand the raw descriptor over (the child keeps it across os._exit paths)."""
        return os.dup(self.sock.fileno())
