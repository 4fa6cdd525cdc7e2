"""What every `poa` command shares: the group, the common options, how refusals are said, how output is written and
how a write is run (with Ctrl-C deferred from its commit on)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from functools import wraps

import click

from poa.adapters.batch_files import BatchFileError
from poa.adapters.formats import Renderer, rendered
from poa.adapters.safe_text import terminal_safe
from poa.adapters.store_errors import StoreError, StoreFailure
from poa.adapters.use_cases import PlanRecorded, Refusal, unverified

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
        except Refusal as refusal:
            raise Refused(refusal_text(refusal)) from None
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
        except (click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit, EOFError, BrokenPipeError):
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
    help="The ledger's store: a SQLite file, or postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?schema=NAME] "
    "(env POA_STORE; docs/deployment.md).",
)
again_option = click.option(
    "--again", is_flag=True, help="Record the batch even if the plan already holds the very same batch."
)
plan_option = click.option("--plan", envvar="POA_PLAN", help="Plan key such as AN-2020 (env POA_PLAN); optional when the store holds one plan.")
known_at_option = click.option(
    "--known-at",
    "known_at",
    help="Recorded time: an ISO timestamp (naive means UTC), a date meaning the end of that day UTC, or "
    "issued:REFERENCE, the moment the report issued under that reference was printed as known at (its known_at; "
    "poa reports). Default: now.",
)
actor_option = click.option("--actor", envvar="POA_ACTOR", help="Who records the facts (env POA_ACTOR; default: the OS user).")
as_of_option = click.option("--as-of", "as_of", help="Effective date, YYYY-MM-DD (default: today, within the plan's year).")
raw_csv_option = click.option(
    "--raw-csv",
    "raw_csv",
    is_flag=True,
    help="With --format csv: write cells exactly as recorded, for machine consumers. By default a cell "
    "that starts with =, +, -, @, tab or CR (other than a plain number such as -12.50) gets a leading ' "
    "so that spreadsheets do not run it as a formula, and control characters (but tab and line breaks) "
    "are shown escaped.",
)


def format_option(formats: Mapping[str, Renderer], *, default: str | None = "table", help: str = "Output format."):
    """The --format option of a reading command: its choices are the command's formats
    (`adapters/formats.py`), its default ``table`` unless the command says otherwise."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(formats)), default=default, show_default=default is not None, help=help
    )


def output(formats: Mapping[str, Renderer], fmt: str, value, *, raw: bool = False) -> None:
    """Write a reading command's output: `value` rendered in format `fmt`, exactly: the bytes of
    `adapters.formats.rendered` (the renderer's text in UTF-8), which `poa report --issue` seals."""
    write(rendered(formats, fmt, value, raw))


def write(data: bytes) -> None:
    """Write bytes to standard output exactly as given: the renderer ends the text with its own
    newline (so ``nl=False``), and click strips nothing from bytes (from a text it would strip,
    when the output is not a terminal, whatever looks like a colour code: a raw CSV's cells)."""
    click.echo(data, nl=False)


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
@click.option(
    "--no-verify",
    "no_verify",
    is_flag=True,
    help="Read the store without checking its events against its Merkle log: for forensic work on a store "
    "`poa verify` finds altered (docs/integrity.md). Reports read so rest on unverified events.",
)
@click.pass_context
def cli(ctx, debug, read_only, no_verify):
    """POA Ledger: an event-sourced ledger of a public entity's annual operating plan."""
    if no_verify:
        ctx.with_resource(unverified())


def read_only_asked() -> bool:
    """Whether `poa --read-only` (or POA_READ_ONLY=1) asks to open the store read-only."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("read_only"))


def refusal_text(refusal: Refusal, locate: Callable[[str], str | None] | None = None) -> str:
    """A use-case's refusal as the command says it: ``[where: ]option --x: message``.

    `locate(param)` names where a parameter came from, when that is not simply the
    command's option or argument of the same name (the changes of `poa reformulate`).
    """
    named = None
    if refusal.param:
        named = (locate(refusal.param) if locate else None) or parameter_text(refusal.param)
    return ": ".join([part for part in (refusal.where, named) if part] + [refusal.message])


def parameter_text(param: str) -> str:
    """How the command names a use-case's parameter: its option or argument of that name
    (``option --known-at``, ``option --from``, ``argument CODE``), else ``option --NAME``; an
    entry's field path keeps its tail (``option --declared.budget_current``)."""
    head = param.split(".")[0].split("[")[0]
    rest = param[len(head):]
    context = click.get_current_context(silent=True)
    for option in context.command.params if context else ():
        if option.name == head:
            if isinstance(option, click.Argument):
                return f"argument {option.human_readable_name}{rest}"
            return f"option {next(o for o in option.opts if o.startswith('--'))}{rest}"
    return f"option --{head.replace('_', '-')}{rest}"


def record(write: Callable[..., list[PlanRecorded]], locate: Callable[[str], str | None] | None = None) -> None:
    """Run a write use-case, then say what it recorded: once committed, nothing can turn it into a failure.

    `write(saving=..., read_back=...)` is the use-case with its other arguments
    bound. An interrupt (Ctrl-C) before the commit aborts with nothing stored; from
    the moment the commit starts it is deferred, and the command ends reporting what
    was stored.
    """
    with interrupts_deferred() as defer:
        try:
            recorded = write(saving=defer, read_back=lambda: not defer.interrupted)
        except Refusal as refusal:
            raise Refused(refusal_text(refusal, locate)) from None
        for plan in recorded:
            entries = f"{plan.entries} entr{'y' if plan.entries == 1 else 'ies'}"
            click.echo(f"{plan.plan}: {entries} recorded{_after_commit(plan)}.", err=True)
        if defer.interrupted:
            click.echo("(interrupted after the batch was stored: it is recorded, as said above)", err=True)


def _after_commit(plan: PlanRecorded) -> str:
    """The plan's new length and warning count, as read back after the commit (if they could be)."""
    if plan.unread:
        return f" (its warnings could not be counted: {plan.unread})"
    if plan.seq is None:
        return ""
    return f" (now seq {plan.seq}); {plan.warnings} warning(s) as of {plan.as_of} (see `poa report`)"


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
