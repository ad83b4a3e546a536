"""The marshmallow-free config fast path agrees with the schemas, document for document.

The fast path may only accept what marshmallow accepts, build the same Config, and dump
the same JSON (same keys, same order); it must refuse (fall back) exactly where the
schemas reject. Checked on real documents and on thousands of seeded random mutations of
them (a stdlib property test: every mutation is reproducible from its seed).
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys

import pytest
from test_schemas import RUNC_STATE_CONFIG, full_config_dict

from libcontainer import configs
from libcontainer.configs import fastgen, fastpath
from libcontainer.configs.load import (
    config_from_dict,
    config_to_dict,
    slow_config_from_dict,
    slow_config_to_dict,
)
from libcontainer.errors import ConfigError
from libcontainer.specconv import create_config, example_spec


def _spec_config_dict() -> dict:
    spec = example_spec()
    spec["root"]["path"] = "/tmp/rootfs"
    spec["linux"]["resources"] = {"memory": {"limit": 1 << 26}, "pids": {"limit": 64},
                                  "devices": [{"allow": False, "access": "rwm"}]}
    return slow_config_to_dict(create_config(spec, container_id="c1", bundle="/tmp"))


def _documents() -> list[dict]:
    return [full_config_dict(), json.loads(RUNC_STATE_CONFIG), _spec_config_dict(), {}]


def _outcome(fn, doc):
    try:
        return ("ok", fn(doc))
    except fastpath.Fallback:
        return ("fallback", None)
    except ConfigError as e:
        return ("error", e)


def _assert_same(doc):
    fast = _outcome(fastpath.load_config, doc)
    slow = _outcome(slow_config_from_dict, doc)
    if slow[0] == "error":
        assert fast[0] == "fallback", f"fast path accepted what the schemas reject: {slow[1]}"
        with pytest.raises(ConfigError) as ei:
            config_from_dict(doc)
        assert str(ei.value) == str(slow[1])  # the error text still comes from the schemas
        return "rejected"
    assert fast[0] == "ok", f"fast path refused a document the schemas accept: {doc!r:.300}"
    assert fast[1] == slow[1]
    fd, sd = fastpath.dump_config(fast[1]), slow_config_to_dict(slow[1])
    assert list(json.dumps(fd)) == list(json.dumps(sd))  # same keys in the same order
    return "accepted"


def test_tables_are_current():
    with open(fastgen.TABLES_PATH) as f:
        assert f.read() == fastgen.render(), "run: python -m libcontainer.configs.fastgen"


@pytest.mark.parametrize("index", range(4))
def test_real_documents_take_the_fast_path(index):
    doc = _documents()[index]
    assert _assert_same(doc) == "accepted"
    cfg = fastpath.load_config(doc)
    assert config_to_dict(cfg) == slow_config_to_dict(cfg)


_VALUES = [None, True, False, 0, 1, -1, 99, 2**16, 2**31, 2**32, 2**63, 2**64, -(2**63) - 1, 1.5,
           "", "c", "x", "NEWNET", [], ["a"], [1], [None], [{}], {}, {"a": "b"}, {"a": 1}, {"a": {}},
           {"a": None}]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _mutate(doc, rng: random.Random):
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            return doc
        path = rng.choice(paths)
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        op = rng.random()
        if op < 0.15 and isinstance(parent, dict):
            del parent[path[-1]]
        elif op < 0.25 and isinstance(parent, dict):
            parent["unknown_key"] = copy.deepcopy(rng.choice(_VALUES))
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(_VALUES))
    return doc


@pytest.mark.parametrize("seed", range(8))
def test_random_mutations_agree(seed):
    rng = random.Random(seed)
    docs = _documents()
    seen = {"accepted": 0, "rejected": 0}
    for _ in range(250):
        seen[_assert_same(_mutate(rng.choice(docs), rng))] += 1
    assert seen["accepted"] and seen["rejected"]  # both sides of the property were exercised


def test_unusual_python_objects_dump_through_marshmallow():
    cfg = fastpath.load_config(full_config_dict())
    cfg.umask = configs.Action.ALLOW  # an IntEnum where an int goes
    cfg.readonlyfs = 1  # not a bool: marshmallow's rules decide
    cfg.mask_paths = ("/a",)
    assert config_to_dict(cfg) == slow_config_to_dict(cfg)
    cfg.hooks.prestart.append(lambda state: None)  # in-process hooks are not written
    assert config_to_dict(cfg) == slow_config_to_dict(cfg)


def test_hot_path_never_imports_marshmallow():
    code = (
        "import json, sys\n"
        "from libcontainer.specconv import create_config, example_spec\n"
        "from libcontainer.configs.load import config_to_dict, config_from_dict\n"
        "spec = example_spec(); spec['root']['path'] = '/tmp/r'\n"
        "d = config_to_dict(create_config(spec, container_id='c'))\n"
        "config_from_dict(json.loads(json.dumps(d)))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('marshmallow', 'libcontainer.schemas'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
