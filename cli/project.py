"""`poa project`: write the SQLite read model (docs/read-model.md), incrementally and exactly once;
`--watch` follows new events until Ctrl-C."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from poa.adapters.interface import N_, ngettext
from poa.adapters.interface import translate as _

from .common import cli, interrupts_deferred, refusing, store_option

if TYPE_CHECKING:
    from poa.adapters import use_cases


@contextmanager
def progress_bar(enabled: bool):
    """A rich progress bar on standard error when it is a terminal; nothing when it is piped.
    Yields the use-case's `progress(phase, done, total)` callback (None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    labels = {"events": N_("events"), "plans": N_("plans recomputed")}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(_(labels[phase]) if phase in labels else phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield report


def _say(result: use_cases.Projected) -> None:
    plans = ngettext("{count} plan recomputed", "{count} plans recomputed", len(result.plans)).format(count=len(result.plans))
    events = ngettext("{count} new event", "{count} new events", result.events).format(count=result.events)
    said = _("{db}: rebuilt, {events}, {plans} (position {position}).") if result.rebuilt else _(
        "{db}: {events}, {plans} (position {position})."
    )
    click.echo(said.format(db=result.db, events=events, plans=plans, position=result.position), err=True)
    if result.metadata:
        click.echo(_("{file}: Datasette metadata written.").format(file=result.metadata), err=True)


@cli.command()
@store_option
@click.option("--db", help="The read model's SQLite file (default: poa-read.db in the store's folder). "
              "An event store or another database is refused, never overwritten.")
@click.option("--rebuild", is_flag=True, help="Drop the read model's tables and write them again from the first event.")
@click.option("--watch", is_flag=True, help="After catching up, follow new events until interrupted (Ctrl-C).")
@click.option("--interval", type=click.FloatRange(0.05, 3600), default=2.0, show_default=True,
              help="With --watch: seconds between two looks for new events.")
@click.option("--page-size", "page_size", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help="Events written per transaction (each with its tracked position).")
@click.option("--metadata", type=click.Path(dir_okay=False), help="Also write Datasette metadata (JSON) to this file.")
@refusing
def project(store, db, rebuild, watch, interval, page_size, metadata):
    """Write the SQLite read model of every plan of the store: plans, facts, element versions, budget
    lines, evaluations at every quarter end, views and full-text search (docs/read-model.md).

    Re-running processes only the events recorded since; the store is only read."""
    from poa.adapters import use_cases

    terminal = sys.stderr.isatty()
    total, result, following = 0, None, False
    try:
        while True:
            # a watch's later catch-ups (the new events only) finish, and say so, before Ctrl-C stops
            # the watch: its last line then gives the position the read model holds
            with interrupts_deferred() as defer:
                if following:
                    defer()
                with progress_bar(terminal) as progress:
                    result = use_cases.project(
                        store, db, rebuild=rebuild, page_size=page_size, metadata=metadata, progress=progress
                    )
                total += result.events
                if not watch or result.events or result.rebuilt or result.metadata:
                    _say(result)
            if defer.interrupted:
                raise KeyboardInterrupt
            if not watch:
                return
            rebuild, metadata, following = False, None, True
            time.sleep(interval)
    except KeyboardInterrupt:
        if not watch:
            raise
        if result:
            said = ngettext("{db}: stopped watching ({count} event projected, position {position}).",
                            "{db}: stopped watching ({count} events projected, position {position}).", total)
        else:
            said = ngettext("{db}: stopped watching ({count} event projected).",
                            "{db}: stopped watching ({count} events projected).", total)
        where = result.db if result else db or _("the read model")
        click.echo(said.format(db=where, count=total, position=result.position if result else None), err=True)
