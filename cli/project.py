"""`poa project`: write the SQLite read model (docs/read-model.md), incrementally and exactly once;
`--watch` follows new events until Ctrl-C."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

import click

from poa.adapters import use_cases

from .common import cli, interrupts_deferred, refusing, store_option


@contextmanager
def progress_bar(enabled: bool):
    """A rich progress bar on standard error when it is a terminal; nothing when it is piped.
    Yields the use-case's `progress(phase, done, total)` callback (None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    labels = {"events": "events", "plans": "plans recomputed"}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(labels.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield report


def _say(result: use_cases.Projected) -> None:
    plans = f"{len(result.plans)} plan{'' if len(result.plans) == 1 else 's'} recomputed"
    rebuilt = "rebuilt, " if result.rebuilt else ""
    events = f"{result.events} new event{'' if result.events == 1 else 's'}"
    click.echo(f"{result.db}: {rebuilt}{events}, {plans} (position {result.position}).", err=True)
    if result.metadata:
        click.echo(f"{result.metadata}: Datasette metadata written.", err=True)


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
        where = result.db if result else db or "the read model"
        position = f", position {result.position}" if result else ""
        click.echo(f"{where}: stopped watching ({total} events projected{position}).", err=True)
