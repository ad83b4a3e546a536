"""pyrunc's own argv parser for the hot commands: argparse's namespace, without argparse.

Why: importing argparse costs a fresh process ~16 ms (it brings re, enum and gettext,
and gettext brings locale), more than the rest of `pyrunc state`, which an engine runs
thousands of times. The flags of `state`, `kill`, `start`, `exec`... are few and simple.

No flag is declared here. The global flags are main.GLOBAL_FLAGS and a command's flags
its module's register(): the very add_argument() calls argparse gets, made on a
recorder (:class:`Commands`, :class:`Spec`) instead of on argparse's subparsers. So the
two parsers cannot disagree about which flags exist, their forms, kinds or defaults.

What it does is argparse's (3.11) own algorithm for the cases it supports: the same
classification of each argument (an exact option, ``--opt=value``, ``--``, a
positional), options and positionals consumed alternately, optional positionals
(``nargs="?"``) and a trailing ``REMAINDER`` matched as argparse's regular expressions
match them, the first ``--`` dropped from a positional's strings, ``type=int``, append
actions. Whatever it does not fully understand raises :class:`Fallback`, and main.py
hands the whole argv to argparse: ``-h``/``--help``, an unknown or abbreviated option,
an attached short value (``-b/x``) or grouped short flags (``-ad``), a missing value, a
value that starts with ``-``, extra arguments, an ill-formed number, a command not in
main.FAST, a keyword the recorder does not know. Help texts and error messages therefore
always come from argparse. tests/unit/test_fastargs.py checks both parsers agree.
"""

from __future__ import annotations

#: argparse.SUPPRESS and argparse.REMAINDER, for register() functions that must not import argparse.
SUPPRESS = "==SUPPRESS=="
REMAINDER = "..."
OPTIONAL = "?"

_STORE, _CONST, _APPEND, _HELP = "store", "const", "append", "help"
#: argument classes, as argparse's pattern letters: A, "-" (the first --), and O (an
#: option: an (Arg, explicit value) tuple); _UNKNOWN is a string starting with "-" that
#: argparse may read as an option (unknown, abbreviated, attached value) or as a
#: positional (a negative number, a string with a space): never decided here.
_A, _DASHDASH, _UNKNOWN = "A", "-", "?"
_ADD_ARGUMENT_KEYS = frozenset({"action", "dest", "default", "type", "const", "nargs", "help", "metavar"})
_ADD_PARSER_KEYS = frozenset({"help", "description", "epilog", "formatter_class"})


class Fallback(Exception):
    """An argv this parser does not fully understand: argparse decides."""


