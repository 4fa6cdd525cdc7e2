"""`poa`: record the facts of a POA and print its evaluation at any date, as known at any moment.

Thin click commands: they read options and files, hand entries to the ledger
and print what the projections compute. Every refusal exits with status 2 and
one message naming the file, entry and field.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import wraps
from pathlib import Path

import click

from poa.adapters.batch_files import BatchFileError, parse_text, read_batch, read_data
from poa.adapters.report_csv import history_to_csv, report_to_csv
from poa.adapters.report_json import difference_to_dict, evaluation_to_dict, recorded_to_dict
from poa.adapters.report_text import Block, layout, to_markdown, to_rich
from poa.adapters.store import Command, CommandError, Ledger, StoreError, open_ledger
from poa.domain.entries import entry_kind, parse_entry
from poa.domain.values import EntryError, parse_date
from poa.projections.evaluation import NotInForce, default_as_of, end_of_day, evaluate
from poa.projections.reconciliation import publications
from poa.projections.reconciliation import reconcile as reconcile_report

DEFAULT_STORE = "poa.db"


class Refused(click.ClickException):
    """Bad input: exit status 2, one message, no traceback, nothing stored."""

    exit_code = 2


def refusing(command):
    """Turn every input error raised below a command into a `Refused`."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (StoreError, BatchFileError) as error:
            raise Refused(str(error)) from None

    return wrapper


