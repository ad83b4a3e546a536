"""LSM label writing: exact bytes against a fake attr file, the refusal of anything that is
not the real procfs (CVE-2019-16884), and the clear failure on a host without the LSM."""

from __future__ import annotations

import os
import types

import pytest

from libcontainer import lsm, procfs
from libcontainer.configs import Config
from libcontainer.lsm import apparmor, selinux


def fake_writer(tmp_path):
    written = {}

    def write(rel, data):
        path = tmp_path / rel.replace("/", "_")
        path.write_text(data)
        written[rel] = path.read_text()

    return write, written


def test_apparmor_writes_exec_profile(tmp_path):
    write, written = fake_writer(tmp_path)
    apparmor.apply_profile("my-profile", writer=write)
    assert list(written.values()) == ["exec my-profile"]
    assert list(written)[0] in apparmor.ATTR_PATHS
    apparmor.apply_profile("", writer=write)  # nothing asked, nothing written
    assert len(written) == 1


def test_apparmor_prefers_its_own_attr_dir(tmp_path):
    (tmp_path / "thread-self/attr/apparmor").mkdir(parents=True)
    assert apparmor.exec_attr_path(str(tmp_path)) == "thread-self/attr/apparmor/exec"
    assert apparmor.exec_attr_path(str(tmp_path / "nothing")) == "thread-self/attr/exec"


def test_selinux_writes_exec_label_and_mount_label(tmp_path):
    write, written = fake_writer(tmp_path)
    selinux.set_exec_label("system_u:system_r:container_t:s0:c1,c2", writer=write)
    assert written == {"thread-self/attr/exec": "system_u:system_r:container_t:s0:c1,c2"}
    assert selinux.format_mount_label("mode=755", "system_u:object_r:container_file_t:s0") == \
        'mode=755,context="system_u:object_r:container_file_t:s0"'
    assert selinux.format_mount_label(None, "") is None


def test_a_fake_proc_is_refused(tmp_path):
    """A /proc that is a plain directory (an image's volume) never receives the label."""
    attr = tmp_path / "thread-self" / "attr"
    attr.mkdir(parents=True)
    (attr / "exec").write_text("")
    with pytest.raises(apparmor.AppArmorError, match="not the root of a procfs"):
        apparmor.apply_profile("x", proc=str(tmp_path))
    with pytest.raises(selinux.SELinuxError, match="not the root of a procfs"):
        selinux.set_exec_label("x", proc=str(tmp_path))
    assert (attr / "exec").read_text() == ""
    with pytest.raises(procfs.ProcfsError):
        procfs.open_file("thread-self/attr/exec", os.O_WRONLY, proc=str(tmp_path))


def test_the_real_proc_is_reached():
    fd = procfs.open_file("thread-self/attr/exec", os.O_WRONLY)
    os.close(fd)
    with pytest.raises(OSError):  # no LSM takes the write on this machine, but it got there
        procfs.write_file("thread-self/attr/exec", "x")
    with pytest.raises(procfs.ProcfsError, match="not the root"):
        procfs.open_root("/proc/self/task")  # on procfs, but not its root


@pytest.mark.skipif(apparmor.is_enabled() or selinux.is_enabled(), reason="the host has an LSM")
def test_config_asking_for_a_missing_lsm_fails_clearly():
    proc = types.SimpleNamespace(apparmor_profile="", label="")
    with pytest.raises(apparmor.AppArmorError, match="apparmor is not enabled"):
        lsm.check(Config(apparmor_profile="docker-default"), proc)
    with pytest.raises(selinux.SELinuxError, match="selinux is disabled"):
        lsm.check(Config(process_label="system_u:system_r:container_t:s0"), proc)
    with pytest.raises(selinux.SELinuxError):
        lsm.check(Config(), types.SimpleNamespace(apparmor_profile="", label="x"))
    lsm.check(Config(), proc)  # nothing asked: fine
