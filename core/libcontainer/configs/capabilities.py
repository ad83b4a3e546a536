"""Capability sets for the container process.

runc's Go struct has no json tags here, so the JSON keys are the capitalised Go names
("Bounding", ...); the schema keeps that spelling for state.json compatibility.
"""

from __future__ import annotations

from ..record import field, record


@record
class Capabilities:
    bounding: list[str] = field(default_factory=list)
    effective: list[str] = field(default_factory=list)
    inheritable: list[str] = field(default_factory=list)
    permitted: list[str] = field(default_factory=list)
    ambient: list[str] = field(default_factory=list)
