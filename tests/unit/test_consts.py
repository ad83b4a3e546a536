"""libcontainer.consts stands in for StrEnum/IntEnum: checked against the real thing."""

from __future__ import annotations

import enum
import json
import pickle
import subprocess
import sys

import pytest

from libcontainer import jsonfast
from libcontainer.cgroups.manager import FreezerState
from libcontainer.configs.seccomp import Action, Operator
from libcontainer.consts import IntConst, StrConst
from libcontainer.container import Status


class S(StrConst):
    A = "a"
    B = "b"


class SE(enum.StrEnum):
    A = "a"
    B = "b"


class N(IntConst):
    ONE = 1
    TWO = 2


class NE(enum.IntEnum):
    ONE = 1
    TWO = 2


@pytest.mark.parametrize(("ours", "theirs"), [(S, SE), (N, NE)])
def test_behaves_like_the_enum(ours, theirs):
    assert [m.name for m in ours] == [m.name for m in theirs] and len(ours) == len(theirs)
    for mine, real in zip(ours, theirs, strict=True):
        assert mine == real.value and hash(mine) == hash(real.value)
        assert ours(real.value) is mine and ours(mine) is mine
        assert mine.value == real.value and mine.name == real.name
        assert str(mine) == str(real) and f"{mine}" == f"{real}"
        assert repr(mine) == repr(real).replace(f"<{theirs.__name__}.", f"<{ours.__name__}.")
        assert json.dumps([mine]) == json.dumps([real]) == jsonfast.dumps([mine])
        assert pickle.loads(pickle.dumps(mine)) is mine
    with pytest.raises(ValueError):
        ours("nope" if ours is S else 99)
    with pytest.raises(ValueError):
        theirs("nope" if theirs is SE else 99)


def test_project_constants_keep_their_values():
    assert [int(a) for a in Action] == list(range(1, 10)) and Action(4) is Action.ALLOW
    assert [int(o) for o in Operator] == list(range(1, 8))
    assert [str(s) for s in Status] == ["created", "running", "paused", "stopped"]
    assert FreezerState("FROZEN") is FreezerState.FROZEN and FreezerState.UNDEFINED == ""


def test_no_enum_import():
    code = "import sys, libcontainer.consts, libcontainer.container, libcontainer.configs.seccomp; print('enum' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
