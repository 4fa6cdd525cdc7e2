"""What every `poa` command shares: the group, the common options, how refusals are said, how output is written and
how a write is run (with Ctrl-C deferred from its commit on)."""

from __future__ import annotations

import copy
import importlib
import inspect
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from poa.adapters.interface import ENGLISH, LANGUAGES, N_, chosen, install_in_click, ngettext, use_interface
from poa.adapters.interface import translate as _
from poa.adapters.localized import DECIMAL_MARKS, DEFAULT_DECIMAL_MARK, use_decimal_mark
from poa.adapters.safe_text import terminal_safe
from poa.adapters.store_errors import StoreError, StoreFailure
from poa.domain.languages import use_language

from .index import COMMANDS as LISTED

if TYPE_CHECKING:
    from poa.adapters.outputs import Renderer
    from poa.adapters.use_cases import PlanRecorded, Refusal

# Start-up (docs/design.md, "Start-up: what the entry point imports"): this module imports click and
# the interface only. The formats, the store, the library, the use-cases, the batch files (YAML) and
# every renderer are imported by the command that runs, when it runs.

DEFAULT_STORE = "poa.db"
install_in_click()  # click's own texts ("Usage:", "Missing option"...) in the interface's language


class Refused(click.ClickException):
    """Bad input: exit status 2, one message, no traceback, nothing stored."""

    exit_code = 2


class Failed(click.ClickException):
    """The command could not complete through no fault of the input: exit status 1, one message."""

    exit_code = 1


def loaded(module: str, name: str) -> tuple[type[BaseException], ...]:
    """The exception class `name` of `module` if that module is imported, else none: an error whose
    class was never imported cannot have been raised, and ``except ()`` catches nothing. So an
    ``except`` names the use-cases' `Refusal`, the batch files' `BatchFileError` or the formats'
    `FormatUnavailable` without importing them at start-up."""
    imported = sys.modules.get(module)
    return (getattr(imported, name),) if imported is not None else ()


def refusing(command):
    """Turn every input error raised below a command into a `Refused`, every store failure into a `Failed`."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except loaded("poa.adapters.use_cases", "Refusal") as refusal:
            raise Refused(refusal_text(refusal)) from None
        except (StoreError, *loaded("poa.adapters.batch_files", "BatchFileError")) as error:
            raise Refused(str(error)) from None
        except (StoreFailure, *loaded("poa.adapters.formats", "FormatUnavailable")) as error:
            raise Failed(str(error)) from None

    return wrapper


def help_msgid(text: str) -> str:
    """The msgid of a command's help (its docstring or ``help=``): the text click shows."""
    return inspect.cleandoc(text).partition("\f")[0]


