"""Logging as runc's logrus does it: text or JSON lines, to stderr or to ``--log``.

Engines read these lines: containerd's shim parses ``--log-format json`` files line by
line for ``{"level", "msg", "time"}``, so the keys and level names are logrus's.

The CLI writes its own lines here directly: importing ``logging`` costs a fresh
``pyrunc state`` more than the rest of the command, so it is never imported for the
CLI's sake. The library's ``logging`` records (specconv warnings...) still reach the
same place: the first time anything imports ``logging``, a handler writing these
lines is installed on its root logger (see :class:`_LoggingHook`).
"""

from __future__ import annotations

import os
import sys
import time

DEBUG, INFO, WARNING, ERROR, CRITICAL = 10, 20, 30, 40, 50
_LEVELS = {DEBUG: "debug", INFO: "info", WARNING: "warning", ERROR: "error", CRITICAL: "fatal"}
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
    from libcontainer import jsonfast

    return jsonfast.dumps(value, ensure_ascii=False)


def text_line(levelno: int, msg: str, created: float) -> str:
    return f'time="{rfc3339(created)}" level={_LEVELS.get(levelno, "info")} msg={_quote(msg)}'


def json_line(levelno: int, msg: str, created: float) -> str:
    from libcontainer import jsonfast

    return jsonfast.dumps({"level": _LEVELS.get(levelno, "info"), "msg": msg, "time": rfc3339(created)},
                          separators=(",", ":"), ensure_ascii=False)


class TextFormatter:
    """A ``logging`` formatter (duck-typed: no ``logging`` import) for text lines."""

    def format(self, record) -> str:
        return text_line(record.levelno, record.getMessage(), record.created)


class JSONFormatter:
    def format(self, record) -> str:
        return json_line(record.levelno, record.getMessage(), record.created)


class _Sink:
    """Where the log goes, its format and level, and whether that is stderr."""

    def __init__(self):
        self.stream = None  # None: sys.stderr as it is when a line is written
        self.line = text_line
        self.level = INFO
        self.to_stderr = True


sink = _Sink()


def setup(*, log_path: str = "", log_format: str = "text", debug: bool = False) -> None:
    """Configure the sink; raises ValueError for runc's "invalid log-format"."""
    if log_format in ("", "text"):
        line = text_line
    elif log_format == "json":
        line = json_line
    else:
        raise ValueError(f"invalid log-format: {log_format}")
    if log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_SYNC | os.O_CLOEXEC, 0o644)
        sink.stream = os.fdopen(fd, "a", buffering=1)
        sink.to_stderr = False
    else:
        sink.stream = None
        sink.to_stderr = True
    sink.line = line
    sink.level = DEBUG if debug else INFO
    if "logging" in sys.modules:
        _bridge(sys.modules["logging"])
    elif not any(isinstance(f, _LoggingHook) for f in sys.meta_path):
        # after the code cache's finder, whose fast path serves only while it is first
        first = sys.meta_path[:1]
        sys.meta_path.insert(1 if first and type(first[0]).__name__ == "_Cache" else 0, _LoggingHook())


def write(levelno: int, msg: str) -> None:
    """One log line, if ``levelno`` passes the level (``--debug`` lowers it)."""
    if levelno < sink.level:
        return
    stream = sink.stream or sys.stderr
    stream.write(sink.line(levelno, msg, time.time()) + "\n")
    stream.flush()


def debug(msg: str) -> None:
    write(DEBUG, msg)


def warning(msg: str) -> None:
    write(WARNING, msg)


def error(msg: str) -> None:
    write(ERROR, msg)


def fatal(message: str, code: int = 1) -> int:
    """runc's fatal(): log the error; print it on stderr too unless the log already is stderr."""
    error(message)
    if not sink.to_stderr:
        print(message, file=sys.stderr, flush=True)
    return code


def _bridge(logging) -> None:
    """Send the library's ``logging`` records to the sink, at the sink's level."""

    class _Handler(logging.Handler):
        def emit(self, record):
            try:
                write(record.levelno, record.getMessage())
            except Exception:  # noqa: BLE001 - logging's own policy for a broken handler
                self.handleError(record)

    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(_Handler())
    root.setLevel(sink.level)


class _LoggingHook:
    """A meta-path finder that installs the bridge right after ``logging`` is imported.

    Which library module imports ``logging`` depends on the command (specconv for
    create, hooks for start with hooks...); hooking the import itself means none of
    them has to know about the CLI, and commands that never log never pay for it.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _BridgingLoader(spec.loader)
        return spec


class _BridgingLoader:
    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        _bridge(module)
