"""pyrunc's argparse parser: help texts, runc-like usage errors, and every argv the fast
parser (fastargs.py) leaves to it.

Imported only when needed (``-h``, an error, a rare command or flag form): argparse costs
a fresh process ~16 ms. The global flags are main.GLOBAL_FLAGS and each command's flags
its module's register(), the same declarations fastargs reads. A command's module is
imported, and its flags added, only when argparse dispatches to it (:class:`_LazyCommands`),
so `pyrunc --help` lists every command without importing any.
"""

from __future__ import annotations

import argparse

from .main import COMMAND_DEST, COMMANDS, GLOBAL_FLAGS, USAGE, load_command_module, module_of


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is runc's: logged, exit status 1.

    argparse also builds a HelpFormatter for every add_argument (to check the metavar),
    and HelpFormatter() asks shutil for the terminal's width: shutil brings zlib, bz2 and
    lzma, ~5 ms. The width matters only when help is printed.
    """

    _printing = False

    def add_argument(self, *args, **kwargs):
        # register() functions spell argparse.SUPPRESS as fastargs.SUPPRESS (so that they
        # need not import argparse); argparse tests it by identity
        for key, value in kwargs.items():
            if isinstance(value, str) and value == argparse.SUPPRESS:
                kwargs[key] = argparse.SUPPRESS
        return super().add_argument(*args, **kwargs)

    def _get_formatter(self):
        if self._printing:
            return super()._get_formatter()
        return self.formatter_class(prog=self.prog, width=80)

    def format_help(self):
        self._printing = True
        try:
            return super().format_help()
        finally:
            self._printing = False

    def format_usage(self):
        self._printing = True
        try:
            return super().format_usage()
        finally:
            self._printing = False

    def error(self, message):
        if message.startswith("unrecognized arguments: "):
            flag = message.split(": ", 1)[1].split()[0]
            message = f"flag provided but not defined: {flag.lstrip('-') and '-' + flag.lstrip('-')}"
        raise UsageError(message)


class _Filler:
    """What a module's register() sees as argparse's subparsers: hands back the empty
    parser already made for that command, for register() to add its flags to."""

    def __init__(self, parsers: dict):
        self._parsers = parsers

    def add_parser(self, name, **kwargs):
        p = self._parsers[name]
        kwargs.pop("help", None)
        for key, value in kwargs.items():  # description, epilog... as add_parser would
            setattr(p, key, value)
        return p


def fill(name: str, parsers: dict) -> None:
    """Add command ``name``'s flags (and those of its module's other commands) once."""
    p = parsers[name]
    if getattr(p, "_filled", False):
        return
    load_command_module(name).register(_Filler(parsers))
    for other, module, _ in COMMANDS:
        if module == module_of(name):
            parsers[other]._filled = True


class _LazyCommands(argparse._SubParsersAction):
    """argparse's subcommands, filling in the chosen command's parser on dispatch."""

    def __call__(self, parser, namespace, values, option_string=None):
        if values and values[0] in self._name_parser_map:
            fill(values[0], self._name_parser_map)
        super().__call__(parser, namespace, values, option_string)


def build_parser(*, fill_all: bool = False) -> Parser:
    """The whole parser; commands' flags are added on dispatch unless ``fill_all``."""
    p = Parser(prog="pyrunc", description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    for names, kwargs in GLOBAL_FLAGS:
        p.add_argument(*names, **kwargs)
    sub = p.add_subparsers(dest=COMMAND_DEST, metavar="COMMAND", parser_class=Parser, action=_LazyCommands)
    for name, _module, help_text in COMMANDS:
        sub.add_parser(name, help=help_text)
    if fill_all:
        for name, _module, _help in COMMANDS:
            fill(name, sub._name_parser_map)
    return p