class Namespace:
    """argparse.Namespace's behaviour that commands use: attributes, ``in``, equality."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def __eq__(self, other):
        if not isinstance(other, Namespace):
            return NotImplemented
        return vars(self) == vars(other)

    def __contains__(self, key):
        return key in self.__dict__

    def __repr__(self):
        return "Namespace(" + ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()) + ")"


class Arg:
    """One add_argument() call, reduced to what parsing needs."""

    __slots__ = ("dest", "kind", "const", "default", "type", "nargs")

    def __init__(self, dest, kind, const, default, type_, nargs):
        self.dest = dest
        self.kind = kind
        self.const = const
        self.default = default
        self.type = type_
        self.nargs = nargs


class Spec:
    """One parser's arguments, recorded from the add_argument() calls argparse would get.

    ``supported`` turns false at the first call whose meaning is not mirrored here; such
    a command is always parsed by argparse.
    """

    def __init__(self):
        self.options: dict[str, Arg] = {}
        self.positionals: list[Arg] = []
        self.actions: list[Arg] = []
        self.defaults: dict = {}
        self.supported = True
        self.add_argument("-h", "--help", action="help")  # argparse's add_help

    def add_argument(self, *names, **kwargs) -> None:
        arg = self._arg(names, kwargs)
        if arg is None:
            self.supported = False
            return
        if arg.dest in self.defaults:
            self.supported = False  # argparse would take the parser default as this default
        self.actions.append(arg)
        if names[0][:1] == "-":
            for name in names:
                self.options[name] = arg
        else:
            self.positionals.append(arg)

    def set_defaults(self, **kwargs) -> None:
        if any(a.dest in kwargs for a in self.actions):
            self.supported = False  # argparse would rewrite that argument's default
        self.defaults.update(kwargs)

    @staticmethod
    def _arg(names, kwargs) -> Arg | None:
        if not names or not kwargs.keys() <= _ADD_ARGUMENT_KEYS:
            return None
        action = kwargs.get("action", "store")
        type_ = kwargs.get("type")
        nargs = kwargs.get("nargs")
        default = kwargs.get("default")
        const = kwargs.get("const")
        if type_ not in (None, int) or (type_ is not None and isinstance(default, str)):
            return None  # argparse converts a string default through type after parsing
        positional = names[0][:1] != "-"
        if positional:
            if len(names) != 1 or action != "store" or type_ is not None or nargs not in (OPTIONAL, REMAINDER):
                return None
            return Arg(kwargs.get("dest", names[0]), _STORE, None, default, None, nargs)
        if nargs is not None or not all(n[:1] == "-" and len(n) > 1 for n in names):
            return None
        if action == "store":
            kind = _STORE
        elif action == "append":
            kind = _APPEND
        elif action in ("store_true", "store_false"):
            kind, const = _CONST, action == "store_true"
            if "default" not in kwargs:
                default = not const
        elif action == "store_const" and "const" in kwargs:
            kind = _CONST
        elif action == "help":
            return Arg(SUPPRESS, _HELP, None, SUPPRESS, None, None)
        else:
            return None
        if kind == _CONST and type_ is not None:
            return None
        dest = kwargs.get("dest")
        if dest is None:
            longs = [n for n in names if n[1] == "-"]
            dest = (longs or names)[0].lstrip("-").replace("-", "_")
            if not dest:
                return None
        return Arg(dest, kind, const, default, type_, None)

    # ---- parsing ---------------------------------------------------------------------
    def classify(self, strings: list[str]) -> list:
        """argparse's pattern of ``strings`` for this parser (its _parse_optional).

        An abbreviation that matches several options is argparse's "ambiguous option"
        error wherever it stands (argparse classifies every string, even those a
        REMAINDER or a subcommand takes later): Fallback at once.
        """
        out: list = []
        options = self.options
        for i, s in enumerate(strings):
            if s == "--":
                out.append(_DASHDASH)
                out.extend(_A for _ in strings[i + 1:])  # all positional after it
                break
            if not s or s[0] != "-":
                out.append(_A)
            elif s in options:
                out.append((options[s], None))
            elif len(s) == 1:
                out.append(_A)
            else:
                name, eq, value = s.partition("=")
                if eq and name in options:
                    out.append((options[name], value))
                elif self._abbreviations(s) > 1:
                    raise Fallback(f"ambiguous option {s}")
                else:
                    out.append(_UNKNOWN)
        return out

    def _abbreviations(self, s: str) -> int:
        """How many option strings argparse's _get_option_tuples finds for ``s``."""
        if s[1] == "-":
            prefix = s.partition("=")[0]
            return sum(1 for o in self.options if o.startswith(prefix))
        short = s[:2]
        return sum(1 for o in self.options if o == short or o.startswith(s))

    def initial(self) -> dict:
        """The namespace before parsing: each argument's default, then the parser's defaults."""
        ns: dict = {}
        for a in self.actions:
            if a.dest != SUPPRESS and a.default != SUPPRESS:
                ns.setdefault(a.dest, a.default)
        for key, value in self.defaults.items():
            ns.setdefault(key, value)
        return ns

    def take_option(self, strings: list[str], classes: list, i: int, ns: dict) -> int:
        """Consume the option at ``i`` (and its value); returns the next index."""
        arg, explicit = classes[i]
        if arg.kind is _HELP:
            raise Fallback("help")
        if arg.kind is _CONST:
            if explicit is not None:
                raise Fallback("explicit value for a flag")
            ns[arg.dest] = arg.const
            return i + 1
        if explicit is not None:
            value, i = explicit, i + 1
        elif i + 1 < len(strings) and classes[i + 1] is _A:
            value, i = strings[i + 1], i + 2
        else:
            raise Fallback("option value missing or starting with -")
        if arg.type is not None:
            try:
                value = arg.type(value)
            except (TypeError, ValueError):
                raise Fallback("invalid value") from None
        if arg.kind is _APPEND:
            items = ns.get(arg.dest)
            items = [] if items is None else list(items)
            items.append(value)
            ns[arg.dest] = items
        else:
            ns[arg.dest] = value
        return i

    def _take_positionals(self, strings: list[str], classes: list, i: int, ns: dict) -> int:
        """argparse's consume_positionals: every positional left, matched from ``i`` on.

        With only ``?`` positionals and a final REMAINDER every one of them can match
        nothing, so argparse's regular expression matches greedily, left to right, in
        one pass: ``-*A?-*`` for each ``?`` (the ``-`` being the first ``--``), then
        ``[-AO]*`` (everything) for REMAINDER.
        """
        n = len(strings)
        for arg in self.positionals:
            start = i
            if arg.nargs == REMAINDER:
                ns[arg.dest] = strings[start:]
                i = n
                continue
            while i < n and classes[i] is _DASHDASH:
                i += 1
            if i < n and classes[i] is _A:
                i += 1
            elif i < n and classes[i] is _UNKNOWN:
                raise Fallback("cannot tell a positional from an option")
            while i < n and classes[i] is _DASHDASH:
                i += 1
            values = strings[start:i]
            if "--" in values:
                values.remove("--")
            if len(values) > 1:
                raise Fallback("several strings for one positional")
            ns[arg.dest] = values[0] if values else arg.default
        return i

    def parse(self, strings: list[str]) -> dict:
        """argparse's parse_known_args(strings) as a dict, when it ends without extras."""
        classes = self.classify(strings)
        ns = self.initial()
        pending = bool(self.positionals)
        i, n = 0, len(strings)
        while i < n:
            cls = classes[i]
            if cls is _A or cls is _DASHDASH:
                if not pending:
                    raise Fallback("extra arguments")
                i = self._take_positionals(strings, classes, i, ns)
                pending = False
            elif cls is _UNKNOWN:
                raise Fallback("unknown option")
            else:
                i = self.take_option(strings, classes, i, ns)
        if pending:
            self._take_positionals(strings, classes, n, ns)
        return ns