def help_record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """An option's line of the help, its own text and its type's metavar translated (click's
    additions, such as "[default: ...]", are already)."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    spec, text = record
    metavar = param.make_metavar(ctx) if param.metavar is None and not getattr(param, "is_flag", False) else None
    if metavar in TYPE_METAVARS and spec.endswith(f" {metavar}"):
        spec = spec[: -len(metavar)] + _(metavar)
    if param.help and text.startswith(param.help):
        text = _(param.help) + text[len(param.help):]
    return spec, text


TYPE_METAVARS = (N_("TEXT"), N_("INTEGER"), N_("INTEGER RANGE"), N_("FLOAT RANGE"), N_("FILE"), N_("PATH"))


class Translated:
    """A command whose help is shown in the interface's language.

    Commands are defined when imported, before --lang is read, and one process may
    show the help in both languages (click's CliRunner): every help text stays its
    English msgid and is translated when the help is printed."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.help:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(_(help_msgid(self.help)))

    def get_short_help_str(self, limit: int = 45) -> str:
        shown = copy.copy(self)  # click's own shortening, of the translated texts
        shown.help = _(help_msgid(self.help)) if self.help else self.help
        shown.short_help = _(inspect.cleandoc(self.short_help)) if self.short_help else self.short_help
        return super(Translated, shown).get_short_help_str(limit)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [help_record(param, ctx) for param in self.get_params(ctx) if not isinstance(param, click.Argument)]
        if any(rows):
            with formatter.section(_("Options")):
                formatter.write_dl([row for row in rows if row])

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        with use_interface(ENGLISH):  # made once, then cached: its help keeps the msgid
            return super().get_help_option(ctx)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [_(piece) if piece in USAGE_WORDS else piece for piece in super().collect_usage_pieces(ctx)]


USAGE_WORDS = (N_("[OPTIONS]"), N_("COMMAND [ARGS]..."))  # click's words on the usage line


class PoaCommand(Translated, click.Command):
    """Every `poa` command: its help in the interface's language."""


_registering = threading.local()  # `now`: this thread is importing a listed command's module (`PoaGroup._import`)


class PoaGroup(Translated, click.Group):
    """The `poa` group: the interface's language chosen before anything is said, no command
    ever ending in a traceback (unless --debug asks for it), and every message a command
    ends with showing control characters escaped."""

    command_class = PoaCommand
    group_class = type  # a subgroup is a PoaGroup too
    # commands known by name before their module is imported (`poa`'s: cli/index.py): name ->
    # (module, the command's help fields); a module registers its commands on the group when imported
    listed: Mapping[str, tuple[str, dict]] = {}

    @property
    def commands(self) -> dict[str, click.Command]:
        """Every command of the group (click's attribute), the modules of the listed ones not
        imported yet imported first: for the tests, cli/reference.py and click's "did you mean" of
        an unknown command. Running a command imports its own module only (`get_command`)."""
        if not getattr(_registering, "now", False):  # a module importing now adds its commands only
            self._import(*(name for name in self.listed if name not in self._commands))
        return self._commands

    @commands.setter
    def commands(self, commands: dict[str, click.Command]) -> None:
        self._commands = commands

    def _import(self, *names: str) -> None:
        """Import the modules of these listed commands: each registers its commands on the group.
        An interrupt meanwhile is one while the program is still importing, said as the console
        script says it (cli/entry.py): "poa: interrupted", exit status 130."""
        registering, _registering.now = getattr(_registering, "now", False), True
        try:
            for name in names:
                importlib.import_module(self.listed[name][0])
        except KeyboardInterrupt:
            click.echo(_("poa: interrupted"), err=True)
            raise click.exceptions.Exit(130) from None
        finally:
            _registering.now = registering

    def main(self, args=None, *rest, **kwargs):
        """Run in the language of --lang, POA_LANG or the locale: click's refusals of the
        group's own options and its --help come before the group's callback."""
        with use_interface(chosen(sys.argv[1:] if args is None else list(args))):
            return super().main(args, *rest, **kwargs)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command named, its module imported first if it is listed and not imported yet
        (click's LazyGroup: `poa plans` imports cli/plans.py, not every command module)."""
        if cmd_name not in self._commands and cmd_name in self.listed:
            self._import(cmd_name)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._commands, *self.listed})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The Commands section of the help, as `click.Group.format_commands` writes it, each
        command not imported yet shown from its `listed` help fields: the same line, and `poa --help`
        imports no command module."""
        commands = []
        for name in self.list_commands(ctx):
            command = self._commands.get(name) or self._listed_command(name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

    def _listed_command(self, name: str) -> click.Command | None:
        """A stand-in for a listed command, for its line of the help only (never run)."""
        if name not in self.listed:
            return None
        return PoaCommand(name, **self.listed[name][1])

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

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
                _("unexpected error ({error}: {text}); rerun with `poa --debug ...` to see the traceback, and report it")
                .format(error=type(error).__name__, text=f"{text[:200]}{'…' if len(text) > 200 else ''}")
            ) from None


class Later(str):
    """A message click fills in with ``%`` when it is shown (--version): translated then."""

    def __mod__(self, values):
        return _(str(self)) % values


class EnvOption(click.Option):
    """An option whose refusal names its environment variable when its value came from there."""

    def get_error_hint(self, ctx: click.Context | None) -> str:
        hint = super().get_error_hint(ctx)
        if ctx is not None and ctx.get_parameter_source(self.name) is ParameterSource.ENVIRONMENT:
            return _("{option} (env {variable})").format(option=hint, variable=self.envvar)
        return hint


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
dry_run_option = click.option(
    "--dry-run",
    "dry_run",
    is_flag=True,
    help="Check the entries against the store and show what would be recorded and the report's figures it would "
    "change; record nothing.",
)
def write_options(command):
    """The options of every command that records: --store, --plan, --actor, --again and --dry-run."""
    for option in reversed((store_option, plan_option, actor_option, again_option, dry_run_option)):
        command = option(command)
    return command


def initial_load_options(command):
    """`--initial-load` and `--load-reference`, for the commands that record a batch (`apply`, `import`)."""
    command = click.option(
        "--load-reference", "load_reference",
        help="With --initial-load: the load's reference, e.g. the document it was transcribed from (default: the "
        "batch id's first 12 hex digits).",
    )(command)
    return click.option(
        "--initial-load", "initial_load", is_flag=True,
        help="The entries are transcribed from earlier records (last year's figures, a migration): not late, and the "
        "report says once that the plan's history up to their latest date was loaded from documents.",
    )(command)


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


def csv_dialect_option(command):
    """--csv-dialect, of `report` and `history`: its choices are `formats.CSV_DIALECT_NAMES` (the formats
    are imported by the command module that uses it, not at start-up)."""
    from poa.adapters.formats import CSV_DIALECT_NAMES

    return click.option(
        "--csv-dialect",
        "csv_dialect",
        type=click.Choice(CSV_DIALECT_NAMES),
        help="With --format csv: standard (the default: the documented CSV, UTF-8 without a byte order mark, "
        "',' between cells, '.' in numbers), excel (the same with a UTF-8 byte order mark, so that a "
        "spreadsheet reads it as UTF-8) or excel-es (the byte order mark, ';' between cells and a decimal "
        "comma in the numbers the ledger writes, never in a text: for a spreadsheet set to Spanish).",
    )(command)


# -- where a reading command's output goes (--output, the terminal) ------------------------------

OUTPUT_FILE = "poa.output"  # the click context's meta: the file --output names, checked (a Path)


def _output_given(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """--output: the file is checked before the command reads anything, and kept for `write`."""
    if value is None:
        return
    path = Path(value)
    if not value.strip():
        raise Refused(_("option --output: the file name is empty"))
    if path.is_dir():
        raise Refused(_("option --output: {path}: is a folder").format(path=value))
    if not path.parent.is_dir():
        raise Refused(
            _("option --output: {path}: folder {folder} does not exist").format(path=value, folder=path.parent)
        )
    ctx.meta[OUTPUT_FILE] = path


output_option = click.option(
    "--output",
    metavar="FILE",
    type=click.Path(),
    expose_value=False,
    callback=_output_given,
    help="Write to FILE instead of standard output: the very same bytes, atomically; an existing FILE is "
    "replaced, its folder must exist. Output is UTF-8 whatever the locale (messages: escapes for what the "
    "locale cannot show); tables are as wide as the terminal (or COLUMNS) on one, else 160 (a file always "
    "gets the same bytes); xlsx and pdf are refused on a terminal.",
)


def output_file() -> Path | None:
    """The file `--output` names for this command's output, if it does."""
    context = click.get_current_context(silent=True)
    return context.meta.get(OUTPUT_FILE) if context is not None else None


def stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (a test replaces this to play one)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # no standard output, or a closed one
        return False


def table_width() -> int | None:
    """The width of the `table` format: on a terminal, its width (COLUMNS when set to a whole
    number, else the terminal's own); into a file or a pipe, None: `report_text.WIDTH` (160), so that
    a file always gets the same bytes, whatever terminal or environment it was written from."""
    if output_file() is not None or not stdout_is_terminal():
        return None
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size().columns


def refuse_binary_to_terminal(fmt: str | None) -> None:
    """A binary format (`formats.BINARY`: XLSX, PDF) is not written to a terminal: refused, before
    anything is read or recorded, unless --output names a file or the output is redirected."""
    from poa.adapters.outputs import BINARY

    if fmt in BINARY and output_file() is None and stdout_is_terminal():
        raise Refused(
            _("option --format: {format} is a binary format: give --output FILE or redirect the output")
            .format(format=fmt)
        )


def output(formats: Mapping[str, Renderer], fmt: str, value, *, raw: bool = False) -> None:
    """Write a reading command's output: `value` rendered in format `fmt`, exactly: the bytes of
    `adapters.formats.rendered` (the renderer's text in UTF-8), which `poa report --issue` seals;
    its tables as wide as `table_width` says."""
    from poa.adapters.outputs import rendered
    from poa.adapters.text_table import use_width

    refuse_binary_to_terminal(fmt)
    with use_width(table_width()):
        data = rendered(formats, fmt, value, raw)
    write(data, fmt)


def write(data: bytes, fmt: str | None = None) -> None:
    """Write bytes exactly as given, in format `fmt` (a binary one is refused on a terminal): to
    the file --output names, atomically (`exports.write_atomically`), else to standard output: the
    renderer ends the text with its own newline (so ``nl=False``), and click strips nothing from
    bytes (from a text it would strip, when the output is not a terminal, whatever looks like a
    colour code: a raw CSV's cells)."""
    refuse_binary_to_terminal(fmt)
    target = output_file()
    if target is None:
        click.echo(data, nl=False)
        return
    from poa.adapters.exports import write_atomically

    try:
        write_atomically(target, data)
    except OSError as error:  # after the checks of --output: the disk, the folder's permissions
        raise Failed(
            _("option --output: {path}: cannot be written ({reason})").format(path=target, reason=error.strerror or error)
        ) from None


