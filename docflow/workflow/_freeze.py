"""Freezing what a process imported before it forks workers (``pool.PRELOAD`` ends with this
module, so the forkserver freezes by importing it; ``pool._fork_if_safe`` calls ``freeze``).

Everything imported so far (modules, classes, constants: most of a worker's memory) is moved
into the permanent generation, so garbage collection in a worker never writes to those
objects' headers and never copies the pages it shares with its parent and its siblings
(copy-on-write). The workers' shared pages stay shared; their private memory stays small.
"""

import gc


def freeze() -> None:
    gc.collect()
    gc.freeze()


freeze()
