"""pyrunc's pure parts: argument parsing, runc's value formats, output shapes, log lines."""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys

import pytest

from libcontainer.cgroups.stats import Stats
from libcontainer.cli import events, log, ps, saved, state_list, update
from libcontainer.cli.common import CliError
from libcontainer.cli.kill_delete import parse_signal
from libcontainer.cli.main import build_parser, main
from libcontainer.configs.cgroup import Resources


def test_signal_by_name_or_number():
    assert parse_signal("9") == 9
    assert parse_signal("KILL") == parse_signal("SIGKILL") == parse_signal("kill") == 9
    assert parse_signal("sigterm") == 15
    with pytest.raises(CliError, match='unknown signal "FOO"'):
        parse_signal("FOO")


def test_sizes_and_durations_as_go_parses_them():
    assert update.ram_in_bytes("64m") == 64 << 20
    assert update.ram_in_bytes("1g") == update.ram_in_bytes("1GiB") == 1 << 30
    assert update.ram_in_bytes("100") == 100
    with pytest.raises(ValueError, match="invalid size"):
        update.ram_in_bytes("lots")
    assert events.parse_duration("5s") == 5
    assert events.parse_duration("1m30s") == 90
    assert events.parse_duration("100ms") == pytest.approx(0.1)
    with pytest.raises(CliError):
        events.parse_duration("soon")


def test_update_flags_leave_unset_limits_alone():
    args = build_parser().parse_args(["update", "--memory", "-1", "--cpu-quota", "5000", "--pids-limit", "9", "x"])
    r = Resources(memory=1, cpu_period=100000, cpu_shares=7)
    update.from_flags(args, r)
    assert (r.memory, r.cpu_quota, r.cpu_period, r.cpu_shares, r.pids_limit) == (-1, 5000, 100000, 7, 9)


def test_update_json_only_overrides_what_is_given(tmp_path):
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"cpu": {"shares": 512}, "pids": {"limit": 3}}))
    r = Resources(memory=123)
    update.from_json(str(f), r)
    assert (r.memory, r.cpu_shares, r.pids_limit) == (123, 512, 3)
    assert r.cpu_weight > 0


def test_ps_filter_keeps_header_and_container_pids():
    out = "UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sleep\nroot 43 1 other\n"
    assert ps.filter_ps(out, {42}) == ["UID PID PPID CMD", "root 42 1 sleep"]
    with pytest.raises(CliError, match="couldn't find PID field"):
        ps.filter_ps("A B\n1 2\n", {1})


def test_ps_runs_the_hosts_ps_and_reports_its_status_and_errors(monkeypatch, tmp_path):
    import os

    status, out = ps.run_ps(["-p", str(os.getpid()), "-o", "pid="])
    assert (status, out.split()) == (0, [str(os.getpid())])
    status, out = ps.run_ps(["--no-such-option"])
    assert status != 0 and "unknown gnu long option" in out  # its stderr, in the same pipe
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError):
        ps.run_ps([])


