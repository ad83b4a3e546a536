"""fastargs (pyrunc's argparse-free parser) against argparse itself.

Soundness: whenever fastargs returns a namespace, argparse parses the same argv to the
same namespace. Coverage: the hot commands' ordinary argv (and some tricky ones) do not
fall back. Fallback: help, errors, rare commands and flag forms it does not mirror go to
argparse. A seeded fuzz over each fast command's own flags checks soundness beyond the
hand-written samples.
"""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from libcontainer.cli import fastargs
from libcontainer.cli import main as cli_main
from libcontainer.cli.parser import UsageError

FULL = cli_main.build_parser(fill_all=True)


def argparse_result(argv):
    """vars() of argparse's namespace, or the exception class it ended with."""
    try:
        return vars(FULL.parse_args(argv))
    except (UsageError, SystemExit) as e:
        return type(e)


def fast_result(argv):
    ns = cli_main.fast_parse(list(argv))
    return None if ns is None else vars(ns)


FAST = [
    [],  # no command: main prints argparse's help
    ["--debug"],
    ["--version"],
    ["-v"],
    ["--version", "state", "x"],
    ["state", "x"],
    ["state"],
    ["state", ""],
    ["state", "--"],
    ["state", "--", "x"],
    ["state", "x", "--"],
    ["--root", "/r", "state", "x"],
    ["--root=/r", "--debug", "--log", "/l", "--log-format=json", "state", "x"],
    ["--root", "", "state", "x"],
    ["--log", "-", "state", "x"],
    ["--root=", "--log=", "state", "x"],
    ["--systemd-cgroup", "--rootless", "true", "--criu", "/c", "list", "-q"],
    ["--root", "/a", "--root", "/b", "list"],
    ["list"],
    ["list", "--format", "json"],
    ["list", "-f=json", "--quiet"],
    ["start", "x"],
    ["kill", "x"],
    ["kill", "x", "KILL"],
    ["kill", "-a", "x", "9"],
    ["kill", "--all", "x", "SIGTERM"],
    ["kill", "x", "KILL", "-a"],
    ["kill", "x", "--", "KILL"],
    ["kill", "--", "x", "KILL"],
    ["kill", "x", "KILL", "--"],
    ["kill", "-a", "--"],
    ["delete", "-f", "x"],
    ["delete", "x", "--force"],
    ["delete", "--", "x"],
    ["delete", "--", "--"],
    ["create", "-b", "/b", "--pid-file", "p", "x"],
    ["create", "--bundle=/b", "--console-socket", "/s", "--preserve-fds", "2", "--no-pivot", "--no-new-keyring", "x"],
    ["create", "x", "--bundle", "/b", "--pidfd-socket", "/p"],
    ["create", "--preserve-fds=07", "x"],
    ["run", "-d", "--keep", "--no-subreaper", "-b", "/b", "x"],
    ["run", "x", "-d"],
    ["exec", "-t", "--cwd", "/", "x", "sh", "-c", "ls -l"],
    ["exec", "-e", "A=1", "--env", "B=2", "-e=C=3", "--cap", "CAP_SYS_ADMIN", "-c", "CAP_NET_ADMIN", "x", "true"],
    ["exec", "--process", "/p.json", "--detach", "--pid-file", "/pid", "x"],
    ["exec", "x", "--", "sh", "-c", "x"],
    ["exec", "x", "sh", "--", "y"],
    ["exec", "--", "x", "ls", "--"],
    ["exec", "--", "--", "x"],
    ["exec", "-u", "1:2", "-g", "10", "-g", "11", "--no-new-privs", "--preserve-fds", "3", "--ignore-paused",
     "--cgroup", "a", "--apparmor", "p", "--process-label", "l", "x", "ls", "-la", "--bogus", "-9", "a b"],
    ["exec", "x", "ls", "-t", "--cwd", "/", "-h"],
    ["exec", "x"],
    ["exec", "-d", "x"],
    ["exec"],
    ["ps", "x"],
    ["ps", "-f", "json", "x"],
    ["ps", "x", "-eo", "pid,comm"],
    ["ps", "x", "--", "-ef"],
    ["pause", "x"],
    ["resume", "x"],
    # as engines call runc (containerd's shim, podman/conmon)
    ["--root", "/run/containerd/runc/k8s.io", "--log", "/run/c/log.json", "--log-format", "json", "--systemd-cgroup",
     "create", "--bundle", "/run/c/b", "--pid-file", "/run/c/init.pid", "--console-socket", "/tmp/s.sock", "id1"],
    ["--root", "/run/r", "--log-format=json", "--log=/l", "exec", "--process", "/tmp/p.json", "--detach",
     "--pid-file", "/run/c/exec.pid", "--console-socket", "/s", "-t", "id1"],
    ["--root", "/run/r", "kill", "--all", "id1", "9"],
    ["--root", "/run/r", "delete", "--force", "id1"],
    ["--root", "/run/r", "ps", "--format", "json", "id1"],
]

