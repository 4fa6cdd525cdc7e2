"""Opening a store by its name: the one factory every use-case, test and benchmark calls.

The name's scheme picks the store: a name with a scheme listed in `OPENERS`
(``scheme://...``) goes to that scheme's opener, any other name is a SQLite file
path (`adapters/sqlite_store.py`); ``postgresql://`` (or ``postgres://``) names a
PostgreSQL store (`adapters/postgres_store.py`). Adding a kind of store: its module
(an opener returning a `Ledger` whose `StoreOperations` it provides) and one line here.

The in-memory store (`adapters/memory_store.py`) is opened by `open_memory()`, never
by a name: a store named on the command line must keep what it records, so no
scheme leads to it and ``:memory:`` is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from .ledger import Ledger
from .store_errors import StoreError
from .sqlite_store import open_sqlite

Opener = Callable[..., Ledger]  # opener(name, *, create: bool, read_only: bool) -> Ledger


def open_postgresql(name: str, *, create: bool, read_only: bool = False) -> Ledger:
    """`postgres_store.open_postgresql`, imported when first needed: psycopg's import would
    otherwise add a tenth of a second to every command, SQLite stores included."""
    from .postgres_store import open_postgresql as opener

    return opener(name, create=create, read_only=read_only)


OPENERS: dict[str, Opener] = {  # scheme (what comes before "://") -> opener
    **dict.fromkeys(("postgresql", "postgres"), open_postgresql),
}


def is_url(name: str) -> bool:
    """Whether the store's name is a URL of a store kind `OPENERS` knows (not a file path)."""
    scheme, separator, _ = name.partition("://")
    return bool(separator) and scheme in OPENERS


def shown_name(name: str) -> str:
    """The store's name as messages show it: a URL's password masked."""
    if not is_url(name):
        return name
    from .postgres_store import masked, parse_url  # only for a URL (see `open_postgresql`)

    try:
        return parse_url(name).shown
    except StoreError:
        return masked(name)


def open_store(name: str, *, create: bool, read_only: bool = False) -> Ledger:
    """The ledger in the store `name`.

    ``create=False`` (reading): a store that does not exist is an error, and
    nothing is written to it. `read_only`: queries work, writes are refused.
    Raises `StoreError` for a name that cannot be a store, `StoreFailure` for a
    store that cannot be opened (adapters/store_errors.py).
    """
    opener = OPENERS[name.partition("://")[0]] if is_url(name) else open_sqlite
    return opener(name, create=create, read_only=read_only)
