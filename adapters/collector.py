"""Python's cyclic garbage collector, paused for a command's bulk work (docs/performance.md, "The
collector").

A large batch, a report or a read model's rebuild makes hundreds of thousands of objects that live
until the step ends: facts, events, rows. The collector's passes go over every one of them again and
again (about a fifth of a 150,000-entry apply) and find nothing to free: these objects form no
reference cycles, and memory is freed as ever by reference counting when they are let go of. Paused
for the step, and resumed after it as the caller had it; the garbage of a cycle made meanwhile (an
exception's traceback) is collected at the collector's next pass.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused within (also as a decorator), then as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
