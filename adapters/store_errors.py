"""The errors of every store, whatever its kind: the project's own, never the library's.

`StoreError` when the input names an unusable store or plan (exit status 2);
`StoreFailure` and its kinds (busy, damaged, read-only) when the store cannot do
what is asked through no fault of the input (exit status 1). Each store module
translates the eventsourcing library's and its driver's exceptions into these at
its boundary (`adapters/ledger.py`, `adapters/sqlite_store.py`).
"""

from __future__ import annotations

from .interface import translate as _


class StoreError(Exception):
    """The store named cannot be used (bad path, not a ledger file, unknown plan): the input's fault."""


class BeyondTheLog(StoreError):
    """A tree size the store's Merkle log does not reach, or an event after the tree asked for: the size given is at fault."""


class StoreNotEmpty(StoreError):
    """A copy (`poa copy`) into a store that already holds events: refused, nothing written."""


class StoreFailure(Exception):
    """The store cannot complete an operation through no fault of the input (exit status 1)."""


class StoreBusy(StoreFailure):
    """Other writers held the store longer than the timeout, or kept winning the race.

    `waited`: the writer has already waited the whole lock timeout for it, so trying
    again would only make the user wait longer (a PostgreSQL lock timeout)."""

    def __init__(self, message: str, *, waited: bool = False):
        super().__init__(message)
        self.waited = waited


class StoreDamaged(StoreFailure):
    """The store's file is damaged or was changed behind the ledger's back."""


class StoreTampered(StoreDamaged):
    """The store's Merkle log says its events are not those recorded (adapters/merkle_log.py)."""


class StoreReadOnly(StoreFailure):
    """A write to a store opened read-only."""


def unknown_plan(key: str) -> StoreError:
    return StoreError(_("unknown plan {key}: it is not in this store").format(key=repr(key)))


def operation_failed(error: Exception) -> StoreFailure:
    """A library error no store module could classify further."""
    return StoreFailure(_("the store could not complete the operation: {error}").format(error=error))