def test_ps_starts_with_sigpipe_at_its_default(monkeypatch, tmp_path):
    """Python ignores SIGPIPE, and an ignored signal stays ignored across execve: ps must
    get the default back (as subprocess's restore_signals gives it)."""
    import signal

    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN  # the interpreter's own setting
    fake = tmp_path / "ps"
    fake.write_text("#!/bin/sh\ngrep SigIgn /proc/self/status\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path) + ":/usr/bin:/bin")
    status, out = ps.run_ps([])
    ignored = int(out.split()[1], 16)
    assert status == 0 and not ignored & (1 << (signal.SIGPIPE - 1)) and not ignored & (1 << (signal.SIGXFSZ - 1))


def test_annotations_and_state_shape():
    from libcontainer.state import annotations

    bundle, ann = annotations(["a=b", "bundle=/x", "c=d=e", "junk"])
    assert bundle == "/x" and ann == {"a": "b", "c": "d=e"}


def test_list_table_and_time_format_like_go():
    assert state_list._rfc3339nano("2024-01-02T03:04:05.120000000Z") == "2024-01-02T03:04:05.12Z"
    assert state_list._rfc3339nano("2024-01-02T03:04:05.000000000Z") == "2024-01-02T03:04:05Z"
    text = state_list.table([["ID", "PID"], ["a-very-long-container-id", "1"]])
    assert text.splitlines()[1] == "a-very-long-container-id   1"
    assert text.splitlines()[0].index("PID") == len("a-very-long-container-id") + 3


def test_log_lines_have_logrus_keys():
    rec = logging.LogRecord("x", logging.ERROR, __file__, 1, 'bad "thing"', None, None)
    line = json.loads(log.JSONFormatter().format(rec))
    assert list(line) == ["level", "msg", "time"] and line["level"] == "error"
    text = log.TextFormatter().format(rec)
    assert text.startswith('time="') and 'level=error msg="bad \\"thing\\""' in text
    rec.msg = "plain"
    assert log.TextFormatter().format(rec).endswith("msg=plain")


def test_stats_converted_to_runc_keys():
    s = Stats()
    s.memory_stats.usage.limit = 5
    s.pids_stats.current = 2
    d = events.convert_stats(s)
    assert set(d) == {"cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"}
    assert d["memory"]["usage"] == {"limit": 5, "failcnt": 0}
    assert d["pids"] == {"current": 2}
    assert d["cpu"]["usage"] == {"kernel": 0, "user": 0}


def test_usage_errors_exit_1_with_runc_wording(capsys):
    assert main(["--no-such"]) == 1
    assert "flag provided but not defined: -no-such" in capsys.readouterr().err
    assert main(["--log-format", "xml", "list"]) == 1
    assert "invalid log-format: xml" in capsys.readouterr().err
    assert main(["--root", "/", "list"]) == 1
    assert "should not be set to /" in capsys.readouterr().err


def test_missing_container_needs_no_heavy_imports(tmp_path):
    code = (
        "import sys; from libcontainer.cli.main import main; "
        f"rc = main(['--root', {str(tmp_path)!r}, 'state', 'nope']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('marshmallow','pluggy','stevedore'))); "
        "sys.exit(rc)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 1 and "container does not exist" in res.stderr
    assert res.stdout.strip() == "[]"


def test_command_table_matches_the_modules():
    """main.COMMANDS (names, help, order) is what each module's register() declares."""
    from libcontainer.cli import main as cli_main

    class Recorder:
        def __init__(self):
            self.seen = []

        def add_parser(self, name, **kwargs):
            self.seen.append((name, kwargs.get("help")))
            return argparse.ArgumentParser(prog=name)  # a throwaway for register() to fill

    declared = []
    for module in dict.fromkeys(m for _, m, _ in cli_main.COMMANDS):
        rec = Recorder()
        __import__(f"libcontainer.cli.{module}")
        sys.modules[f"libcontainer.cli.{module}"].register(rec)
        declared += [(name, module, help_text) for name, help_text in rec.seen]
    assert declared == list(cli_main.COMMANDS)


def test_lazy_parser_parses_like_the_full_one():
    full = build_parser(fill_all=True)
    for argv in (["state", "x"], ["exec", "-t", "--cwd", "/", "x", "sh", "-c", "ls -l"],
                 ["kill", "-a", "x", "KILL"], ["delete", "-f", "x"], ["list", "-q"],
                 ["update", "--memory", "1m", "x"], ["create", "-b", "/b", "--pid-file", "p", "x"]):
        lazy = vars(build_parser().parse_args(argv))
        whole = vars(full.parse_args(argv))
        assert lazy == whole, argv


def test_version_needs_no_specconv():
    from libcontainer.cli import main as cli_main
    from libcontainer.specconv.constants import OCI_VERSION

    assert cli_main.OCI_VERSION == OCI_VERSION


def test_library_log_records_reach_the_log_file_without_importing_logging_first(tmp_path):
    """The CLI never imports logging itself; a library module that does still logs as runc."""
    path = tmp_path / "log.json"
    code = (
        "import sys\n"
        "from libcontainer.cli import log\n"
        f"log.setup(log_path={str(path)!r}, log_format='json')\n"
        "assert 'logging' not in sys.modules\n"
        "log.error('from the cli')\n"
        "import logging\n"
        "logging.getLogger('libcontainer.specconv').warning('x: %s', 'unknown field')\n"
        "logging.getLogger('y').debug('not at info level')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(x["level"], x["msg"]) for x in lines] == [("error", "from the cli"), ("warning", "x: unknown field")]


def test_signal_table_is_the_signal_modules():
    """kill's static table (no signal/enum import) names what signal.Signals names."""
    import os
    import signal

    from libcontainer.cli.kill_delete import LINUX_SIGNALS, signal_number

    if os.uname().machine in ("x86_64", "aarch64"):
        for name, number in LINUX_SIGNALS.items():
            assert getattr(signal.Signals, name) == number, name
    for name in signal.Signals.__members__:
        assert signal_number(name) == getattr(signal.Signals, name)
        assert parse_signal(name.lower()) == parse_signal(name[3:]) == getattr(signal.Signals, name)
    assert signal_number("RTMIN") == signal.SIGRTMIN  # not in the table: the signal module
    assert signal_number("NOPE") is None and signal_number("SIG-1") is None


def test_plain_container_ids_are_valid_without_the_factory():
    """saved.plainly_valid_id never accepts an id factory.validate_id refuses."""
    from libcontainer.errors import InvalidContainerID
    from libcontainer.factory import validate_id

    samples = ["a", "abc-1.2_3+x", "é", "٣", "..", ".", "", "a/b", "a b", "a\n", "a:b", "-", "..a", "\u00b2", "ǅ"]
    samples += [chr(c) for c in range(0, 0x3000, 7)]
    for cid in samples:
        if saved.plainly_valid_id(cid):
            validate_id(cid)  # must not raise
        try:
            validate_id(cid)
        except InvalidContainerID:
            assert not saved.plainly_valid_id(cid), repr(cid)


def test_state_lock_is_exclusive(tmp_path):
    import fcntl
    import os

    from libcontainer import state as st

    with st.locked(str(tmp_path)):
        fd = os.open(tmp_path / st.LOCK_FILE, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(tmp_path / st.LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released
    finally:
        os.close(fd)


def test_state_json_round_trip_as_json_writes_it(tmp_path):
    from libcontainer import state as st

    saved_state = {"id": "c", "config": {"labels": ["bundle=/b", "é=☃"]}, "init_process_pid": 7, "x": None}
    st.write_state(str(tmp_path), saved_state)
    raw = (tmp_path / st.STATE_FILE).read_bytes()
    assert raw == json.dumps(saved_state, separators=(",", ":")).encode()
    assert st.read_state(str(tmp_path), "c") == saved_state
    (tmp_path / st.STATE_FILE).write_text("{broken")
    with pytest.raises(st.StateCorrupt, match="corrupt state file .*Expecting property name"):
        st.read_state(str(tmp_path), "c")


def test_state_output_is_runc_indented_json(capsys):
    from libcontainer.cli.common import print_json

    obj = {"ociVersion": "1.2.0", "id": "é", "pid": 0, "annotations": {"a": "b"}, "owner": ""}
    print_json(obj, indent=2)
    assert capsys.readouterr().out == json.dumps(obj, indent=2, ensure_ascii=False)
    print_json([1, "x"])
    assert capsys.readouterr().out == '[1,"x"]\n'
