"""cli/saved.py's exec view: state.json's fields for `exec`'s native child, and when the
whole Config (Factory.load) must be loaded instead."""

from __future__ import annotations

import os

from libcontainer import state as st
from libcontainer.cli import saved

CONFIG = {
    "rootfs": "/r", "labels": ["bundle=/b"], "namespaces": [{"type": "NEWPID"}, {"type": "NEWNS", "path": "/x"}],
    "rlimits": [{"type": 7, "hard": 4096, "soft": 1024}], "capabilities": {"Bounding": ["CAP_KILL"]},
    "parent_death_signal": 9, "umask": 18, "no_new_privileges": True, "rootPropagation": 0x84000,
    "cgroups": {"path": "/c"},
}


def _write(root, cid, config, paths):
    d = os.path.join(root, cid)
    os.makedirs(d)
    st.write_state(d, {"id": cid, "config": config, "cgroup_paths": paths, "init_process_pid": 1})


def test_the_exec_view_reads_the_fields_the_plan_needs():
    c = saved.ExecConfig(CONFIG)
    assert c.partial and c.rootfs == "/r" and c.labels == ["bundle=/b"]
    assert [(n.type, n.path) for n in c.namespaces] == [("NEWPID", ""), ("NEWNS", "/x")]
    assert [(r.type, r.soft, r.hard) for r in c.rlimits] == [(7, 1024, 4096)]
    assert c.capabilities == {"Bounding": ["CAP_KILL"]} and c.seccomp is None
    assert (c.parent_death_signal, c.umask, c.no_new_privileges, c.root_propagation) == (9, 18, True, 0x84000)
    assert (c.apparmor_profile, c.process_label, c.mount_label, c.sysctl) == ("", "", "", {})


def test_v1_paths_give_tasks_files_v2_and_systemd_need_the_backend(tmp_path):
    v1 = {"cpu": "/sys/fs/cgroup/cpu/c", "memory": "/sys/fs/cgroup/memory/c"}
    assert saved.SavedCgroupView(v1).join_files() == ["/sys/fs/cgroup/cpu/c/tasks", "/sys/fs/cgroup/memory/c/tasks"]
    assert saved.SavedCgroupView({"": "/sys/fs/cgroup/c"}).join_files() is None  # v2 moves by pid
    root = str(tmp_path)
    _write(root, "a", CONFIG, v1)
    _write(root, "b", CONFIG, {"": "/sys/fs/cgroup/c"})
    _write(root, "c", {**CONFIG, "cgroup_driver": "systemd"}, v1)
    _write(root, "d", {k: v for k, v in CONFIG.items() if k != "cgroups"}, {})
    a = saved.exec_container(root, "a")
    assert isinstance(a.config, saved.ExecConfig) and a.cgroup_manager.join_files()
    assert saved.exec_container(root, "b") is None and saved.exec_container(root, "c") is None
    assert saved.exec_container(root, "d").cgroup_manager is None  # no cgroups: nothing to join