class Commands:
    """What a module's register() sees as argparse's subparsers: records each command's Spec."""

    def __init__(self):
        self.specs: dict[str, Spec] = {}

    def add_parser(self, name, **kwargs) -> Spec:
        spec = self.specs[name] = Spec()
        if not kwargs.keys() <= _ADD_PARSER_KEYS:
            spec.supported = False
        return spec


def global_spec(flags) -> Spec:
    """The Spec of pyrunc's own flags, from the table argparse is built from."""
    spec = Spec()
    for names, kwargs in flags:
        spec.add_argument(*names, **kwargs)
    return spec


def parse(argv: list[str], top: Spec, command_spec, command_dest: str) -> Namespace | None:
    """argparse's parse_args(argv) for pyrunc, or None when argparse must do it.

    ``command_spec(name)`` returns the Spec of a command the fast path may parse, or
    None. Everything after the command is that command's, as argparse's subparsers
    action takes it.
    """
    try:
        return _parse(argv, top, command_spec, command_dest)
    except Fallback:
        return None


def _parse(argv, top: Spec, command_spec, command_dest: str) -> Namespace:
    if not top.supported:
        raise Fallback("global flags")
    classes = top.classify(argv)
    ns = top.initial()
    ns[command_dest] = None
    i, n = 0, len(argv)
    while i < n and classes[i] is not _A:
        if classes[i] is _DASHDASH or classes[i] is _UNKNOWN:
            raise Fallback("not a global flag")
        i = top.take_option(argv, classes, i, ns)
    if i < n:
        spec = command_spec(argv[i])
        if spec is None or not spec.supported:
            raise Fallback("not a fast command")
        ns[command_dest] = argv[i]
        ns.update(spec.parse(argv[i + 1:]))
    return Namespace(**ns)
