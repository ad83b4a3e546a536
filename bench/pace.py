"""How fast the machine is while the benchmark runs: two gauges sampled once a round.

Why: this VM has phases, hours long, in which a page fault costs 5-10 us instead of ~1 and
an interpreter's start takes ~18 ms instead of ~8. Every runtime slows down then, but not
alike: a Python process touches ~1,400 fresh pages on a `run`, runc's Go binaries fewer, and
part of runc's time is an RCU grace period that does not stretch. So the ratio pyrunc/runc
moves with the phase (0.71-0.74x in a fast one, 0.93-1.04x in slow ones, the same code),
and a result says little without the phase it was measured in. The gauges put it in the
table and the JSON file:

* ``python``: the start and exit of pyrunc's own interpreter doing nothing (``-c pass``,
  with ``site``, as the Python CLI starts), timed as the runtimes' commands are (runtimes.py);
* ``fault``: the time of a first write to a fresh anonymous page, over 2 MiB (the cost
  that the phases change most).
"""

from __future__ import annotations

import mmap
import os
import time

from runtimes import run_waited

#: how much fresh memory the fault gauge touches
FAULT_BYTES = 2 << 20
#: the gauges' rows: (key, label, unit)
ROWS = [
    ("pace_python", "python -c pass", "ms"),
    ("pace_fault", "a fresh page", "us"),
]


def interpreter(python: str) -> float:
    """Milliseconds for ``python -c pass``: exec, start, exit, reaped."""
    t0 = time.perf_counter()
    r = run_waited([python, "-c", "pass"], stdin=None, stdout=None, stderr=None)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{python} -c pass: exit {r.returncode}")
    return elapsed * 1000


def fault() -> float:
    """Microseconds per first write to a page of fresh anonymous memory."""
    page = mmap.PAGESIZE
    with mmap.mmap(-1, FAULT_BYTES) as m:
        t0 = time.perf_counter()
        for off in range(0, FAULT_BYTES, page):
            m[off] = 1
        elapsed = time.perf_counter() - t0
    return elapsed * 1e6 / (FAULT_BYTES // page)


def python_of(pyrunc: str) -> str:
    """The interpreter the Python CLI runs on: the venv's ``python`` beside the command."""
    beside = os.path.join(os.path.dirname(pyrunc), "python")
    return beside if os.access(beside, os.X_OK) else "python3"


def line(med: dict) -> str:
    """The gauges' medians, in one line under the table."""
    parts = []
    for key, label, unit in ROWS:
        v = med.get(key, {}).get("vm")
        if v is not None:
            parts.append(f"{label} {v:.1f} {unit}" if unit == "ms" else f"{label} {v:.2f} {unit}")
    if not parts:
        return ""
    return "  the machine's pace (medians): " + ", ".join(parts)
