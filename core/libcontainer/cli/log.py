"""Logging as runc's logrus does it: text or JSON lines, to stderr or to ``--log``.

Engines read these lines: containerd's shim parses ``--log-format json`` files line by
line for ``{"level", "msg", "time"}``, so the keys and level names are logrus's.
The library's own ``logging`` records (specconv warnings...) go to the same place.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

_LEVELS = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "fatal",
}
_SIMPLE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._/@^+")


def rfc3339(ts: float) -> str:
    """Go's time.RFC3339 in local time: ``Z`` for UTC, else the ``+hh:mm`` offset."""
    lt = time.localtime(ts)
    off = lt.tm_gmtoff or 0
    base = time.strftime("%Y-%m-%dT%H:%M:%S", lt)
    if off == 0:
        return base + "Z"
    sign = "+" if off > 0 else "-"
    off = abs(off)
    return f"{base}{sign}{off // 3600:02d}:{off % 3600 // 60:02d}"


def _quote(value: str) -> str:
    # logrus quotes a text value unless every character is "simple"
    if value and all(c in _SIMPLE for c in value):
        return value
    return json.dumps(value, ensure_ascii=False)


class JSONFormatter(logging.Formatter):
    def format(self, record):
        return json.dumps(
            {"level": _LEVELS.get(record.levelno, "info"), "msg": record.getMessage(),
             "time": rfc3339(record.created)},
            separators=(",", ":"),
            ensure_ascii=False,
        )


class TextFormatter(logging.Formatter):
    def format(self, record):
        level = _LEVELS.get(record.levelno, "info")
        return f'time="{rfc3339(record.created)}" level={level} msg={_quote(record.getMessage())}'


class _Sink:
    """Where the log goes, and whether that is stderr (then errors are not printed twice)."""

    def __init__(self):
        self.to_stderr = True


sink = _Sink()
logger = logging.getLogger("pyrunc")


def setup(*, log_path: str = "", log_format: str = "text", debug: bool = False) -> None:
    """Configure the root logger; raises ValueError for runc's "invalid log-format"."""
    if log_format in ("", "text"):
        formatter = TextFormatter()
    elif log_format == "json":
        formatter = JSONFormatter()
    else:
        raise ValueError(f"invalid log-format: {log_format}")
    if log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_SYNC | os.O_CLOEXEC, 0o644)
        stream = os.fdopen(fd, "a", buffering=1)
        sink.to_stderr = False
    else:
        stream = sys.stderr
        sink.to_stderr = True
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)


def fatal(message: str, code: int = 1) -> int:
    """runc's fatal(): log the error; print it on stderr too unless the log already is stderr."""
    logger.error(message)
    if not sink.to_stderr:
        print(message, file=sys.stderr, flush=True)
    return code