@click.group(cls=PoaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="poa-ledger", message=Later(N_("%(prog)s, version %(version)s")))
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
@click.option(
    "--lang",
    "lang",
    cls=EnvOption,
    type=click.Choice(LANGUAGES),
    envvar="POA_LANG",
    help="Language of the reports and of the interface (env POA_LANG). Default: reports in Spanish, "
    "the interface in Spanish when the locale is Spanish (LC_ALL, LC_MESSAGES, LANG), else in English "
    "(docs/languages.md).",
)
@click.option(
    "--decimal-mark",
    "decimal_mark",
    cls=EnvOption,
    type=click.Choice(DECIMAL_MARKS),
    envvar="POA_DECIMAL_MARK",
    default=DEFAULT_DECIMAL_MARK,
    show_default=True,
    help="Decimal mark of the numbers shown to people (env POA_DECIMAL_MARK): point, 1,234.56; comma, 1.234,56.",
)
@click.pass_context
def cli(ctx, debug, read_only, no_verify, lang, decimal_mark):
    """POA Ledger: an event-sourced ledger of a public entity's annual operating plan."""
    ctx.with_resource(use_language(lang))  # the reports' labels: Spanish unless --lang says otherwise
    ctx.with_resource(use_interface(lang))  # None: as chosen from the locale (PoaGroup.main)
    ctx.with_resource(use_decimal_mark(decimal_mark))
    if no_verify:
        from poa.adapters.use_cases import unverified

        ctx.with_resource(unverified())


cli.listed = LISTED  # `poa`'s commands, each imported when it runs (cli/index.py)


def read_only_asked() -> bool:
    """Whether `poa --read-only` (or POA_READ_ONLY=1) asks to open the store read-only."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("read_only"))


def no_verify_asked() -> bool:
    """Whether `poa --no-verify` asks to read the store without checking it against its Merkle log."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("no_verify"))


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
                return _("argument {name}").format(name=f"{option.human_readable_name}{rest}")
            return _("option {name}").format(name=f"{next(o for o in option.opts if o.startswith('--'))}{rest}")
    return _("option {name}").format(name=f"--{head.replace('_', '-')}{rest}")


def record(use_case: Callable[..., list[PlanRecorded]], locate: Callable[[str], str | None] | None = None) -> None:
    """Run a write use-case, then say what it recorded: once committed, nothing can turn it into a failure.

    `use_case(saving=..., read_back=...)` is the write use-case with its other arguments
    bound. An interrupt (Ctrl-C) before the commit aborts with nothing stored; from
    the moment the commit starts it is deferred, and the command ends reporting what
    was stored.
    """
    from poa.adapters.formats import preview_text
    from poa.adapters.report_text import use_width
    from poa.adapters.use_cases import Refusal

    with interrupts_deferred() as defer:
        try:
            recorded = use_case(saving=defer, read_back=lambda: not defer.interrupted)
        except Refusal as refusal:
            raise Refused(refusal_text(refusal, locate)) from None
        for plan in recorded:
            if plan.preview is not None:
                with use_width(table_width()):
                    write(preview_text(plan.preview).encode("utf-8"))
            click.echo(_recorded(plan), err=True)
        if defer.interrupted:
            click.echo(_("(interrupted after the batch was stored: it is recorded, as said above)"), err=True)


def _recorded(plan: PlanRecorded) -> str:
    """What a write says of a plan: its entries recorded, then its new length and warning count,
    as read back after the commit (if they could be)."""
    if plan.preview is not None:
        said = ngettext(
            "{plan}: dry run, nothing recorded: {count} entry checked (the plan would be at seq {seq}, with {warnings} "
            "warnings as of {date}).",
            "{plan}: dry run, nothing recorded: {count} entries checked (the plan would be at seq {seq}, with {warnings} "
            "warnings as of {date}).",
            plan.entries,
        )
        return said.format(plan=plan.plan, count=plan.entries, seq=plan.seq, warnings=plan.warnings, date=plan.as_of)
    said = ngettext("{plan}: {count} entry recorded", "{plan}: {count} entries recorded", plan.entries)
    said = said.format(plan=plan.plan, count=plan.entries)
    if plan.unread:
        return said + _(" (its warnings could not be counted: {reason}).").format(reason=plan.unread)
    if plan.seq is None:
        return said + "."
    after = ngettext(
        " (now seq {seq}); {count} warning as of {date} (see `poa report`).",
        " (now seq {seq}); {count} warnings as of {date} (see `poa report`).",
        plan.warnings,
    )
    return said + after.format(seq=plan.seq, count=plan.warnings, date=plan.as_of)


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
