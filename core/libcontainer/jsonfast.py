"""``json.loads``/``json.dumps`` for the hot paths, without importing ``re``.

``import json`` costs a fresh process ~10 ms: json.decoder and json.scanner compile
regular expressions at import (so ``re``, and with it ``enum``), although the C
accelerator ``_json`` does all the work once they are built. `pyrunc state` reads one
state.json and prints one object; it needs the accelerator, not the modules around it.

This module drives ``_json`` directly: the scanner from ``_json.make_scanner`` with a
tiny context object carrying json.JSONDecoder's defaults, the compact encoder from
``_json.make_encoder``, and for indented output a small copy of json.encoder's
pure-Python walk (the stdlib, too, uses Python code whenever ``indent`` is set). Results
are the same objects and the same text, byte for byte, as the ``json`` calls they replace
(tests/unit/test_jsonfast.py compares both). Errors are json's own: a document the
scanner rejects is handed to ``json.loads`` for its JSONDecodeError (the C scanner looks
json.decoder up in sys.modules to raise it, and fails with a SystemError when it is not
imported). Without ``_json`` (an interpreter built without it) every call goes to ``json``.
"""

from __future__ import annotations

try:
    import _json
except ImportError:  # pragma: no cover - CPython always builds it
    _json = None

__all__ = ["loads", "dumps"]

_WHITESPACE = " \t\n\r"
_INF = float("inf")


class _Context:
    """What ``_json.make_scanner`` reads from a json.JSONDecoder: its default settings."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": -_INF, "Infinity": _INF, "NaN": float("nan")}.__getitem__


_scan_once = _json.make_scanner(_Context()) if _json is not None else None


def loads(s: str | bytes | bytearray):
    """json.loads(s) with the default decoder."""
    if _scan_once is not None:
        try:
            return _loads(s)
        except (ValueError, SystemError):
            pass  # json's own error follows (JSONDecodeError, UnicodeDecodeError...)
    import json

    return json.loads(s)


def _loads(s):
    """The good path of json.loads; raises ValueError for anything else."""
    if not isinstance(s, str):
        if not isinstance(s, (bytes, bytearray)) or s[:1] in (b"\xef", b"\xfe", b"\xff") or b"\x00" in s[:4]:
            raise ValueError("a BOM, UTF-16/32 (json.detect_encoding), or not bytes at all")
        s = s.decode("utf-8", "surrogatepass")
    elif s.startswith("\ufeff"):
        raise ValueError("BOM")
    idx = len(s) - len(s.lstrip(_WHITESPACE))
    try:
        obj, end = _scan_once(s, idx)
    except StopIteration:
        raise ValueError("Expecting value") from None
    if s[end:].strip(_WHITESPACE):
        raise ValueError("Extra data")
    return obj


def _default(o):
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def dumps(obj, *, ensure_ascii: bool = True, indent: int | str | None = None,
          separators: tuple[str, str] | None = None) -> str:
    """json.dumps(obj, ensure_ascii=..., indent=..., separators=...), the other options at their defaults."""
    if _json is None:
        import json

        return json.dumps(obj, ensure_ascii=ensure_ascii, indent=indent, separators=separators)
    if separators is not None:
        item_separator, key_separator = separators
    elif indent is not None:
        item_separator, key_separator = ",", ": "
    else:
        item_separator, key_separator = ", ", ": "
    encoder = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
    if isinstance(obj, str):
        return encoder(obj)
    if indent is None:
        encode = _json.make_encoder({}, _default, encoder, None, key_separator, item_separator,
                                    False, False, True)
        return "".join(encode(obj, 0))
    if not isinstance(indent, str):
        indent = " " * indent
    out: list[str] = []
    _Indented(out.append, encoder, indent, item_separator, key_separator).value(obj, 0)
    return "".join(out)


def _floatstr(o: float) -> str:
    if o != o:
        return "NaN"
    if o == _INF:
        return "Infinity"
    if o == -_INF:
        return "-Infinity"
    return float.__repr__(o)


class _Indented:
    """json.encoder._make_iterencode with an indent (check_circular, allow_nan, unsorted keys)."""

    def __init__(self, write, encoder, indent: str, item_separator: str, key_separator: str):
        self.write = write
        self.encoder = encoder
        self.indent = indent
        self.item_separator = item_separator
        self.key_separator = key_separator
        self.markers: dict[int, object] = {}

    def _scalar(self, o) -> str | None:
        if isinstance(o, str):
            return self.encoder(o)
        if o is None:
            return "null"
        if o is True:
            return "true"
        if o is False:
            return "false"
        if isinstance(o, int):
            return int.__repr__(o)
        if isinstance(o, float):
            return _floatstr(o)
        return None

    def _mark(self, o) -> int:
        markerid = id(o)
        if markerid in self.markers:
            raise ValueError("Circular reference detected")
        self.markers[markerid] = o
        return markerid

    def value(self, o, level: int) -> None:
        text = self._scalar(o)
        if text is not None:
            self.write(text)
        elif isinstance(o, (list, tuple)):
            self._list(o, level)
        elif isinstance(o, dict):
            self._dict(o, level)
        else:
            markerid = self._mark(o)
            self.value(_default(o), level)
            del self.markers[markerid]

    def _list(self, lst, level: int) -> None:
        if not lst:
            self.write("[]")
            return
        markerid = self._mark(lst)
        level += 1
        newline_indent = "\n" + self.indent * level
        self.write("[" + newline_indent)
        for i, item in enumerate(lst):
            if i:
                self.write(self.item_separator + newline_indent)
            self.value(item, level)
        self.write("\n" + self.indent * (level - 1) + "]")
        del self.markers[markerid]

    def _dict(self, dct, level: int) -> None:
        if not dct:
            self.write("{}")
            return
        markerid = self._mark(dct)
        level += 1
        newline_indent = "\n" + self.indent * level
        self.write("{" + newline_indent)
        first = True
        for key, item in dct.items():
            if isinstance(key, str):
                pass
            elif isinstance(key, float):
                key = _floatstr(key)
            elif key is True:
                key = "true"
            elif key is False:
                key = "false"
            elif key is None:
                key = "null"
            elif isinstance(key, int):
                key = int.__repr__(key)
            else:
                raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")
            if first:
                first = False
            else:
                self.write(self.item_separator + newline_indent)
            self.write(self.encoder(key) + self.key_separator)
            self.value(item, level)
        self.write("\n" + self.indent * (level - 1) + "}")
        del self.markers[markerid]
