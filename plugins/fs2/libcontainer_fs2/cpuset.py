"""The cpuset controller: cpuset.cpus and cpuset.mems, and the effective sets as stats."""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import fscommon as fs

CONTROLLER = "cpuset"
#: what cpuset.cpus/mems accept (compiled by ``re`` on first use: importing the manager stays cheap)
_LIST = r"^\s*\d+(-\d+)?(\s*,\s*\d+(-\d+)?)*\s*$"


def wanted(r) -> dict[str, str]:
    for name in ("cpuset_cpus", "cpuset_mems"):
        if getattr(r, name, ""):
            return {CONTROLLER: f"cgroups.resources.{name}"}
    return {}


def set(path: str, r) -> None:  # noqa: A001
    for name, file in (("cpuset_cpus", "cpuset.cpus"), ("cpuset_mems", "cpuset.mems")):
        value = getattr(r, name, "")
        if not value:
            continue
        import re

        if not re.match(_LIST, value):
            raise ConfigError(f"cgroups.resources.{name}", "expected a list such as 0-2,4", value)
        fs.write(path, file, value)


def parse_list(text: str) -> list[int]:
    out: list[int] = []
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def stats(path: str, st) -> None:
    for attr, file in (("cpus", "cpuset.cpus.effective"), ("mems", "cpuset.mems.effective")):
        try:
            setattr(st.cpuset_stats, attr, parse_list(fs.read(path, file)))
        except FileNotFoundError:
            pass
