"""Capabilities: the five sets applied exactly as configured, seen from outside
(/proc/PID/status of the init waiting on its FIFO) and from inside, for run and exec."""

from __future__ import annotations

import logging

import pytest

from libcontainer import Factory, Process
from libcontainer import capabilities as caps_mod
from libcontainer.configs import Capabilities, Config, Mount, Namespace

pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")
DOCKER = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
          "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]


def mask(names) -> int:
    return sum(1 << caps_mod.CAPABILITY_NUMBERS[n] for n in names)


def status_caps(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"):
            out[key] = int(value.strip(), 16) if key != "NoNewPrivs" else int(value)
    return out


def config(rootfs, caps, **kw) -> Config:
    return Config(rootfs=rootfs, namespaces=[Namespace(t) for t in NEW], capabilities=caps,
                  mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)], **kw)


def run_status(factory, cid, cfg, tmp_path, **pkw):
    """Start, read the init's caps from outside, release it, read them from inside."""
    out = open(tmp_path / f"{cid}.out", "w+")
    c = factory.create(cid, cfg)
    try:
        p = Process(args=["/bin/cat", "/proc/self/status"], stdout=out, stderr=out, **pkw)
        c.start(p)
        with open(f"/proc/{c.init_pid}/status") as f:
            outside = status_caps(f.read())
        c.exec()
        assert p.wait().code == 0
    finally:
        c.destroy()
    out.seek(0)
    text = out.read()
    return outside, status_caps(text), text


def test_docker_default_sets_applied(rootfs, state_root, tmp_path, no_leaks):
    caps = Capabilities(bounding=DOCKER, effective=DOCKER, permitted=DOCKER, inheritable=[], ambient=[])
    outside, inside, text = run_status(Factory(state_root), "caps1", config(rootfs, caps), tmp_path)
    want = mask(DOCKER)
    assert outside["CapBnd"] == want and outside["CapEff"] == want and outside["CapPrm"] == want
    assert outside["CapInh"] == 0 and outside["CapAmb"] == 0
    # root keeps what its bounding set allows across execve
    assert inside["CapBnd"] == want and inside["CapEff"] == want and inside["CapPrm"] == want, text
    assert inside["CapInh"] == 0 and inside["CapAmb"] == 0


def test_non_root_with_ambient_and_no_new_privs(rootfs, state_root, tmp_path, no_leaks):
    amb = ["CAP_NET_BIND_SERVICE", "CAP_KILL"]
    caps = Capabilities(bounding=DOCKER, effective=amb, permitted=amb, inheritable=amb, ambient=amb)
    cfg = config(rootfs, caps, no_new_privileges=True)
    outside, inside, text = run_status(Factory(state_root), "caps2", cfg, tmp_path, user="1000:1000")
    assert outside["CapAmb"] == mask(amb) and outside["CapBnd"] == mask(DOCKER)
    assert outside["NoNewPrivs"] == 1
    # a non-root program gets exactly its ambient set across execve
    assert inside["CapEff"] == mask(amb) and inside["CapPrm"] == mask(amb), text
    assert inside["CapAmb"] == mask(amb) and inside["CapInh"] == mask(amb)
    assert inside["NoNewPrivs"] == 1
    assert "Uid:\t1000\t1000\t1000\t1000" in text


def test_empty_sets_drop_everything(rootfs, state_root, tmp_path, no_leaks):
    caps = Capabilities()
    outside, inside, text = run_status(Factory(state_root), "caps3", config(rootfs, caps), tmp_path)
    assert outside == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": 0, "CapAmb": 0, "NoNewPrivs": 0}
    assert inside["CapBnd"] == 0 and inside["CapEff"] == 0, text


def test_no_capabilities_config_leaves_them_alone(rootfs, state_root, tmp_path, no_leaks):
    outside, inside, _ = run_status(Factory(state_root), "caps4", config(rootfs, None), tmp_path)
    with open("/proc/self/status") as f:
        ours = status_caps(f.read())  # the runtime's own sets are inherited unchanged
    assert outside["CapBnd"] == ours["CapBnd"] and inside["CapEff"] == ours["CapEff"]


def test_unknown_capabilities_are_ignored_with_a_warning(rootfs, state_root, tmp_path, no_leaks, caplog):
    with caplog.at_level(logging.WARNING, logger="libcontainer.capabilities"):
        sets = caps_mod.CapSets.from_config(Capabilities(bounding=["CAP_KILL", "CAP_BOGUS", "CAP_BPF"]), last=38)
    assert sets.bounding == mask(["CAP_KILL"]) and sets.unknown == ("CAP_BOGUS", "CAP_BPF")
    assert "ignoring unknown or unavailable capabilities: [CAP_BOGUS CAP_BPF]" in caplog.text
    caps = Capabilities(bounding=["CAP_KILL", "CAP_NOT_A_CAP"], effective=["CAP_KILL", "CAP_NOT_A_CAP"],
                        permitted=["CAP_KILL"])
    outside, inside, _ = run_status(Factory(state_root), "caps5", config(rootfs, caps), tmp_path)
    assert inside["CapBnd"] == mask(["CAP_KILL"]) and inside["CapEff"] == mask(["CAP_KILL"])


def test_exec_gets_its_own_capabilities(rootfs, state_root, tmp_path, no_leaks):
    cfg = config(rootfs, Capabilities(bounding=DOCKER, effective=DOCKER, permitted=DOCKER))
    c = Factory(state_root).create("caps6", cfg)
    out = open(tmp_path / "exec.out", "w+")
    try:
        init = Process(args=["/bin/sleep", "30"])
        c.run(init)
        p = Process(args=["/bin/cat", "/proc/self/status"], stdout=out, stderr=out,
                    capabilities=Capabilities(bounding=["CAP_KILL"], effective=["CAP_KILL"], permitted=["CAP_KILL"]),
                    no_new_privileges=True)
        c.start(p)
        assert p.wait().code == 0
        init.signal(9)
        init.wait()
    finally:
        c.destroy()
    out.seek(0)
    inside = status_caps(out.read())
    assert inside["CapBnd"] == mask(["CAP_KILL"]) and inside["CapEff"] == mask(["CAP_KILL"])
    assert inside["NoNewPrivs"] == 1
