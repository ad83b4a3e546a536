"""The test double of the syscall seam (libcontainer.syscalls): records every call.

A module of its own, as youki keeps its test syscall apart from the real one: every
`run`, `create` and `exec` imports the seam, and none of them needs the double.
"""

from __future__ import annotations

import itertools

from .syscalls import API, LinuxSyscalls

# default fake results keep calling code on its normal path: fds that look like fds, a clone that
# looks like the *parent* side (0 would make the caller run the child branch), all caps held
_FD_RETURNING = ("open_tree", "fsopen", "fsmount", "openat2", "pidfd_open")
_ALL_CAPS = (1 << 41) - 1
_DEFAULTS = {
    "clone": 4242,
    "clone_init": 4242,
    "capget": (_ALL_CAPS, _ALL_CAPS, 0),
    "cap_last_cap": 40,
    "prctl": 0,
    "umask": 0o022,
}


class RecordingSyscalls:
    """Test double: records every call as ``(name, args)`` and returns configurable results.

    ``args`` is the tuple of arguments bound to the real signature with defaults filled in
    (keyword-only ones last, in signature order), so ``sc.mount(None, "/x", None)`` and
    ``sc.mount(None, "/x", None, flags=0)`` record the same thing and a call with a wrong
    signature raises ``TypeError`` just like the real layer would.

    ``results`` maps a method name to what it returns: a plain value, an exception instance or
    class (raised), or a callable ``f(*args)`` whose return value is used (it may raise).
    Lists are not special: use a callable (e.g. ``iter([...]).__next__``) for sequences.
    """

    def __init__(self, results: dict[str, object] | None = None) -> None:
        self.calls: list[tuple[str, tuple]] = []
        self.results: dict[str, object] = {}
        self._fds = itertools.count(1000)
        for name, value in (results or {}).items():
            self.set_result(name, value)

    def set_result(self, name: str, value: object) -> None:
        if name not in API:
            raise AttributeError(f"{name!r} is not a syscall of the seam")
        self.results[name] = value

    def calls_to(self, name: str) -> list[tuple]:
        """The argument tuples of every call to ``name``, in order."""
        return [args for n, args in self.calls if n == name]

    def names(self) -> list[str]:
        """The names of the calls made, in order."""
        return [n for n, _ in self.calls]

    def reset(self) -> None:
        self.calls.clear()

    def _default(self, name: str) -> object:
        if name in _FD_RETURNING:
            return next(self._fds)
        return _DEFAULTS.get(name)

    def _call(self, name: str, sig, args: tuple, kwargs: dict) -> object:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        recorded = tuple(bound.arguments.values())
        self.calls.append((name, recorded))
        if name not in self.results:
            return self._default(name)
        result = self.results[name]
        if isinstance(result, BaseException):
            raise result
        if isinstance(result, type) and issubclass(result, BaseException):
            raise result()
        if callable(result):
            return result(*recorded)
        return result

    def __getattr__(self, name: str) -> object:
        if name.startswith("_") or name not in API:
            raise AttributeError(f"{type(self).__name__!r} has no syscall {name!r}")
        sig = _signature(name)

        def recorder(*args, **kwargs):
            return self._call(name, sig, args, kwargs)

        recorder.__name__ = name
        return recorder


_signatures: dict = {}


def _signature(name: str):
    """The real method's signature without ``self``."""
    sig = _signatures.get(name)
    if sig is None:
        import inspect

        params = list(inspect.signature(getattr(LinuxSyscalls, name)).parameters.values())[1:]
        sig = _signatures[name] = inspect.Signature(params)
    return sig
