"""Pressure stall information (cpu/memory/io.pressure) as ``PSIStats``.

A missing file (kernel without CONFIG_PSI, or ``cgroup.pressure`` set to 0) and a kernel that
refuses the read (EOPNOTSUPP without ``psi=1``) both mean "no PSI": ``None``, not an error.
"""

from __future__ import annotations

import errno
import os


def parse(text: str):
    from libcontainer.cgroups.stats import PSIData, PSIStats

    out = PSIStats()
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0] not in ("some", "full"):
            continue
        data = PSIData()
        for item in parts[1:]:
            key, _, value = item.partition("=")
            if key in ("avg10", "avg60", "avg300"):
                setattr(data, key, float(value))
            elif key == "total":
                data.total = int(value)
        setattr(out, parts[0], data)
    return out


def read(path: str, name: str):
    try:
        with open(os.path.join(path, name)) as f:
            return parse(f.read())
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.EOPNOTSUPP:
            return None
        raise
