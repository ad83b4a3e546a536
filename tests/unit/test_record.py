"""libcontainer.record behaves like the dataclasses it replaced, and keeps them out of imports.

Each behaviour is checked against a real ``@dataclass`` twin of the same class body
where that makes sense, so "like dataclasses" is measured rather than assumed.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from libcontainer import record
from libcontainer.record import MISSING, asdict, field, fields


def _point(deco, fld):
    """The same class body under @record or @dataclass (``fld`` is the matching field())."""

    @deco
    class Point:
        x: int
        y: int = 0
        tags: list[str] = fld(default_factory=list)
        label: str = fld(default="", repr=False)
        seen: int = fld(default=0, init=False)
        cache: dict = fld(default_factory=dict, init=False, repr=False, compare=False)

        def norm1(self) -> int:
            return abs(self.x) + abs(self.y)

    return Point


RPoint = _point(record.record, field)
DPoint = _point(dataclasses.dataclass, dataclasses.field)


@record.record
class Leaf:
    n: int = 0
    xs: list[int] = field(default_factory=list)


@record.record
class Tree:
    name: str = ""
    leaf: Leaf = field(default_factory=Leaf)
    leaves: list[Leaf] = field(default_factory=list)
    by_name: dict[str, Leaf] = field(default_factory=dict)
    pair: tuple = (1, 2)
    maybe: Leaf | None = None


def test_defaults_and_positional_and_keyword_init():
    for cls in (RPoint, DPoint):
        p = cls(1)
        assert (p.x, p.y, p.tags, p.label, p.seen, p.cache) == (1, 0, [], "", 0, {})
        q = cls(1, 2, ["a"], label="l")
        assert (q.x, q.y, q.tags, q.label) == (1, 2, ["a"], "l")
        r = cls(y=5, x=3)
        assert (r.x, r.y) == (3, 5)
    assert vars(RPoint(1)) == vars(DPoint(1))
    assert list(vars(RPoint(1))) == list(vars(DPoint(1)))  # same attribute order


def test_factories_run_per_instance():
    a, b = RPoint(1), RPoint(1)
    assert a.tags is not b.tags and a.cache is not b.cache
    a.tags.append("x")
    assert b.tags == [] and RPoint(1).tags == []
    t1, t2 = Tree(), Tree()
    assert t1.leaf is not t2.leaf and t1.leaf.xs is not t2.leaf.xs


def test_class_attributes_like_dataclasses():
    # plain defaults stay readable on the class; factory-only fields are not class attributes
    for cls in (RPoint, DPoint):
        assert cls.y == 0 and cls.label == "" and cls.seen == 0
        assert not hasattr(cls, "tags") and not hasattr(cls, "x")
        assert cls.__hash__ is None
        assert cls.__match_args__ == ("x", "y", "tags", "label")


def _type_error(fn) -> str:
    with pytest.raises(TypeError) as info:
        fn()
    return str(info.value)


@pytest.mark.parametrize("call", [
    lambda cls: cls(1, nope=2),
    lambda cls: cls(1, seen=3),  # init=False fields are not arguments
    lambda cls: cls(1, x=1),
    lambda cls: cls(),
    lambda cls: cls(1, 2, [], "", 5),
])
def test_bad_arguments_raise_type_error(call):
    _type_error(lambda: call(DPoint))
    msg = _type_error(lambda: call(RPoint))
    assert "Point" in msg


def test_unknown_keyword_names_the_keyword():
    assert "'nope'" in _type_error(lambda: RPoint(1, nope=2))
    assert "'x'" in _type_error(lambda: RPoint(y=1))


def test_eq_and_repr_match_dataclasses():
    for args, kwargs in [((1,), {}), ((1, 2, ["a"]), {"label": "hidden"})]:
        r, d = RPoint(*args, **kwargs), DPoint(*args, **kwargs)
        assert repr(r) == repr(d)
    assert RPoint(1) == RPoint(1)
    assert RPoint(1) != RPoint(2)
    assert RPoint(1, label="a") != RPoint(1, label="b")  # repr=False still compares
    a, b = RPoint(1), RPoint(1)
    a.cache["k"] = 1
    assert a == b  # compare=False
    a.seen = 1
    assert a != b  # init=False still compares
    assert RPoint(1) != DPoint(1)  # another class is never equal
    assert (RPoint(1) == 1) is False
    with pytest.raises(TypeError):
        hash(RPoint(1))


def test_eq_falls_back_when_a_field_is_not_in_the_instance_dict():
    a, b = Leaf(1), Leaf(1)
    del a.n  # the class default shows through, as with a dataclass
    assert a.n == 0 and a != b and a == Leaf(0) and Leaf(0) == a
    p, q = RPoint(1), RPoint(1)  # ``seen`` (init=False) lives on the class until set
    assert "seen" not in vars(p) and p == q
    p.seen = 2
    assert p != q and q != p


def test_repr_of_a_cycle_does_not_recurse_forever():
    t = Tree()
    t.leaves.append(t)
    assert repr(t).count("...") == 1


def test_fields_like_dataclasses():
    rf, df = fields(RPoint), dataclasses.fields(DPoint)
    assert [f.name for f in rf] == [f.name for f in df]
    for r, d in zip(rf, df, strict=True):
        assert (r.init, r.repr, r.compare) == (d.init, d.repr, d.compare)
        assert (r.default is MISSING) == (d.default is dataclasses.MISSING)
        assert (r.default_factory is MISSING) == (d.default_factory is dataclasses.MISSING)
    assert fields(RPoint(1)) == rf
    with pytest.raises(TypeError):
        fields(object)
    assert record.is_record(RPoint) and record.is_record(RPoint(1)) and not record.is_record(DPoint)


def test_inheritance_appends_fields_and_keeps_overridden_positions():
    @record.record
    class Base:
        a: int = 1
        b: int = 2

    @record.record
    class Child(Base):
        c: int = 3
        a: int = 10

    assert [f.name for f in fields(Child)] == ["a", "b", "c"]
    assert vars(Child()) == {"a": 10, "b": 2, "c": 3}
    assert Child(5, 6, 7) == Child(a=5, b=6, c=7)
    assert repr(Child()) == "test_inheritance_appends_fields_and_keeps_overridden_positions.<locals>.Child(a=10, b=2, c=3)"
    assert Base() != Child()


def test_post_init_methods_properties_and_classvar():
    @record.record
    class C:
        LIMIT = 3  # not annotated: a class constant, not a field
        kind: ClassVar[str] = "c"  # noqa: F821 (string annotation, never evaluated)
        items: list[int] = field(default_factory=list)

        def __post_init__(self):
            self.items = list(self.items)[: self.LIMIT]

        @property
        def count(self) -> int:
            return len(self.items)

    assert [f.name for f in fields(C)] == ["items"]
    c = C((1, 2, 3, 4))
    assert c.items == [1, 2, 3] and c.count == 3 and C.kind == "c"


def test_class_body_methods_win_and_descriptors_are_respected():
    @record.record
    class C:
        a: int = 0

        def __repr__(self) -> str:
            return "custom"

    assert repr(C()) == "custom"

    @record.record
    class Guarded:
        a: int = 0

        def __setattr__(self, name, value):
            object.__setattr__(self, name, value * 2)

    assert Guarded(2).a == 4 and Guarded(2) == Guarded(2)


def test_refuses_what_dataclasses_refuse():
    with pytest.raises(ValueError):
        record.record(type("M", (), {"__annotations__": {"xs": "list"}, "xs": []}))
    with pytest.raises(TypeError):
        record.record(type("O", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))
    with pytest.raises(ValueError):
        field(default=1, default_factory=int)


def test_asdict_like_dataclasses():
    @dataclasses.dataclass
    class DLeaf:
        n: int = 0
        xs: list[int] = dataclasses.field(default_factory=list)

    t = Tree("t", Leaf(1, [1, 2]), [Leaf(2), Leaf(3, [4])], {"k": Leaf(5)}, (Leaf(6), 7), None)
    out = asdict(t)
    assert out == {
        "name": "t",
        "leaf": {"n": 1, "xs": [1, 2]},
        "leaves": [{"n": 2, "xs": []}, {"n": 3, "xs": [4]}],
        "by_name": {"k": {"n": 5, "xs": []}},
        "pair": ({"n": 6, "xs": []}, 7),
        "maybe": None,
    }
    assert out["leaf"]["xs"] is not t.leaf.xs  # a copy, as dataclasses.asdict makes
    assert asdict(Leaf(1, [2])) == dataclasses.asdict(DLeaf(1, [2]))
    json.dumps(out)


def test_models_are_records_with_their_old_behaviour():
    from libcontainer import configs
    from libcontainer.cgroups.stats import Stats
    from libcontainer.process import Process

    cfg = configs.Config(namespaces=[configs.Namespace(configs.NEWPID)])
    assert isinstance(cfg.namespaces, configs.Namespaces)  # __post_init__ ran
    assert cfg.hooks is not configs.Config().hooks
    d = configs.Device("c", 1, 3, "rwm", True, "/dev/null", 0o666)
    assert d.rule() == configs.DeviceRule("c", 1, 3, "rwm", True)
    assert [f.name for f in fields(configs.Device)][:5] == ["type", "major", "minor", "permissions", "allow"]
    p = Process(["sh"])
    assert p.pid is None and "_status" not in repr(p)
    stats = Stats().to_dict()
    assert stats["memory_stats"]["page_usage_by_numa"]["hierarchical"]["total"] == {"total": 0, "nodes": {}}


def test_hot_imports_need_no_dataclasses_typing_or_inspect():
    code = (
        "import sys\n"
        "import libcontainer.configs, libcontainer.process, libcontainer.rootfs.mounts\n"
        "import libcontainer.cgroups.stats, libcontainer.specconv.mounts, libcontainer.configs.load\n"
        "libcontainer.configs.Config()\n"
        "print(sorted(m for m in ('dataclasses', 'typing', 'inspect') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
