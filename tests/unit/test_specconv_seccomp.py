"""Seccomp conversion and its errors, each naming the OCI field."""

from __future__ import annotations

import pytest

from libcontainer import configs
from libcontainer.errors import ConfigError
from libcontainer.specconv import setup_seccomp


def test_disabled_when_empty():
    assert setup_seccomp(None) is None
    assert setup_seccomp({}) is None
    assert setup_seccomp({"defaultAction": "", "syscalls": []}) is None


def test_default_flags_is_spec_allow_unless_given():
    assert setup_seccomp({"defaultAction": "SCMP_ACT_ALLOW"}).flags == ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]
    assert setup_seccomp({"defaultAction": "SCMP_ACT_ALLOW", "flags": []}).flags == []


@pytest.mark.parametrize("name, action", sorted(configs.seccomp.ACTIONS_BY_OCI_NAME.items()))
def test_every_action(name, action):
    s = setup_seccomp({
        "defaultAction": name, "listenerPath": "/sock",
        "syscalls": [{"names": ["getpid"], "action": name}],
    })
    assert s.default_action == action and s.syscalls[0].action == action


@pytest.mark.parametrize("name, op", sorted(configs.seccomp.OPERATORS_BY_OCI_NAME.items()))
def test_every_operator(name, op):
    s = setup_seccomp({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 1, "value": 0x5401, "valueTwo": 3, "op": name}]}],
    })
    assert s.syscalls[0].args == [configs.Arg(index=1, value=0x5401, value_two=3, op=op)]


def test_names_expand_to_one_rule_each():
    s = setup_seccomp({
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{"names": ["a", "b", "c"], "action": "SCMP_ACT_LOG", "errnoRet": 5}],
    })
    assert [(c.name, c.errno_ret) for c in s.syscalls] == [("a", 5), ("b", 5), ("c", 5)]
    assert s.syscalls[0].args is not s.syscalls[1].args


@pytest.mark.parametrize(
    "profile, field",
    [
        ({"defaultAction": "SCMP_ACT_NOPE"}, "linux.seccomp.defaultAction"),
        ({"syscalls": [{"names": ["x"], "action": "SCMP_ACT_ALLOW"}]}, "linux.seccomp.defaultAction"),
        ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["a"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["a"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["a"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["a"], "action": "SCMP_ACT_BOGUS"}]}, "linux.seccomp.syscalls[3].action"),
        ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["a"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 1, "op": "EQ"}]}]},
         "linux.seccomp.syscalls[0].args[1].op"),
        ({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]},
         "linux.seccomp.architectures[1]"),
        ({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NOPE"]}, "linux.seccomp.flags[0]"),
        ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ALLOW"}]},
         "linux.seccomp.syscalls[0].names"),
        ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["a"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}]},
         "linux.seccomp.syscalls[0].args[0].index"),
        ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_NOTIFY"}]},
         "linux.seccomp.listenerPath"),
        ({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1}, "linux.seccomp.defaultErrnoRet"),
        ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": "read"}, "linux.seccomp.syscalls"),
    ],
)
def test_errors_name_the_field(profile, field):
    with pytest.raises(ConfigError) as e:
        setup_seccomp(profile)
    assert e.value.field == field


def test_arches():
    s = setup_seccomp({"defaultAction": "SCMP_ACT_ALLOW", "architectures": [
        "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X",
        "SCMP_ARCH_RISCV64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_LOONGARCH64"]})
    assert s.architectures == ["x86", "x32", "arm", "ppc64le", "s390x", "riscv64", "mipsel64n32", "loong64"]


def test_unknown_keys_warned(caplog):
    setup_seccomp({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["a"], "action": "SCMP_ACT_ALLOW", "comment": "x"}]})
    assert "linux.seccomp.syscalls[0].comment: unknown field" in caplog.text
