"""`pause` and `resume`: freeze and thaw through the container's cgroup backend.

They need the backend (pluggy, stevedore) but not the whole Config, so the container is
built from state.json with only its cgroup placement (see saved.py).
"""

from __future__ import annotations

from .common import light_container


def register(sub) -> None:
    p = sub.add_parser("pause", help="pause suspends all processes inside the container")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.set_defaults(func=cmd_pause)
    p = sub.add_parser("resume", help="resumes all processes that have been previously paused")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.set_defaults(func=cmd_resume)


def cmd_pause(args) -> int:
    light_container(args, backend=True).pause()
    return 0


def cmd_resume(args) -> int:
    light_container(args, backend=True).resume()
    return 0
