"""Imported last by the forkserver of the worker pool (``pool.PRELOAD``), for its side effect.

Everything imported so far (modules, classes, constants: most of a worker's memory) is moved
into the permanent generation, so garbage collection in a worker never writes to those
objects' headers and never copies the pages it shares with the forkserver and its siblings
(copy-on-write). The workers' shared pages stay shared; their private memory stays small.
"""

import gc

gc.collect()
gc.freeze()
