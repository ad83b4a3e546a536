"""jsonfast gives json's results, text and errors, without importing re."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from libcontainer import jsonfast

OBJECTS = [
    {},
    [],
    "",
    "plain",
    'quote " backslash \\ tab \t nl \n ctl \x01 del \x7f',
    "unicode é ☃ 𝄞 \u2028 \ud800",
    0,
    -1,
    2**70,
    1.5,
    -0.0,
    1e300,
    float("inf"),
    float("-inf"),
    True,
    False,
    None,
    {"ociVersion": "1.2.0", "id": "c", "pid": 42, "status": "running", "bundle": "/b", "rootfs": "/r",
     "created": "2024-01-02T03:04:05.123456789Z", "annotations": {"a": "b", "é": "ü"}, "owner": ""},
    {"a": [1, [2, [3, {}]], {"b": []}], "c": {"d": {"e": None}}, "t": (1, 2)},
    {1: "int key", 2.5: "float key", False: "f", None: "n", "s": [True, False, None]},
    {True: "t", -3: "negative int key"},
    [{"level": "error", "msg": "x", "time": "t"}],
    [[], {}, [[]], [{}]],
]
MODES = [
    {},
    {"separators": (",", ":")},
    {"separators": (",", ":"), "ensure_ascii": False},
    {"indent": 2, "ensure_ascii": False},
    {"indent": 2},
    {"indent": 0},
    {"indent": "\t", "separators": (", ", " = ")},
    {"ensure_ascii": False},
]


@pytest.mark.parametrize("mode", MODES, ids=repr)
def test_dumps_is_byte_identical_to_json(mode):
    for obj in OBJECTS:
        assert jsonfast.dumps(obj, **mode) == json.dumps(obj, **mode), obj


@pytest.mark.parametrize("mode", [{}, {"indent": 2}], ids=repr)
def test_dumps_errors_are_jsons(mode):
    for bad in ({"k": object()}, [1, {2, 3}], {(1, 2): "tuple key"}):
        with pytest.raises(TypeError) as ours:
            jsonfast.dumps(bad, **mode)
        with pytest.raises(TypeError) as theirs:
            json.dumps(bad, **mode)
        assert str(ours.value) == str(theirs.value)
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        jsonfast.dumps(loop, **mode)


def test_loads_gives_jsons_objects():
    for obj in OBJECTS:
        text = json.dumps(obj)
        for doc in (text, " \n\t" + text + "\r\n ", text.encode(), bytearray(text.encode())):
            ours, theirs = jsonfast.loads(doc), json.loads(doc)
            if isinstance(theirs, float) and math.isnan(theirs):
                assert math.isnan(ours)
            else:
                assert ours == theirs and type(ours) is type(theirs)
    assert math.isnan(jsonfast.loads("NaN"))
    assert jsonfast.loads('{"a": -Infinity}') == {"a": -math.inf}
    assert list(jsonfast.loads('{"b": 1, "a": 2, "b": 3}')) == ["b", "a"]


def test_loads_other_encodings_as_json_does():
    text = '{"a": "é"}'
    for doc in (text.encode("utf-8-sig"), text.encode("utf-16"), text.encode("utf-16-le"),
                text.encode("utf-32"), text.encode("utf-32-be")):
        assert jsonfast.loads(doc) == json.loads(doc) == {"a": "é"}


@pytest.mark.parametrize("doc", ["", " ", "{", '{"a": }', '{"a" 1}', "[1,]", "[1] x", "nul", '"\\x"',
                                 '"a\nb"', "\ufeff{}", "{} {}", "01", b"\xff\xfe", b'"\xc3"', 5])
def test_loads_errors_are_jsons(doc):
    with pytest.raises(Exception) as theirs:
        json.loads(doc)
    with pytest.raises(Exception) as ours:
        jsonfast.loads(doc)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


def test_no_re_and_no_json_decoder_on_the_good_path():
    code = ("import sys\n"
            "from libcontainer import jsonfast\n"
            "obj = jsonfast.loads(b'{\"a\": [1, 2.5, \"\\\\u00e9\", null]}')\n"
            "jsonfast.dumps(obj, indent=2, ensure_ascii=False); jsonfast.dumps(obj, separators=(',', ':'))\n"
            "print(sorted(m for m in ('re', 'json', 'json.decoder', 'json.encoder', 'json.scanner', 'enum')\n"
            "             if m in sys.modules))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_errors_in_a_fresh_process_are_jsons():
    """The C scanner raises through json.decoder only if something imported it already."""
    code = ("import sys\n"
            "from libcontainer import jsonfast\n"
            "for doc in ('{\"a\" 1}', b'{', '[1,]', '\"\\\\x\"', '{} x'):\n"
            "    try:\n"
            "        jsonfast.loads(doc)\n"
            "    except ValueError as e:\n"
            "        print(type(e).__name__, e)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        "JSONDecodeError Expecting ':' delimiter: line 1 column 6 (char 5)",
        "JSONDecodeError Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        "JSONDecodeError Expecting value: line 1 column 4 (char 3)",
        "JSONDecodeError Invalid \\escape: line 1 column 2 (char 1)",
        "JSONDecodeError Extra data: line 1 column 4 (char 3)",
    ]
