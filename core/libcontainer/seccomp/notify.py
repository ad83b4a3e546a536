"""Handing the seccomp user-notification fd to the agent at ``listenerPath`` (runc's way).

The container's process loads the filter and gets the listener fd; it passes the fd to the
runtime (the sync channel), which connects to the agent's unix socket and sends, in one
message, the OCI ``ContainerProcessState`` as JSON with the fd attached (SCM_RIGHTS):

    {"ociVersion": ..., "fds": ["seccompFd"], "pid": <process that loaded the filter>,
     "metadata": <listenerMetadata>, "state": {<the container's OCI state>}}

The runtime does it, not the container: the socket path is the host's, and the container
must not keep the fd (it could answer its own syscalls).
"""

from __future__ import annotations

import json
import os
import socket

OCI_VERSION = "1.2.0"
SECCOMP_FD_NAME = "seccompFd"


def oci_state(config, container_id: str, status: str, init_pid: int) -> dict:
    """The container's OCI state (runc's currentOCIState): bundle and annotations come
    from the config's labels."""
    from ..state import annotations as _annotations

    bundle, annotations = _annotations(config.labels)
    state = {"ociVersion": OCI_VERSION, "id": container_id, "status": status, "pid": init_pid,
             "bundle": bundle}
    if annotations:
        state["annotations"] = annotations
    return state


def process_state(config, state: dict, pid: int) -> dict:
    seccomp = config.seccomp
    return {"ociVersion": OCI_VERSION, "fds": [SECCOMP_FD_NAME], "pid": pid,
            "metadata": getattr(seccomp, "listener_metadata", "") or "", "state": state}


def send_to_agent(listener_path: str, message: dict, fd: int) -> None:
    """Connect to the agent and send the state with the listener fd."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(listener_path)
            socket.send_fds(conn, [json.dumps(message).encode()], [fd])
        except OSError as e:
            from ..init.sync import SyncError  # surfaces as ContainerStartError

            raise SyncError(f"seccomp: sending the listener fd to {listener_path}: {e.strerror or e}") from None


def handle(chan, config, container_id: str, status: str, pid: int, init_pid: int) -> None:
    """Runtime side of the "seccomp" sync message: forward the fd, then say "seccomp_done".

    ``pid`` is the process that loaded the filter, ``init_pid`` the container's init, both as
    the runtime sees them (the container's own PID numbers mean nothing to the agent).
    """
    # the fd that came with this message is the newest one (a pty master may be queued first)
    fd = chan._fds.pop() if chan._fds else None
    if fd is None:
        raise OSError(0, "seccomp: the container process sent no listener fd")
    try:
        state = oci_state(config, container_id, status, init_pid)
        send_to_agent(config.seccomp.listener_path, process_state(config, state, pid), fd)
    finally:
        os.close(fd)
    chan.send("seccomp_done")
