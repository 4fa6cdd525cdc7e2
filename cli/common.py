"""What every `poa` command shares: the group, the common options, and how refusals are reported."""

from __future__ import annotations

import getpass
import os
import signal
from contextlib import contextmanager
from datetime import date, datetime, time, timezone
from functools import wraps

import click

from poa.adapters.batch_files import BatchFileError
from poa.adapters.safe_text import terminal_safe
from poa.adapters.ledger import Ledger
from poa.adapters.store_errors import StoreError, StoreFailure
from poa.adapters.stores import open_store as open_ledger
from poa.domain.commands import BatchRepeated, Command, CommandError
from poa.domain.fact_kinds import entry_kind, parse_entry
from poa.domain.values import EntryError, parse_date, parse_text, preview
from poa.projections.evaluation import default_as_of, end_of_day, evaluate
from poa.projections.issued import View

DEFAULT_STORE = "poa.db"


class Refused(click.ClickException):
    """Bad input: exit status 2, one message, no traceback, nothing stored."""

    exit_code = 2


class Failed(click.ClickException):
    """The command could not complete through no fault of the input: exit status 1, one message."""

    exit_code = 1


def refusing(command):
    """Turn every input error raised below a command into a `Refused`, every store failure into a `Failed`."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (StoreError, BatchFileError) as error:
            raise Refused(str(error)) from None
        except StoreFailure as error:
            raise Failed(str(error)) from None

    return wrapper


class PoaGroup(click.Group):
    """The `poa` group: no command ever ends in a traceback (unless --debug asks for it), and
    every message a command ends with shows control characters escaped."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.ClickException as error:
            error.message = terminal_safe(error.message)
            raise
        except (click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit, EOFError):
            raise
        except Exception as error:
            if ctx.params.get("debug") or os.environ.get("POA_DEBUG") == "1":
                raise
            text = str(error)
            raise Failed(
                f"unexpected error ({type(error).__name__}: {text[:200]}{'…' if len(text) > 200 else ''}); "
                "rerun with `poa --debug ...` to see the traceback, and report it"
            ) from None


store_option = click.option(
    "--store",
    envvar="POA_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    help="SQLite file of the ledger (env POA_STORE).",
)
again_option = click.option(
    "--again", is_flag=True, help="Record the batch even if the plan already holds the very same batch."
)
plan_option = click.option("--plan", envvar="POA_PLAN", help="Plan key such as AN-2020 (env POA_PLAN); optional when the store holds one plan.")
known_at_option = click.option(
    "--known-at", "known_at", help="Recorded time: an ISO timestamp (naive means UTC), or a date meaning the end of that day UTC. Default: now."
)
actor_option = click.option("--actor", envvar="POA_ACTOR", help="Who records the facts (env POA_ACTOR; default: the OS user).")


@click.group(cls=PoaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="poa-ledger")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error (env POA_DEBUG=1).")
@click.option(
    "--read-only",
    "read_only",
    is_flag=True,
    envvar="POA_READ_ONLY",
    help="Open the store read-only (env POA_READ_ONLY=1): queries work, writes are refused. "
    "A store whose file or folder cannot be written opens read-only anyway.",
)
def cli(debug, read_only):
    """POA Ledger: an event-sourced ledger of a public entity's annual operating plan."""


def open_store(store: str, *, create: bool = False) -> Ledger:
    """The ledger of --store, read-only if `poa --read-only` (or POA_READ_ONLY=1) says so."""
    context = click.get_current_context(silent=True)
    read_only = bool(context and context.find_root().params.get("read_only"))
    return open_ledger(store, create=create, read_only=read_only)


def record_entry(store, plan, actor, kind, fields, source, locate=None, *, again=False):
    """Record one entry given by a command's options or a single file.

    `locate(field)` names where a field of the entry came from, when that is not
    simply the option of the same name (the changes of `poa reformulate`).
    """
    try:
        fact = parse_entry({kind: fields})
    except EntryError as error:
        raise Refused(describe(source, None, kind, error, locate)) from None
    # a new store path becomes a store even if the entry is then refused: removing the file
    # could destroy what another process is writing to it at the same moment
    ledger = open_store(store, create=True)
    key = plan or only_plan(ledger, "no plan named")
    record(ledger, [Command(key, fact, actor_name(actor), source, 0, plan_given=True)], locate, again=again)


def record(ledger: Ledger, commands: list[Command], locate=None, *, again: bool = False) -> None:
    """Record a batch, then say so: once it is committed, nothing can turn it into a failure.

    An interrupt (Ctrl-C) before the commit aborts with nothing stored; from the
    moment the commit starts it is deferred, and the command ends reporting what
    was stored.
    """
    with interrupts_deferred() as defer:
        try:
            ledger.record(commands, again=again, saving=defer)
        except CommandError as refused:
            c = refused.command
            if isinstance(refused.error, BatchRepeated):
                raise Refused(refused.error.message if c.source == "command line" else f"{c.source}: {refused.error}") from None
            if isinstance(refused.error, StoreError):  # an unknown plan
                where = "" if c.source == "command line" else f"{c.source}: entry {c.entry} ({c.fact.kind}): "
                origin = "option --plan" if c.plan_given else "field 'plan'"
                raise Refused(f"{where}{origin}: {refused.error}") from None
            raise Refused(describe(c.source, c.entry or None, c.fact.kind, refused.error, locate)) from None
        for key in dict.fromkeys(c.plan for c in commands):
            counted = sum(1 for c in commands if c.plan == key)
            click.echo(f"{key}: {counted} entr{'y' if counted == 1 else 'ies'} recorded{_after_commit(ledger, key, defer)}.", err=True)
        if defer.interrupted:
            click.echo("(interrupted after the batch was stored: it is recorded, as said above)", err=True)