store_option = click.option(
    "--store",
    envvar="POA_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    help="SQLite file of the ledger (env POA_STORE).",
)
plan_option = click.option("--plan", envvar="POA_PLAN", help="Plan key such as AN-2020 (env POA_PLAN); optional when the store holds one plan.")
known_at_option = click.option(
    "--known-at", "known_at", help="Recorded time: an ISO timestamp (naive means UTC), or a date meaning the end of that day UTC. Default: now."
)
actor_option = click.option("--actor", envvar="POA_ACTOR", help="Who records the facts (env POA_ACTOR; default: the OS user).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="poa-ledger")
def cli():
    """POA Ledger: an event-sourced ledger of a public entity's annual operating plan."""


# -- writing -----------------------------------------------------------------------


@cli.command()
@click.argument("files", nargs=-1, required=True)
@store_option
@plan_option
@actor_option
@refusing
def apply(files, store, plan, actor):
    """Apply batch FILES (YAML or JSON; - for stdin) atomically: every entry of every file, or nothing."""
    batches = [read_batch(path) for path in files]
    parsed = []
    for batch in batches:
        for number, entry in enumerate(batch.entries, start=1):
            try:
                parsed.append((batch, number, parse_entry(entry)))
            except EntryError as error:
                raise Refused(describe(batch.source, number, entry_kind_or_none(entry), error)) from None
    with store_for_writing(store) as ledger:
        commands = []
        for batch, number, fact in parsed:
            key, origin = (batch.plan, "field 'plan'") if batch.plan else (plan, "option --plan")
            if key is None:
                key = only_plan(ledger, f"{batch.source}: entry {number}: no plan named")
            commands.append(Command(key, fact, actor or default_actor(), batch.source, number, origin))
        record(ledger, commands)


@cli.command()
@click.argument("file")
@store_option
@plan_option
@actor_option
@refusing
def approve(file, store, plan, actor):
    """Approve a new plan from a structure FILE (the fields of an `approve` entry)."""
    if not plan:
        raise Refused("option --plan: name the new plan (for example --plan AN-2020)")
    data, source = read_data(file)
    record_entry(store, plan, actor, "approve", data, source)


@cli.command()
@click.option("--date", "date_", required=True, help="Effective date, YYYY-MM-DD.")
@click.option("--reference", required=True, help="Resolution that approves it.")
@click.option("--reason", required=True)
@click.option("--changes", "changes_file", help="YAML or JSON file with the list of changes.")
@click.option("--add", "adds", multiple=True, help='New element, e.g. "{kind: operation, code: 6.1.1.5, parent: 6.1.1, title: ...}".')
@click.option("--update", "updates", multiple=True, help='e.g. "{code: 6.1.1, weight: 10}".')
@click.option("--cancel", "cancels", multiple=True, help="Code of an element to cancel (with its descendants).")
@click.option("--budget", "budgets", multiple=True, help='Budget line, e.g. "{code: 6.1.1.1, source: Otros, amount: -1000}".')
@store_option
@plan_option
@actor_option
@refusing
def reformulate(date_, reference, reason, changes_file, adds, updates, cancels, budgets, store, plan, actor):
    """Record an approved reformulation: from a changes file, or from repeated options.

    Changes given as options apply in this order: adds, updates, budget lines, cancellations.
    """
    changes, origins = [], []
    if changes_file:
        data, source = read_data(changes_file)
        if isinstance(data, dict) and set(data) == {"changes"}:
            data = data["changes"]
        if not isinstance(data, list):
            raise Refused(f"{changes_file}: a changes file is a list of add/update/cancel/budget changes")
        changes += data
        origins += [f"{source}: change {n}" for n in range(1, len(data) + 1)]
    for action, values in (("add", adds), ("update", updates), ("budget", budgets)):
        for value in values:
            changes.append({action: parse_text(value, f"option --{action}", json_format=False)})
            origins.append(f"option --{action} {value!r}")
    changes += [{"cancel": {"code": code}} for code in cancels]
    origins += [f"option --cancel {code!r}" for code in cancels]

    def locate(field: str) -> str | None:
        """``changes[3].add.parent`` → where change 3 came from, and its field."""
        match = re.match(r"changes\[(\d+)\](?:\.\w+)?(?:\.(.+))?$", field)
        if not match or not changes:
            return None
        where = origins[int(match.group(1)) - 1]
        return f"{where}: field '{match.group(2)}'" if match.group(2) else where

    fields = {"date": date_, "reference": reference, "reason": reason, "changes": changes}
    record_entry(store, plan, actor, "reformulate", fields, "command line", locate)


def _record_options(kind, spec):
    """A command recording one entry of `kind` whose fields are the options in `spec`."""

    def command(store, plan, actor, **options):
        fields = {name.rstrip("_"): value for name, value in options.items() if value is not None}
        record_entry(store, plan, actor, kind, fields, "command line")

    for name, required, help_text in reversed(spec):
        command = click.option(f"--{name}", f"{name}_" if name == "date" else name, required=required, help=help_text)(command)
    return command


_DATE_HELP = "Effective (cut-off) date, YYYY-MM-DD."
_PLAN_WIDE = "Element code; omit it for the plan as a whole."
_SIMPLE_COMMANDS = {
    "budget": (
        "Record a budget modification of one operation and source (signed amount).",
        [("code", True, "Operation code."), ("source", True, "Funding source (TGN, Otros, ...)."),
         ("amount", True, "Signed amount."), ("date", True, _DATE_HELP),
         ("reference", True, "Resolution that approves it."), ("reason", True, None)],
    ),
    "progress": (
        "Record cumulative physical progress (0-100) of an element at a cut-off date.",
        [("code", True, None), ("percent", True, "0 to 100, at most 2 decimals."), ("date", True, _DATE_HELP),
         ("note", False, None)],
    ),
    "execution": (
        "Record cumulative budget execution of an operation or short-term action.",
        [("code", True, None), ("amount", True, "Cumulative amount executed."), ("date", True, _DATE_HELP),
         ("source", False, "Funding source; omit for the total.")],
    ),
    "result": ("Attach a result text to an element (or to the plan).", [("code", False, _PLAN_WIDE), ("date", True, _DATE_HELP), ("text", True, None)]),
    "justify": ("Record the justification of a deviation (of an element or of the plan).", [("code", False, _PLAN_WIDE), ("date", True, _DATE_HELP), ("text", True, None)]),
}
for _kind, (_help, _spec) in _SIMPLE_COMMANDS.items():
    _cmd = _record_options(_kind, _spec)
    _cmd = refusing(actor_option(plan_option(store_option(_cmd))))
    cli.command(name=_kind, help=_help)(_cmd)


@cli.command()
@click.option("--reference", required=True, help="The report's title or number.")
@click.option("--issued", required=True, help="When the entity issued it, YYYY-MM-DD.")
@click.option("--date", "date_", required=True, help="Its cut-off date, YYYY-MM-DD.")
@click.option("--declared", required=True, help='Declared plan totals, e.g. "{budget_current: 578301240, physical_progress_pct: 82.41}".')
@click.option("--short-term-actions", "short_term_actions", help='Declared figures per ACP, e.g. "{6.1.1: {progress_pct: 78.92}}".')
@store_option
@plan_option
@actor_option
@refusing
def publish(reference, issued, date_, declared, short_term_actions, store, plan, actor):
    """Record a report the entity issued, with the figures it declared (compare them with `poa reconcile`)."""
    fields = {"reference": reference, "issued": issued, "date": date_}
    fields["declared"] = parse_text(declared, "option --declared", json_format=False)
    if short_term_actions:
        fields["short_term_actions"] = parse_text(short_term_actions, "option --short-term-actions", json_format=False)
    record_entry(store, plan, actor, "publish", fields, "command line")


def record_entry(store, plan, actor, kind, fields, source, locate=None):
    """Record one entry given by a command's options or a single file.

    `locate(field)` names where a field of the entry came from, when that is not
    simply the option of the same name (the changes of `poa reformulate`).
    """
    try:
        fact = parse_entry({kind: fields})
    except EntryError as error:
        raise Refused(describe(source, None, kind, error, locate)) from None
    with store_for_writing(store) as ledger:
        key = plan or only_plan(ledger, "no plan named")
        record(ledger, [Command(key, fact, actor or default_actor(), source, 0, "option --plan")], locate)


def record(ledger: Ledger, commands: list[Command], locate=None) -> None:
    try:
        ledger.record(commands)
    except CommandError as refused:
        c = refused.command
        if isinstance(refused.error, StoreError):  # an unknown plan
            where = "" if c.source == "command line" else f"{c.source}: entry {c.entry} ({c.fact.kind}): "
            raise Refused(f"{where}{c.plan_origin}: {refused.error}") from None
        raise Refused(describe(c.source, c.entry or None, c.fact.kind, refused.error, locate)) from None
    for key in dict.fromkeys(c.plan for c in commands):
        history = ledger.history(key)
        counted = sum(1 for c in commands if c.plan == key)
        as_of = default_as_of(history[0].fact.year, date.today())
        ev = evaluate(key, history, as_of, datetime.now(timezone.utc))
        click.echo(
            f"{key}: {counted} entr{'y' if counted == 1 else 'ies'} recorded "
            f"(now seq {len(history)}); {len(ev.warnings)} warning(s) as of {as_of} "
            f"(see `poa report`).",
            err=True,
        )


@contextmanager
def store_for_writing(store: str):
    """The ledger to write to; a store file this command created is removed if it is refused."""
    existed = Path(store).exists()
    ledger = open_ledger(store, create=True)
    try:
        yield ledger
    except Refused:
        if not existed:
            ledger.close()
            for suffix in ("", "-wal", "-shm"):
                Path(store + suffix).unlink(missing_ok=True)
        raise


# -- reading -----------------------------------------------------------------------


@cli.command()
@click.option("--as-of", "as_of", help="Effective date, YYYY-MM-DD (default: today, within the plan's year).")
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "md"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def report(as_of, known_at, fmt, store, plan):
    """The plan and its evaluation at --as-of, as known at --known-at."""
    ledger = open_ledger(store, create=False)
    key, history = plan_history(ledger, plan)
    year = history[0].fact.year
    day = parse_option_date(as_of, "--as-of") if as_of else default_as_of(year, date.today())
    moment = parse_known_at(known_at)
    try:
        ev = evaluate(key, history, day, moment)
    except NotInForce:
        approval = history[0]
        raise Refused(
            f"plan {key} is not in force at --as-of {day} as known at {moment.isoformat()}: "
            f"approved on {approval.fact.date}, recorded at {approval.recorded_at.isoformat()}"
        ) from None
    if fmt == "json":
        click.echo(json.dumps(evaluation_to_dict(ev), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(report_to_csv(ev), nl=False)
    elif fmt == "md":
        click.echo(to_markdown(layout(ev)), nl=False)
    else:
        click.echo(to_rich(layout(ev)), nl=False)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def history(fmt, store, plan):
    """Every event of the plan, in recorded order."""
    ledger = open_ledger(store, create=False)
    key, history = plan_history(ledger, plan)
    events = [recorded_to_dict(key, r) for r in history]
    if fmt == "json":
        click.echo(json.dumps(events, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(history_to_csv(events), nl=False)
    else:
        rows = tuple(
            (str(e["seq"]), e["recorded_at"][:19], e["kind"], e["date"], e["reference"] or "", e["actor"], _summary(e))
            for e in events
        )
        headers = ("Seq", "Registrado (UTC)", "Tipo", "Fecha", "Referencia", "Actor", "Datos")
        click.echo(to_rich([Block("table", title=f"Historial de {key}", headers=headers, rows=rows, right=frozenset({0}))]), nl=False)


def _summary(event: dict) -> str:
    data = event["data"]
    if event["kind"] == "approve":
        return f"{data['entity']} {data['year']}: " + ", ".join(
            f"{len(data[k])} {k}" for k in ("strategic_actions", "short_term_actions", "operations", "tasks")
        )
    if event["kind"] == "reformulate":
        return f"{data['reason']} ({len(data['changes'])} cambios)"
    return ", ".join(f"{k}={v}" for k, v in data.items())


@cli.command()
@click.option("--reference", help="Only the published report with this reference.")
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def reconcile(reference, known_at, fmt, store, plan):
    """Compare every figure of the published reports with the ledger; exit 1 when any differs."""
    ledger = open_ledger(store, create=False)
    key, history = plan_history(ledger, plan)
    moment = parse_known_at(known_at)
    reports = [r for r in publications(history, moment) if reference is None or r.fact.reference == reference]
    if not reports:
        which = f"with reference {reference!r} " if reference else ""
        raise Refused(f"plan {key} has no published report {which}known at {moment.isoformat()}")
    differences = [d for r in reports for d in reconcile_report(key, history, r, moment)]
    rows = [difference_to_dict(d) for d in differences]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        headers = ("Informe", "Elemento", "Cifra", "Declarado", "Calculado", "Diferencia")
        table = tuple(
            (r["reference"], r["code"] or "POA", r["figure"], str(r["declared"]), str(r["computed"]), str(r["difference"]))
            for r in rows
        )
        title = f"Conciliación de {len(reports)} informe(s) publicado(s) de {key}: {len(rows)} diferencia(s)"
        click.echo(to_rich([Block("table", title=title, headers=headers, rows=table, right=frozenset({3, 4, 5}))]), nl=False)
    sys.exit(1 if differences else 0)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@refusing
def plans(fmt, store):
    """The plans in the store."""
    ledger = open_ledger(store, create=False)
    rows = [
        {
            "plan": key,
            "entity": r.fact.entity,
            "year": r.fact.year,
            "date": r.fact.date.isoformat(),
            "reference": r.fact.reference,
            "recorded_at": r.recorded_at.isoformat(),
        }
        for key, r in ledger.plans()
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        headers = ("Plan", "Entidad", "Gestión", "Aprobado", "Referencia", "Registrado")
        table = tuple(tuple(str(v) for v in row.values()) for row in rows)
        click.echo(to_rich([Block("table", title="POA en el ledger", headers=headers, rows=table)]), nl=False)


# -- helpers -------------------------------------------------------------------------


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


def plan_history(ledger: Ledger, plan: str | None):
    """The plan named by --plan (or the store's only plan) and its history."""
    key = plan or only_plan(ledger, "no plan named")
    try:
        return key, ledger.history(key)
    except StoreError as error:
        raise Refused(f"option --plan: {error}") from None


def only_plan(ledger: Ledger, context: str) -> str:
    keys = [key for key, _ in ledger.plans()]
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise Refused(f"{context}: the store holds no plan yet; name one with --plan or a 'plan:' key")
    raise Refused(f"{context}: the store holds {len(keys)} plans ({', '.join(keys)}); choose one with --plan or POA_PLAN")


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "unknown"


def parse_option_date(value: str, option: str) -> date:
    try:
        return parse_date(value, option)
    except EntryError as error:
        raise Refused(f"option {option}: {error.message}") from None


def parse_known_at(value: str | None) -> datetime:
    """A recorded time: an ISO timestamp (naive means UTC), a date meaning the end of that day UTC, or now."""
    if not value:
        return datetime.now(timezone.utc)
    text = value.strip()
    if len(text) == 10:
        return end_of_day(parse_option_date(text, "--known-at"))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"option --known-at: must be a timestamp such as 2021-01-20T18:00:00Z or a date, got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def main():  # pragma: no cover - console script entry for `python -m`
    cli(prog_name="poa")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
