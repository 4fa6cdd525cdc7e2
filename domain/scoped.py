"""A choice one command makes once and every layer reads: the language, the decimal mark.

A `ScopedChoice` holds one of its choices in a context variable: its default until a block
(`use`) says otherwise, so two renderings in one process (a test, `--issued` in the issued
language) never leak into each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar


class ScopedChoice:
    """One of `choices` (`what`: how messages name it), `default` unless a `use` block sets it."""

    def __init__(self, what: str, choices: Sequence[str], default: str):
        self.what, self.choices = what, tuple(choices)
        self._var: ContextVar[str] = ContextVar(f"poa_{what.replace(' ', '_')}", default=default)

    def get(self) -> str:
        return self._var.get()

    @contextmanager
    def use(self, value: str | None) -> Iterator[str]:
        """`value` inside the block (None: keep the current one); a value not among the choices: ValueError."""
        if value is None:
            yield self.get()
            return
        if value not in self.choices:
            raise ValueError(f"unknown {self.what} {value!r} (one of {', '.join(self.choices)})")
        token = self._var.set(value)
        try:
            yield value
        finally:
            self._var.reset(token)