FALLBACK = [
    ["-h"],
    ["--help"],
    ["state", "-h"],
    ["exec", "--help"],
    ["exec", "x", "ls", "--c"],  # argparse: ambiguous option (even inside the command)
    ["state", "x", "--r"],  # ambiguous at the top level: --root, --rootless
    ["--deb", "state", "x"],  # an abbreviation
    ["state", "x", "y"],  # extra argument
    ["list", "--bogus"],
    ["state", "x", "--root", "/y"],  # a global flag after the command
    ["kill", "x", "-9"],  # a negative number: argparse's business
    ["kill", "x", "-a", "KILL"],  # argparse: unrecognized KILL
    ["kill", "-ad", "x"],  # grouped short flags
    ["create", "-b/b", "x"],  # attached short value
    ["create", "--preserve-fds", "two", "x"],
    ["create", "--preserve-fds=", "x"],
    ["--root"],
    ["--root", "--debug", "state"],
    ["--root", "-x", "state", "x"],
    ["--debug=1", "state", "x"],
    ["delete", "--force=1", "x"],
    ["exec", "--cwd", "--", "x"],
    ["--", "state", "x"],
    ["nosuch"],
    ["-x", "state"],
    ["events", "x"],
    ["update", "x"],
    ["spec"],
    ["features"],
    ["checkpoint", "x"],
    ["restore", "x"],
]


@pytest.mark.parametrize("argv", FAST, ids=" ".join)
def test_fast_parser_parses_as_argparse_does(argv):
    fast = fast_result(argv)
    assert fast is not None, "fell back"
    assert fast == argparse_result(argv)


@pytest.mark.parametrize("argv", FALLBACK, ids=" ".join)
def test_what_the_fast_parser_leaves_to_argparse(argv):
    assert fast_result(argv) is None


def _fuzz_alphabet(command: str) -> list[str]:
    spec = cli_main._command_spec(command)
    words = ["x", "KILL", "", "-", "--", "-9", "3", "-la", "--bogus", "--c", "--r", "--p", "a b", "-h", "/p"]
    for opt in spec.options:
        words += [opt, opt]
        if opt.startswith("--"):
            words += [opt + "=v", opt + "=3", opt[:-1]]
    return words


@pytest.mark.parametrize("command", sorted(cli_main.FAST))
def test_fuzz_the_fast_parser_never_disagrees(command):
    rng = random.Random(f"fastargs-{command}")
    words = _fuzz_alphabet(command)
    globals_ = ["--debug", "--root", "/r", "--log-format=json", "--rootless", "--root=/s"]
    fast_count = 0
    for _ in range(1500):
        argv = [rng.choice(globals_) for _ in range(rng.randint(0, 2))] + [command]
        argv += [rng.choice(words) for _ in range(rng.randint(0, 6))]
        fast = fast_result(argv)
        if fast is not None:
            fast_count += 1
            assert fast == argparse_result(argv), argv
    assert fast_count > 50  # the fuzz does exercise the fast path


def test_every_fast_command_is_understood():
    """Each command in FAST records a Spec the fast parser supports (else it would
    silently always fall back)."""
    for name in cli_main.FAST:
        spec = cli_main._command_spec(name)
        assert spec is not None and spec.supported, name
    assert fastargs.global_spec(cli_main.GLOBAL_FLAGS).supported


def test_unmirrored_declarations_disable_the_fast_path():
    for kwargs in ({"choices": ["a"]}, {"required": True}, {"nargs": "*"}, {"type": float},
                   {"action": "count"}, {"type": int, "default": "3"}):
        spec = fastargs.Spec()
        spec.add_argument("--flag", **kwargs)
        assert not spec.supported, kwargs
    spec = fastargs.Spec()
    spec.add_argument("pos")  # a required positional
    assert not spec.supported
    spec = fastargs.Spec()
    spec.add_argument("--flag", default="a")
    spec.set_defaults(flag="b")  # argparse rewrites the argument's default
    assert not spec.supported
    assert not fastargs.Commands().add_parser("x", add_help=False).supported


def test_argparse_constants_are_argparses():
    import argparse

    assert fastargs.SUPPRESS == argparse.SUPPRESS
    assert fastargs.REMAINDER == argparse.REMAINDER
    assert fastargs.OPTIONAL == argparse.OPTIONAL


def test_help_and_errors_still_come_from_argparse(capsys):
    assert cli_main.main(["state", "x", "y"]) == 1
    assert "flag provided but not defined: -y" in capsys.readouterr().err  # argparse's wording
    with pytest.raises(SystemExit):
        cli_main.main(["kill", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: pyrunc kill [-h] [-a]") and "container-id" in out


def test_hot_argv_needs_no_argparse():
    code = ("import sys\n"
            "from libcontainer.cli.main import fast_parse\n"
            "for argv in (['--version'], ['--root', '/r', 'state', 'x'], ['kill', '-a', 'x', 'KILL'],\n"
            "             ['exec', '-t', '-e', 'A=1', 'x', 'sh'], ['delete', '-f', 'x'], ['list', '-q']):\n"
            "    assert fast_parse(argv) is not None, argv\n"
            "print(sorted(m for m in ('argparse', 're', 'enum', 'gettext', 'json.decoder') if m in sys.modules))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_suppressed_flags_stay_out_of_help():
    """register() spells argparse.SUPPRESS as fastargs.SUPPRESS: still hidden in help."""
    top = FULL.format_help()
    assert "--criu" not in top and "SUPPRESS" not in top and "--root ROOT" in top
    sub = FULL._subparsers._group_actions[0].choices
    for name in ("create", "run", "exec"):
        text = sub[name].format_help()
        assert "--pidfd-socket" not in text and "SUPPRESS" not in text, name
