"""console.py spells out the terminal ioctl numbers it would otherwise take from termios."""

from __future__ import annotations

import termios

from libcontainer import console


def test_the_numbers_termios_knows_agree():
    assert console.TIOCSWINSZ == termios.TIOCSWINSZ
    assert console.TIOCSCTTY == termios.TIOCSCTTY