def _after_commit(ledger: Ledger, key: str, defer) -> str:
    """The plan's new length and warning count, or nothing if they cannot be had: the batch is stored anyway."""
    if defer.interrupted:
        return ""
    try:
        history = ledger.history(key)
        as_of = default_as_of(history[0].fact.year, date.today())
        warnings = evaluate(key, history, as_of, datetime.now(timezone.utc)).warnings
    except Exception as error:  # noqa: BLE001 - reading back is a courtesy; the write has succeeded
        return f" (its warnings could not be counted: {type(error).__name__})"
    return f" (now seq {len(history)}); {len(warnings)} warning(s) as of {as_of} (see `poa report`)"


class _Deferral:
    """Called when the commit starts: from then on an interrupt is remembered, not raised."""

    def __init__(self):
        self.armed = False
        self.interrupted = False

    def __call__(self) -> None:
        self.armed = True

    def handle(self, signum, frame) -> None:
        if not self.armed:
            raise KeyboardInterrupt
        self.interrupted = True


@contextmanager
def interrupts_deferred():
    """SIGINT behaves as usual until the deferral is called, then waits for the block to end."""
    deferral = _Deferral()
    try:
        previous = signal.signal(signal.SIGINT, deferral.handle)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield deferral
        return
    try:
        yield deferral
    finally:
        signal.signal(signal.SIGINT, previous)


def describe(source: str, entry: int | None, kind: str | None, error: Exception, locate=None) -> str:
    """``FILE: entry N (kind): field 'x': message``; on the command line, fields are options."""
    if source == "command line" and isinstance(error, EntryError) and error.field:
        located = locate(error.field) if locate else None
        if located:
            return f"{located}: {error.message}"
        head = error.field.split(".")[0].split("[")[0]
        rest = error.field[len(head):]
        return f"option --{head.replace('_', '-')}{rest}: {error.message}"
    where = source
    if entry is not None:
        where += f": entry {entry}" + (f" ({kind})" if kind else "")
    return f"{where}: {error}"


def entry_kind_or_none(entry) -> str | None:
    try:
        return entry_kind(entry)
    except EntryError:
        return None


def view_of(history, as_of: str | None, known_at: str | None, now: datetime) -> View:
    """The view given by --as-of (default: today within the plan's year) and --known-at (default:
    `now`, the moment `plan_history` settled)."""
    year = history[0].fact.year
    day = parse_option_date(as_of, "--as-of") if as_of else default_as_of(year, date.today())
    return View(day, parse_known_at(known_at, default=now))


def not_in_force(key: str, history, view: View) -> Refused:
    """The refusal of a view that precedes the plan's approval (in effect or in knowledge)."""
    approval = history[0]
    return Refused(
        f"plan {key} is not in force at {view.as_of} as known at {view.known_at.isoformat()}: "
        f"approved on {approval.fact.date}, recorded at {approval.recorded_at.isoformat()}"
    )


def plan_history(ledger: Ledger, plan: str | None) -> tuple[str, list, datetime]:
    """The plan named by --plan (or the store's only plan), its history, and "now".

    The ledger is settled first (`Ledger.settle`): every transaction stamped up to
    "now" has committed, so a view as known at any moment up to it can never change.
    """
    key = plan or only_plan(ledger, "no plan named")
    now = ledger.settle()
    try:
        return key, ledger.history(key), now
    except StoreError as error:
        raise Refused(f"option --plan: {error}") from None


def only_plan(ledger: Ledger, context: str) -> str:
    keys = [key for key, _ in ledger.plans()]
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise Refused(f"{context}: the store holds no plan yet; name one with --plan or a 'plan:' key")
    raise Refused(f"{context}: the store holds {len(keys)} plans ({', '.join(keys)}); choose one with --plan or POA_PLAN")


ACTOR_MAX = 200  # characters of an actor's name


def actor_name(actor: str | None) -> str:
    """Who records: --actor (or POA_ACTOR), else the OS user; a text of at most 200 characters."""
    if actor is None:
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return os.environ.get("USER") or "unknown"
    try:
        name = parse_text(actor, "actor")
    except EntryError as error:
        raise Refused(f"option --actor: {error.message}") from None
    if len(name) > ACTOR_MAX:
        raise Refused(f"option --actor: must have at most {ACTOR_MAX} characters, got {preview(name)}")
    return name


def parse_option_date(value: str, option: str) -> date:
    try:
        return parse_date(value, option)
    except EntryError as error:
        raise Refused(f"option {option}: {error.message}") from None


def parse_known_at(
    value: str | None, *, option: str = "--known-at", start_of_day: bool = False, default: datetime | None = None
) -> datetime:
    """A recorded time: an ISO timestamp (naive means UTC), or a date meaning the end of that day
    UTC (its start with `start_of_day`); None means `default` (now, if none is given)."""
    if not value:
        return default or datetime.now(timezone.utc)
    text = value.strip()
    if len(text) == 10:
        day = parse_option_date(text, option)
        return datetime.combine(day, time.min, tzinfo=timezone.utc) if start_of_day else end_of_day(day)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"option {option}: must be a timestamp such as 2021-01-20T18:00:00Z or a date, got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise Refused(f"option {option}: {value!r} is out of the range of dates (years 1 to 9999 in UTC)") from None
