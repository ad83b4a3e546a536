"""process_from_spec: the OCI process object as a plain dict for the runtime."""

from __future__ import annotations

import pytest

from libcontainer import configs, record
from libcontainer.errors import ConfigError
from libcontainer.process import Process
from libcontainer.specconv import example_spec, process_from_spec


def test_full_process():
    p = process_from_spec({
        "terminal": True,
        "consoleSize": {"height": 24, "width": 80},
        "user": {"uid": 1, "gid": 2, "umask": 0o027, "additionalGids": [3, 4]},
        "args": ["sh", "-c", "true"],
        "env": ["A=1", "B="],
        "cwd": "/home",
        "capabilities": {"bounding": ["CAP_KILL"]},
        "rlimits": [{"type": "RLIMIT_NPROC", "hard": 10, "soft": 5}],
        "noNewPrivileges": True,
        "apparmorProfile": "prof",
        "oomScoreAdj": -500,
        "selinuxLabel": "lbl",
        "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 7},
        "scheduler": {"policy": "SCHED_DEADLINE", "runtime": 10, "deadline": 20, "period": 30},
    })
    assert p["args"] == ["sh", "-c", "true"] and p["env"] == ["A=1", "B="] and p["cwd"] == "/home"
    assert (p["uid"], p["gid"], p["umask"], p["additional_gids"]) == (1, 2, 0o027, [3, 4])
    assert (p["user"], p["additional_groups"]) == ("1:2", ["3", "4"])
    assert (p["terminal"], p["console_height"], p["console_width"]) == (True, 24, 80)
    assert p["capabilities"] == configs.Capabilities(bounding=["CAP_KILL"])
    assert p["rlimits"] == [configs.Rlimit(type=6, hard=10, soft=5)]
    assert (p["no_new_privileges"], p["apparmor_profile"], p["oom_score_adj"]) == (True, "prof", -500)
    assert p["selinux_label"] == p["label"] == "lbl"
    assert p["io_priority"] == configs.IOPriority(class_="IOPRIO_CLASS_IDLE", priority=7)
    assert p["scheduler"] == configs.Scheduler(policy="SCHED_DEADLINE", runtime=10, deadline=20, period=30)


def test_example_process_defaults():
    p = process_from_spec(example_spec(cgroup2=False)["process"])
    assert (p["uid"], p["gid"], p["umask"], p["additional_gids"]) == (0, 0, None, [])
    assert p["oom_score_adj"] is None and p["io_priority"] is None and p["scheduler"] is None


def test_usable_for_the_process_class():
    p = process_from_spec(example_spec(cgroup2=False)["process"])
    fields = {f.name: f for f in record.fields(Process)}
    proc = Process(**{k: v for k, v in p.items() if k in fields and fields[k].init})
    assert proc.args == ["sh"] and proc.user == "0:0"


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda p: p.update(args=[]), "process.args"),
        (lambda p: p["env"].append("NOEQUALS"), "process.env[2]"),
        (lambda p: p.update(cwd=""), "process.cwd"),
        (lambda p: p["user"].update(uid=-1), "process.user.uid"),
        (lambda p: p["user"].update(additionalGids=[1, "x"]), "process.user.additionalGids[1]"),
        (lambda p: p.update(rlimits=[{"type": "RLIMIT_CORE", "hard": 1, "soft": 2}]), "process.rlimits[0].soft"),
        (lambda p: p.update(scheduler={"policy": "SCHED_FAST"}), "process.scheduler.policy"),
        (lambda p: p.update(scheduler={"policy": "SCHED_FIFO", "priority": 0}), "process.scheduler.priority"),
        (lambda p: p.update(scheduler={"policy": "SCHED_OTHER", "nice": 40}), "process.scheduler.nice"),
        (lambda p: p.update(scheduler={"policy": "SCHED_OTHER", "flags": ["X"]}), "process.scheduler.flags[0]"),
        (lambda p: p.update(ioPriority={"class": "IOPRIO_CLASS_X"}), "process.ioPriority.class"),
        (lambda p: p.update(ioPriority={"class": "IOPRIO_CLASS_RT", "priority": 8}), "process.ioPriority.priority"),
        (lambda p: p.update(capabilities={"bounding": "CAP_KILL"}), "process.capabilities.bounding"),
        (lambda p: p.update(terminal="yes"), "process.terminal"),
    ],
)
def test_bad_process(mutate, field):
    proc = example_spec(cgroup2=False)["process"]
    mutate(proc)
    with pytest.raises(ConfigError) as e:
        process_from_spec(proc)
    assert e.value.field == field


def test_unknown_capability_and_fields_warned(caplog):
    proc = example_spec(cgroup2=False)["process"]
    proc["capabilities"]["ambient"] = ["CAP_FLY"]
    proc["commandLine"] = "cmd.exe"
    proc["execCPUAffinity"] = {"initial": "0"}
    proc["extra"] = 1
    process_from_spec(proc)
    for text in ("process.capabilities.ambient[0]: unknown capability CAP_FLY", "process.commandLine",
                 "process.execCPUAffinity", "process.extra: unknown field"):
        assert text in caplog.text
