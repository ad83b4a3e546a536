"""Medians, ratios against runc and crun, the issue's targets marked met/missed, and the JSON file.

Why medians: a 2-core machine shared with other work has long-tailed outliers; the median of
interleaved samples is what the targets are stated in.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time

# (key, label, unit)
ROWS = [
    ("run", "run /bin/true (lifecycle)", "ms"),
    ("run_seccomp", "run, podman's config", "ms"),
    ("create", "create", "ms"),
    ("start", "start", "ms"),
    ("delete", "delete (stopped)", "ms"),
    ("exec", "exec /bin/true", "ms"),
    ("exec_seccomp", "exec, podman's config", "ms"),
    ("state", "state", "ms"),
    ("list", "list", "ms"),
    ("ps", "ps", "ms"),
    ("delete_f", "delete -f (running)", "ms"),
    ("density", "density N", "ms"),
    ("pss_created", "PSS created-state process", "MB"),
    ("pss_kept", "PSS kept per running container", "MB"),
]

# measure -> list of (reference, max ratio); reference None = an absolute limit in the row's unit
TARGETS = {
    "run": [("runc", 0.9), ("crun", 1.8)],
    "exec": [("runc", 0.7)],
    "delete_f": [("runc", 0.3)],
    "density": [("runc", 0.5), ("crun", 1.8)],
    "pss_created": [(None, 2.0)],
    "pss_kept": [(None, 2.0)],
}
LIBRARY_TARGET = ("crun", 0.75)


def medians(samples: dict) -> dict:
    return {m: {rt: statistics.median(v) for rt, v in per.items() if v} for m, per in samples.items()}


def _ratio(med: dict, m: str, a: str, b: str) -> float | None:
    x, y = med.get(m, {}).get(a), med.get(m, {}).get(b)
    return x / y if x is not None and y else None


def verdicts(med: dict) -> list[dict]:
    out = []
    for m, targets in TARGETS.items():
        for ref, limit in targets:
            if ref is None:
                value = med.get(m, {}).get("pyrunc")
                what = f"pyrunc {m} <= {limit:g} MB"
            else:
                value = _ratio(med, m, "pyrunc", ref)
                what = f"pyrunc/{ref} {m} <= {limit:g}x"
            out.append({"target": what, "value": value, "limit": limit,
                        "status": "n/a" if value is None else ("met" if value <= limit else "missed")})
    ref, limit = LIBRARY_TARGET
    value = _ratio({"run": med.get("run", {})}, "run", "library", ref)
    out.append({"target": f"library lifecycle / {ref} run <= {limit:g}x", "value": value, "limit": limit,
                "status": "n/a" if value is None else ("met" if value <= limit else "missed")})
    return out


def _fmt(v, unit: str) -> str:
    if v is None:
        return "-"
    return f"{v:.1f}" if unit == "ms" or v >= 10 else f"{v:.2f}"


def _rfmt(v) -> str:
    return "-" if v is None else f"{v:.2f}x"


def table(med: dict, runtimes: list[str], density_n: int) -> str:
    cols = [r for r in ("pyrunc", "runc", "crun") if r in runtimes]
    head = f"{'measure':34}" + "".join(f"{c:>10}" for c in cols) + f"{'py/runc':>10}{'py/crun':>10}  target"
    lines = [head, "-" * len(head)]
    for key, label, unit in ROWS:
        if key == "density":
            label = f"density N={density_n}"
        row = f"{label + ' (' + unit + ')':34}"
        row += "".join(f"{_fmt(med.get(key, {}).get(c), unit):>10}" for c in cols)
        row += f"{_rfmt(_ratio(med, key, 'pyrunc', 'runc')):>10}{_rfmt(_ratio(med, key, 'pyrunc', 'crun')):>10}"
        row += "  " + _target_text(med, key)
        lines.append(row.rstrip())
    lib = med.get("run", {}).get("library")
    row = f"{'library create->run->wait->destroy':34}{_fmt(lib, 'ms'):>10}"
    row += f"{'':>{10 * (len(cols) - 1)}}{_rfmt(_ratio(med, 'run', 'library', 'runc')):>10}"
    row += f"{_rfmt(_ratio(med, 'run', 'library', 'crun')):>10}  "
    r = _ratio(med, "run", "library", LIBRARY_TARGET[0])
    row += f"<= {LIBRARY_TARGET[1]:g}x crun run " + ("" if r is None else ("met" if r <= LIBRARY_TARGET[1] else "MISSED"))
    lines.append(row.rstrip())
    lines.append("  (library: vs `runc run` / `crun run` as a subprocess, the 'run' row's runc and crun columns)")
    return "\n".join(lines)


def _target_text(med: dict, key: str) -> str:
    parts = []
    for ref, limit in TARGETS.get(key, []):
        if ref is None:
            v = med.get(key, {}).get("pyrunc")
            txt = f"<= {limit:g} MB"
        else:
            v = _ratio(med, key, "pyrunc", ref)
            txt = f"<= {limit:g}x {ref}"
        parts.append(txt + ("" if v is None else (" met" if v <= limit else " MISSED")))
    return "; ".join(parts)


def write_json(out_dir: str, result: dict) -> str:
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ".json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
    return path


def machine() -> dict:
    return {"kernel": platform.release(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "host": platform.node()}
