"""Opening a store by its name: the one factory every use-case, test and benchmark calls.

The name's scheme picks the store: a name with a scheme listed in `OPENERS`
(``scheme://...``) goes to that scheme's opener, any other name is a SQLite file
path. Adding a kind of store: its module (an opener returning a `Ledger` whose
`StoreOperations` it provides, like `adapters/sqlite_store.py`) and one line here.

The in-memory store (`adapters/memory_store.py`) is opened by `open_memory()`, never
by a name: a store named on the command line must keep what it records, so no
scheme leads to it and ``:memory:`` is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from .ledger import Ledger
from .sqlite_store import open_sqlite
from .store_errors import StoreError

Opener = Callable[..., Ledger]  # opener(name, *, create: bool, read_only: bool) -> Ledger


def postgresql_not_available(name: str, *, create: bool, read_only: bool = False) -> Ledger:
    raise StoreError(f"{name}: PostgreSQL stores are not available in this version; use a SQLite file path")


OPENERS: dict[str, Opener] = {  # scheme (what comes before "://") -> opener
    **dict.fromkeys(("postgresql", "postgres"), postgresql_not_available),
}


def open_store(name: str, *, create: bool, read_only: bool = False) -> Ledger:
    """The ledger in the store `name`.

    ``create=False`` (reading): a store that does not exist is an error, and
    nothing is written to it. `read_only`: queries work, writes are refused.
    Raises `StoreError` for a name that cannot be a store, `StoreFailure` for a
    store that cannot be opened (adapters/store_errors.py).
    """
    scheme, separator, _ = name.partition("://")
    opener = OPENERS.get(scheme, open_sqlite) if separator else open_sqlite
    return opener(name, create=create, read_only=read_only)
