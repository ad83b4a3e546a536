"""The `pyrunc` console script: the first of the CLI's modules a command imports.

The cyclic garbage collector is off from here on. A `pyrunc run` allocates enough while it
imports ~145 modules to trigger about ten collections (~2 ms here, ~1 ms for `exec`), and
they find nothing to free: what a one-shot command allocates goes with the process. Commands
that live as long as a container (`events`) turn it back on for their loop.
"""

import gc

gc.disable()


def run() -> None:
    from .main import run as main_run

    main_run()
