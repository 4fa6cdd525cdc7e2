"""The application layer: what each `poa` command does, as functions of plain values.

Every use-case takes a store — a `Ledger` opened by `stores.open_store`, or a
store's name, opened here (``read_only`` as asked) — a plan key (None: the store's
only plan), dates, moments, references and filters, and returns values: an
`Evaluation`, a `Provenance`, a `Comparison`, records, differences, or what a write
recorded. None prints or knows click, and only the issued reports render (their sealed
bytes, `formats.report_bytes`): the CLI (cli/) parses its options, calls one use-case and
renders what it returns.

Dates and moments are given as values or as the text a user typed: an ISO date; an
ISO timestamp (naive means UTC) or a date meaning the end of that day UTC (its start
for `since`). Text is parsed here, where the plan is known, so that a bad value is
refused in the same order as every other check.

Bad input raises `Refusal`, naming the parameter it concerns; a store that cannot
be used raises `StoreError` (the input's fault) or `StoreFailure` (not the input's
fault, adapters/store_errors.py); a batch file that cannot be read,
`BatchFileError`. A write takes `saving`, called just before each attempt to
commit (the CLI defers interrupts from then on), and `read_back`, asked before
reading each plan back after the commit (None: always; the CLI stops once interrupted).
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import json
import os
import sqlite3
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from attrs import frozen

from poa.domain.catalogue import DEFAULT_LANGUAGE, language, use_language
from poa.domain.batches import batch_ids, short_batch_id
from poa.domain.commands import BatchRepeated, Command, CommandError
from poa.domain.fact_kinds import entry_kind, parse_entry
from poa.domain.facts import Recorded, ReportIssued, ReportSeal
from poa.domain.settings import SIGNATURE_ROLES, Signatures
from poa.domain.values import EntryError, field_said, parse_date, parse_text, preview
from poa.projections.comparison import Comparison, ViewNotInForce, compare
from poa.projections.evaluation import Evaluation, NotInForce, default_as_of, end_of_day, evaluate
from poa.projections.history import HistoryFilter, corrected_values, known_codes, select, with_descendants
from poa.projections.issued import UnknownReport, View, issued_view
from poa.projections.issued import issued as issued_record
from poa.projections.issued import issued_reports as issued_records
from poa.projections.provenance import Provenance, UnknownElement
from poa.projections.provenance import explain as explain_figures
from poa.projections.provenance import explain_all
from poa.projections.reconciliation import Difference, publications
from poa.projections.reconciliation import reconcile as reconcile_report
from poa.projections.selection import views_of
from poa.projections.trend import with_trend

from . import exports, formats
from .interface import N_
from .interface import translate as _
from .localized import DEFAULT_DECIMAL_MARK, decimal_mark, use_decimal_mark
from . import merkle
from .collector import collector_paused
from .ledger import Consistency, Inclusion, Ledger
from .merkle_log import TreeHead, extends
from .proofs import BadDigest, read_digest, short_digest
from .store_errors import BeyondTheLog, StoreDamaged, StoreError, StoreFailure, StoreNotEmpty, StoreTampered
from .stores import is_url, open_store, shown_name  # noqa: F401 - shown_name: the CLI's too

if TYPE_CHECKING:
    from .batch_files import Batch
    from .read_model import Progress

PARAMETERS = N_("command line")  # the source of an entry whose fields are a use-case's parameters (shown translated)
ACTOR_MAX = 200  # characters of an actor's name
ISSUED = "issued:"  # a view named by an issued report
DISTRIBUTION = "poa-ledger"  # the installed distribution whose version `poa --version` says and a sealed report holds
VIEW_SYNTAX = N_("a VIEW is AS_OF, AS_OF@KNOWN_AT or issued:REFERENCE")  # said translated

Store = Ledger | str  # a ledger opened by `stores.open_store`, or the name of a store to open
_LOG_CHECKED: ContextVar[bool] = ContextVar("log_checked", default=True)  # False within `unverified()`
Saving = Callable[[], None] | None
ReadBack = Callable[[], bool] | None  # asked before reading a plan back after the commit


class Refusal(Exception):
    """Input a use-case refuses.

    `param` is the parameter it concerns: a use-case's parameter (``known_at``) or,
    for an entry whose fields are the parameters, the field's path
    (``changes[2].add.parent``). `where` is the input it came from when that is not
    a parameter (``lote.yaml: entry 3 (progress)``). Either may be None. For an entry
    refused, `entry` is its number in its input (None: the input is one entry) and `field`
    the path of the field at fault (None: the entry as a whole), for a caller that knows
    where each field came from (a workbook's sheet, row and column).
    """

    def __init__(
        self, message: str, *, param: str | None = None, where: str | None = None, entry: int | None = None,
        field: str | None = None,
    ):
        super().__init__(message)
        self.message, self.param, self.where = message, param, where
        self.entry, self.field = entry, field

    def __str__(self) -> str:
        return ": ".join(part for part in (self.where, self.param, self.message) if part)


# -- values returned ------------------------------------------------------------------


@frozen
class PlanRecorded:
    """What a write recorded in one plan: its number of entries and, read back after the commit
    when that was possible, the plan's new length and its warnings as of the default date."""

    plan: str
    entries: int
    seq: int | None = None  # None: not read back (`read_back` said no, or `unread`)
    warnings: int | None = None
    as_of: date | None = None
    unread: str | None = None  # the type of the error that kept the plan from being read back
    preview: Preview | None = None  # a dry run: nothing was recorded; what would have been (seq: the would-be length)


@frozen
class Preview:
    """What a write would record in one plan (`dry_run`), and what it would change.

    `records`: the facts it would record, with the seq each would get and the time they were
    checked at (a real write stamps them when it commits). `evaluation`: the plan as it would be,
    as of `as_of` (today in the plan's year, or the latest date of those facts if later), every
    fact known. `comparison`: the figures that would change in that report, with the facts
    responsible (None: a new plan, which has no report before)."""

    plan: str
    records: tuple[Recorded, ...]
    evaluation: Evaluation
    comparison: Comparison | None


@frozen
class Report:
    """A report to render: the evaluation, its format (the one asked, the issued report's, or
    ``table``) and the issued report's record when it was issued or is reproduced.

    `content`: the exact bytes to print instead of rendering the evaluation — the sealed bytes
    of an issued report (checked against their SHA-256 when reproduced). `notes`: what the
    command says about them on stderr (a report rendered by today's program: not sealed)."""

    plan: str
    evaluation: Evaluation
    format: str
    issued: Recorded | None = None
    content: bytes | None = None
    notes: tuple[str, ...] = ()


@frozen
class PlanRecords:
    """Records of one plan: a history selection, or its issued reports."""

    plan: str
    records: tuple[Recorded, ...]
    corrected: dict = attrs.field(factory=dict)  # what each correction among them replaced, by its seq (history)


@frozen
class Reconciliation:
    """The published reports of a plan compared with the ledger: how many, and every difference."""

    plan: str
    reports: int
    differences: tuple[Difference, ...]


# -- writing ----------------------------------------------------------------------------


def record_batch(
    store: Store, commands: Sequence[Command], *, again: bool = False, dry_run: bool = False, read_only: bool = False,
    saving: Saving = None, read_back: ReadBack = None, ids: Mapping[str, str] | None = None,
) -> list[PlanRecorded]:
    """Record a batch of commands, all or nothing; then, as a courtesy, read each plan back.

    A new store is created if need be. Once the batch is committed nothing turns it
    into a failure: a plan that cannot be read back says why in `PlanRecorded.unread`.
    `dry_run`: check the batch against the store as it is, and return what it would record
    (`PlanRecorded.preview`) without writing anything, not even a new store. `ids`: each plan's
    batch id (`domain/batches.py`), when the caller has computed them already.
    """
    if dry_run:
        return _previewed(store, commands, again=again)
    with _opened(store, create=True, read_only=read_only) as ledger:
        try:
            ledger.record(commands, again=again, saving=saving, ids=ids)
        except CommandError as refused:
            raise _command_refusal(refused) from None
        plans = dict.fromkeys(c.plan for c in commands)
        return [_read_back(ledger, key, sum(1 for c in commands if c.plan == key), read_back) for key in plans]


@collector_paused()  # the files are read and parsed before the store is opened (`_opened`)
def apply(
    store: Store, files: Sequence[str], *, plan: str | None = None, actor: str | None = None, again: bool = False,
    dry_run: bool = False, read_only: bool = False, saving: Saving = None, read_back: ReadBack = None,
    initial_load: bool = False, load_reference: str | None = None,
) -> list[PlanRecorded]:
    """Record every entry of the batch files (``-``: standard input) as one batch.

    A file's entries go to the plan its ``plan:`` names, else to `plan`, else to the
    store's only plan. `initial_load`, `load_reference`: as in `apply_batches`.
    """
    from .batch_files import read_batch  # noqa: PLC0415 - YAML loads with the first batch file (docs/design.md, "Start-up")

    reference = _load_reference(initial_load, load_reference)  # before reading any file
    batches = [read_batch(path) for path in files]  # every file read (and refused if malformed) before any entry is parsed
    return apply_batches(
        store, _taken(batches), plan=plan, actor=actor, again=again, dry_run=dry_run,
        read_only=read_only, saving=saving, read_back=read_back, initial_load=initial_load, load_reference=reference,
    )


def _taken(items: list) -> Iterator:
    """The items of the list in order, each let go of by the list as it is given (a batch file's
    entries as read are not held once its entries are parsed)."""
    items.reverse()
    while items:
        yield items.pop()


@collector_paused()  # the entries are parsed before the store is opened (`_opened`)
def apply_batches(
    store: Store, batches: Iterable[Batch], *, plan: str | None = None, actor: str | None = None, again: bool = False,
    dry_run: bool = False, read_only: bool = False, saving: Saving = None, read_back: ReadBack = None,
    initial_load: bool = False, load_reference: str | None = None,
) -> list[PlanRecorded]:
    """Record every entry of `batches` (as read from batch files, or made from a workbook) as one batch.

    A batch's entries go to the plan its ``plan`` names, else to `plan`, else to the
    store's only plan. A refused entry is named by its batch's source and its number in it.
    `initial_load`: the entries are an initial load, transcribed from earlier records (not
    late; docs/design.md), whose reference is `load_reference`, else the short form of each
    plan's batch id (`_load_references`).
    """
    from .batch_files import entry_said  # noqa: PLC0415

    load_reference = _load_reference(initial_load, load_reference)
    parsed = []  # (source, plan named, number, fact): not the batch, whose entries as read go once parsed
    for batch in batches:
        for number, entry in enumerate(batch.entries, start=1):
            try:
                parsed.append((batch.source, batch.plan, number, parse_entry(entry)))
            except EntryError as error:
                raise _entry_refusal(batch.source, number, _kind_or_none(entry), error) from None
    batch = None  # the last batch's entries as read are let go of too
    with _opened_to_write(store, dry_run=dry_run, read_only=read_only) as ledger:
        keys = []
        for source, named, number, _fact in parsed:
            key = named or plan
            if key is None:
                key = _only_plan(ledger, f"{source}: {entry_said(number)}: " + _("no plan named"))
            keys.append(key)
        ids = batch_ids((key, entry[3]) for key, entry in zip(keys, parsed))
        loads = _load_references(ids, load_reference) if initial_load else {}
        who = actor_name(actor)
        commands = [
            Command(key, fact, who, source, number, plan_given=not named, initial_load=loads.get(key))
            for key, (source, named, number, fact) in zip(keys, parsed)
        ]
        del parsed, keys  # the commands hold the facts: a large batch is not held twice
        return record_batch(ledger, commands, again=again, dry_run=dry_run, saving=saving, read_back=read_back, ids=ids)


def _load_reference(initial_load: bool, load_reference: str | None) -> str | None:
    """The reference given to an initial load, checked as any reference is (None: none given)."""
    if load_reference is None:
        return None
    if not initial_load:
        raise Refusal(_("needs --initial-load"), param="load_reference")
    try:
        return parse_text(load_reference, "load_reference")
    except EntryError as error:
        raise Refusal(error.message, param="load_reference") from None


def _load_references(ids: Mapping[str, str], reference: str | None) -> dict[str, str]:
    """Each plan's reference of an initial load: `reference`, else the short form of the plan's batch
    id (`ids`; the batch id `poa history --format json` shows starts with it)."""
    return {key: reference or short_batch_id(batch) for key, batch in ids.items()}


def record_entry(
    store: Store, plan: str | None, kind: str, fields: object, *, actor: str | None = None, source: str = PARAMETERS,
    again: bool = False, dry_run: bool = False, read_only: bool = False, saving: Saving = None,
    read_back: ReadBack = None,
) -> list[PlanRecorded]:
    """Record one entry of `kind` (approve, reformulate, budget, progress, execution, result,
    justify, publish, close, reopen, ...) whose fields are given as a mapping.

    `source` names where the fields came from: a file, or `PARAMETERS` when they are
    the caller's parameters (then a refusal names the field as its parameter).
    """
    try:
        fact = parse_entry({kind: fields})
    except EntryError as error:
        raise _entry_refusal(source, None, kind, error) from None
    with _opened_to_write(store, dry_run=dry_run, read_only=read_only) as ledger:
        key = plan or _only_plan(ledger, _("no plan named"))
        command = Command(key, fact, actor_name(actor), source, 0, plan_given=True)
        return record_batch(ledger, [command], again=again, dry_run=dry_run, saving=saving, read_back=read_back)


def approve(
    store: Store, plan: str | None, file: str, *, actor: str | None = None, again: bool = False, dry_run: bool = False,
    read_only: bool = False, saving: Saving = None, read_back: ReadBack = None,
) -> list[PlanRecorded]:
    """Approve the new plan `plan` from a structure file (the fields of an ``approve`` entry)."""
    if not plan:
        raise Refusal(_("name the new plan (for example --plan AN-2020)"), param="plan")
    from .batch_files import read_data  # noqa: PLC0415

    data, source = read_data(file)
    return record_entry(
        store, plan, "approve", data, actor=actor, source=source, again=again, dry_run=dry_run, read_only=read_only,
        saving=saving, read_back=read_back,
    )


def _previewed(store: Store, commands: Sequence[Command], *, again: bool) -> list[PlanRecorded]:
    """`record_batch`'s dry run: the batch checked against the store as it is, nothing written."""
    with _opened_to_write(store, dry_run=True, read_only=True) as ledger:
        now = ledger.settle()
        try:
            plans = ledger.preview(commands, again=again)
        except CommandError as refused:
            raise _command_refusal(refused) from None
        return [_preview(plan.key, ledger.history_of(plan), len(plan.pending_events), now) for plan in plans]


def _preview(key: str, history: Sequence[Recorded], new: int, now: datetime) -> PlanRecorded:
    """A plan's would-be history (its last `new` facts not recorded) as a `PlanRecorded` with its preview."""
    approval = history[0].fact
    records = tuple(history[len(history) - new:])
    latest = max((r.fact.date for r in records), default=approval.date)
    as_of = min(max(default_as_of(approval.year, date.today()), latest, approval.date), date(approval.year, 12, 31))
    after = View(as_of, max(r.recorded_at for r in history))
    evaluation = evaluate(key, history, after.as_of, after.known_at)
    comparison = None
    if new < len(history):
        try:
            comparison = compare(key, history, View(as_of, now), after)
        except ViewNotInForce:  # the plan is not in force yet at that date: the would-be report says it all
            pass
    preview = Preview(key, records, evaluation, comparison)
    return PlanRecorded(key, new, len(history), len(evaluation.warnings), as_of, preview=preview)


def _os_user() -> str:
    """The OS user (asked once per write: `apply_batches` names one actor for the whole batch)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "unknown"


def actor_name(actor: str | None) -> str:
    """Who records: `actor`, else the OS user; a text of at most 200 characters."""
    if actor is None:
        return _os_user()
    try:
        name = parse_text(actor, "actor")
    except EntryError as error:
        raise Refusal(error.message, param="actor") from None
    if len(name) > ACTOR_MAX:
        raise Refusal(_("must have at most {count} characters, got {value}").format(count=ACTOR_MAX, value=preview(name)), param="actor")
    return name


# -- reading ------------------------------------------------------------------------------


def report(
    store: Store, plan: str | None = None, *, as_of: date | str | None = None, known_at: datetime | str | None = None,
    format: str | None = None, raw_csv: bool = False, issue: str | None = None, issued: str | None = None,
    actor: str | None = None, read_only: bool = False, saving: Saving = None, table: str = "elements",
    signatures: Signatures | None = None,
) -> Report:
    """The plan's evaluation at `as_of` (default: today, within the plan's year) as known at
    `known_at` (default: now, settled), refused when the plan is not in force there.

    `signatures`: names for the documents' signature block, over the plan's own (its settings);
    an issued report keeps those it was issued with.

    With `issue`, the report is first rendered as known now (settled) in every format and
    recorded as issued under that reference, sealed (`issue_report`); with `issued`, the report
    issued under that reference is reproduced: its sealed bytes, in its own format unless
    `format` says otherwise (`reproduce_report`). `raw_csv` (CSV cells as recorded) and `table`
    (which table of the report the CSV gives, other than the default ``elements``) apply to the
    CSV format only; an issued report is its elements table, neutralised (the other forms of an
    issued report are rendered again by today's program, and `Report.notes` says so).
    """
    if table != "elements" and issue is not None:
        raise Refusal(_("a report is issued as its elements table; give --table to --issued to read another"), param="table")
    if raw_csv and issue is not None:
        raise Refusal(
            _("a report is issued as the neutralised CSV, which --issued reproduces; give --raw-csv to --issued to read it raw"),
            param="raw_csv",
        )
    with _opened(store, create=False, read_only=read_only) as ledger:
        key, facts, now = _plan_history(ledger, plan, whole=False)  # all but the records: enough to choose the view
        printed = None
        if issued is not None:
            if as_of or known_at or issue:
                raise Refusal(_("reproduces the issued report's own view; drop --as-of, --known-at and --issue"), param="issued")
            if signatures is not None and signatures != Signatures():
                given = next(role for role in SIGNATURE_ROLES if getattr(signatures, role))
                raise Refusal(_("an issued report keeps the signatures it was issued with"), param=given)
            printed = _issued_or_refused(facts, issued, "issued")
            view, fmt = issued_view(printed), format or printed.fact.format
        elif issue is not None:
            if known_at:
                raise Refusal(_("an issued report is printed as known at the moment it is issued"), param="known_at")
            view = _view(facts, as_of, None, now)
            history = ledger.history(key)
            return _issue_sealed(ledger, key, history, issue, view, format or "table", actor, saving, signatures)
        else:
            view, fmt = _view(facts, as_of, known_at, now), format or "table"
        if raw_csv and fmt != "csv":
            raise Refusal(_csv_only(fmt, issued if format is None else None), param="raw_csv")
        if table != "elements" and fmt != "csv":
            raise Refusal(_csv_only(fmt, issued if format is None else None), param="table")
        # the facts the report's evaluations need, not the whole history (projections/selection.py)
        history = ledger.selected(key, views_of(view, facts[0].fact.year, fmt in formats.CHARTED), facts)
        if printed is None:
            return Report(key, _charted(evaluation_at(key, history, view), history, fmt).signed(signatures), fmt, None)
        with rendering_as(printed.fact):  # what is not sealed is rendered again in the issued language
            evaluation = _charted(evaluation_at(key, history, view), history, fmt).signed(printed.fact.signatures)
            content, notes = _reproduced(printed, fmt, raw_csv=raw_csv, table=table)
            if content is None:
                content = formats.rendered(formats.report_formats(table), fmt, evaluation, raw_csv)
        return Report(key, evaluation, fmt, printed, content, notes)


def issue_report(
    store: Store, plan: str | None, issue: str, *, as_of: date | str | None = None, format: str | None = None,
    actor: str | None = None, read_only: bool = False, saving: Saving = None, signatures: Signatures | None = None,
) -> Report:
    """Record that the report at `as_of` is issued under the reference `issue`, in `format`
    (default ``table``), sealed: the report as known now (settled) rendered in every format of
    `formats.REPORT` before the fact is recorded, the fact holding the program's version, that
    moment (its `known_at`) and each format's SHA-256 and bytes. `Report.content`: the bytes of
    `format`, to print. `signatures`: the names of its signature block, recorded with it."""
    return report(
        store, plan, as_of=as_of, format=format, issue=issue, actor=actor, read_only=read_only, saving=saving,
        signatures=signatures,
    )


def reproduce_report(
    store: Store, plan: str | None, issued: str, *, format: str | None = None, raw_csv: bool = False,
    read_only: bool = False,
) -> Report:
    """The report issued under the reference `issued`, from the view it was printed from,
    whatever was recorded afterwards (in its own format unless `format` says otherwise).

    `Report.content` holds its sealed bytes of that format, checked against their SHA-256
    (`StoreDamaged` when they do not match); None when they cannot be had (a report issued
    before the seal existed, a format it was not sealed in, `raw_csv`): then the evaluation is
    rendered by today's program, and `Report.notes` says so."""
    return report(store, plan, format=format, raw_csv=raw_csv, issued=issued, read_only=read_only)


@frozen
class SealCheck:
    """One sealed format of an issued report, and today's program's rendering of the same view
    (None when today's program has no such format)."""

    format: str
    sealed_sha256: str
    sealed: bytes
    today: bytes | None

    @property
    def today_sha256(self) -> str | None:
        return None if self.today is None else hashlib.sha256(self.today).hexdigest()

    @property
    def identical(self) -> bool:
        return self.today == self.sealed


@frozen
class Rerendering:
    """An issued report rendered again by today's program (`program_version`) from its issued
    view, format by format against the bytes it sealed."""

    plan: str
    issued: Recorded
    program_version: str
    checks: tuple[SealCheck, ...]

    @property
    def identical(self) -> bool:
        return all(c.identical for c in self.checks)


def rerender_report(
    store: Store, plan: str | None, issued: str, *, format: str | None = None, read_only: bool = False,
) -> Rerendering:
    """Does today's program still say what was issued? The report issued under `issued`,
    rendered again from its issued view in every format it was sealed in (or only `format`),
    each compared with its sealed bytes (checked first against their SHA-256: `StoreDamaged`).
    Refused for a report issued before the seal existed: there is nothing to compare with."""
    with _opened(store, create=False, read_only=read_only) as ledger:
        key, history, _now = _plan_history(ledger, plan)
        printed = _issued_or_refused(history, issued, "issued")
        fact = printed.fact
        if not fact.sealed:
            raise Refusal(
                _(
                    "report {reference} was not sealed (issued by an earlier version of the program): there are no "
                    "issued bytes to compare with; --issued alone renders it with today's program"
                ).format(reference=repr(issued)),
                param="rerender",
            )
        asked = [s.format for s in fact.seals]
        if format is not None:
            if fact.seal(format) is None:
                raise Refusal(
                    _("report {reference} was not sealed in {format} (sealed: {sealed})").format(
                        reference=repr(issued), format=format, sealed=", ".join(asked)
                    ),
                    param="format",
                )
            asked = [format]
        sealed = {fmt: sealed_bytes(printed, fmt) for fmt in asked}  # a damaged seal is said before any rendering
        with rendering_as(fact):
            evaluation = _charted(evaluation_at(key, history, issued_view(printed)), history, *asked).signed(fact.signatures)
            checks = tuple(
                SealCheck(fmt, fact.seal(fmt).sha256, sealed[fmt],
                          formats.report_bytes(evaluation, fmt) if fmt in formats.REPORT else None)
                for fmt in asked
            )
        return Rerendering(key, printed, program_version(), checks)


@contextmanager
def rendering_as(fact: ReportIssued | None) -> Iterator[tuple[str, str]]:
    """Render in an issued report's language and decimal mark (Spanish and point for one issued
    before they were recorded); with no fact, in the current ones. Yields (language, decimal mark)."""
    if fact is None:
        yield language(), decimal_mark()
        return
    with use_language(fact.language or DEFAULT_LANGUAGE) as lang, use_decimal_mark(fact.decimal_mark or DEFAULT_DECIMAL_MARK) as mark:
        yield lang, mark


def program_version() -> str:
    """This program's version, as `poa --version` says it: the installed distribution ``poa-ledger``'s."""
    from importlib import metadata  # noqa: PLC0415 - only a sealed report and --version ask (docs/design.md, "Start-up")

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


SEALED_MAX_BYTES = 64 * 1024 * 1024  # what a sealed report may decompress to


def seal(fmt: str, content: bytes) -> ReportSeal:
    """The seal of one format's bytes: their SHA-256 (hex) and the bytes, zlib-compressed, as base64 text."""
    return ReportSeal(fmt, hashlib.sha256(content).hexdigest(), base64.b64encode(zlib.compress(content, 9)).decode("ascii"))


def unseal(s: ReportSeal) -> bytes:
    """The bytes a seal holds, checked: `SealBroken` when they cannot be decoded or do not hash to its SHA-256."""
    try:
        inflater = zlib.decompressobj()
        content = inflater.decompress(base64.b64decode(s.zlib_base64, validate=True), SEALED_MAX_BYTES)
    except (binascii.Error, zlib.error, ValueError, TypeError) as error:
        raise SealBroken(
            _("its sealed {format} bytes cannot be read back ({error})").format(format=s.format, error=type(error).__name__)
        ) from None
    if inflater.unconsumed_tail or not inflater.eof:  # a report is never that large: a compression bomb, or cut short
        raise SealBroken(
            _("its sealed {format} bytes do not decompress to a whole report of at most {size} bytes").format(
                format=s.format, size=SEALED_MAX_BYTES
            )
        )
    digest = hashlib.sha256(content).hexdigest()
    if digest != s.sha256:
        raise SealBroken(
            _("its sealed {format} bytes hash to {digest}, not to the SHA-256 recorded with them ({sha256})").format(
                format=s.format, digest=digest, sha256=s.sha256
            )
        )
    return content


class SealBroken(ValueError):
    """A seal whose bytes cannot be read back or do not hash to its SHA-256."""


def sealed_bytes(printed: Recorded, fmt: str) -> bytes:
    """The sealed bytes of one format of an issued report, checked (`StoreDamaged`, naming the
    report and the format, when they cannot be read back or do not hash to the SHA-256 recorded)."""
    try:
        return unseal(printed.fact.seal(fmt))
    except SealBroken as error:
        raise StoreDamaged(
            _("the store is damaged: issued report {reference} (seq {seq}): {problem}; its {format} is not printed").format(
                reference=repr(printed.fact.reference), seq=printed.seq, problem=error, format=fmt
            )
        ) from None


def _issue_sealed(
    ledger: Ledger, key: str, history: list[Recorded], issue: str, view: View, fmt: str, actor: str | None,
    saving: Saving, signatures: Signatures | None = None,
) -> Report:
    """Render the report at `view` (as known at the settled "now") in every format, seal each,
    then record the fact: every transaction stamped by "now" has committed and every later one
    (this one included) is stamped after it, so the view, and hence the bytes, never change."""
    if fmt not in formats.REPORT:
        raise Refusal(_("is not a format of the report ({formats})").format(formats=", ".join(formats.REPORT)), param="format")
    evaluation = with_trend(evaluation_at(key, history, view), history).signed(signatures)
    content = {name: formats.report_bytes(evaluation, name) for name in formats.SEALED}
    given = signatures if signatures is not None and signatures != Signatures() else None
    fact = ReportIssued(
        issue, view.as_of, fmt, program_version(), view.known_at, tuple(seal(name, b) for name, b in content.items()),
        language(), decimal_mark(), given,
    )
    # a format printed from a sealed one (the PDF), printed before recording: if it cannot be, nothing is
    shown = content[fmt] if fmt in content else _pdf_of(content[formats.PRINTED_FROM[fmt]])
    printed = issued_record(_issue(ledger, key, fact, actor, saving), issue)
    return Report(key, evaluation, fmt, printed, shown)


def _pdf_of(html: bytes) -> bytes:
    """The PDF printed from an HTML report (sealed or just rendered): the PDF is never sealed itself.
    Without WeasyPrint, `formats.FormatUnavailable`."""
    from .report_pdf import html_to_pdf  # WeasyPrint: an optional extra

    return html_to_pdf(html.decode("utf-8"))


def _reproduced(printed: Recorded, fmt: str, *, raw_csv: bool, table: str) -> tuple[bytes | None, tuple[str, ...]]:
    """What `--issued` prints of an issued report in `fmt`: its sealed bytes, checked; or None and
    the note saying why today's program renders it instead."""
    fact, reference = printed.fact, repr(printed.fact.reference)
    today = _("rendered by today's program ({version}) from its issued view").format(version=program_version())
    if not fact.sealed:
        return None, (
            _("report {reference} was not sealed (issued by an earlier version of the program): {today}").format(
                reference=reference, today=today
            ),
        )
    if raw_csv or table != "elements":
        what = " ".join(part for part in (f"--table {table}" if table != "elements" else "", "--raw-csv" if raw_csv else "") if part)
        return None, (
            _("report {reference} is sealed as its elements table in the neutralised CSV, not as {what}: {today}").format(
                reference=reference, what=what, today=today
            ),
        )
    if fmt in formats.PRINTED_FROM and fact.seal(formats.PRINTED_FROM[fmt]) is not None:
        return _pdf_of(sealed_bytes(printed, formats.PRINTED_FROM[fmt])), (
            _("report {reference}: its PDF is printed from its sealed HTML").format(reference=reference),
        )
    if fact.seal(fmt) is None:
        sealed = ", ".join(s.format for s in fact.seals)
        return None, (
            _("report {reference} was not sealed in {format} (sealed: {sealed}): {today}").format(
                reference=reference, format=fmt, sealed=sealed, today=today
            ),
        )
    return sealed_bytes(printed, fmt), ()


def evaluation_at(key: str, history: Sequence[Recorded], view: View) -> Evaluation:
    """The plan's evaluation at a view, refused when the plan is not in force there."""
    try:
        return evaluate(key, history, view.as_of, view.known_at)
    except NotInForce:
        raise _not_in_force_refusal(key, history, view) from None


def explain(
    store: Store, plan: str | None, code: str | None = None, *, as_of: date | str | None = None,
    known_at: datetime | str | None = None, read_only: bool = False,
) -> Provenance:
    """Where each figure of element `code` comes from at a view (as in `report`): rules and events;
    with `code` None, or the plan's key, each figure of the plan (its summary)."""
    with _opened(store, create=False, read_only=read_only) as ledger:
        key, history, now = _plan_history(ledger, plan)
        view = _view(history, as_of, known_at, now)
        try:
            return explain_figures(key, history, code, view.as_of, view.known_at)
        except NotInForce:
            raise _not_in_force_refusal(key, history, view) from None
        except UnknownElement as unknown:
            raise Refusal(_unknown_element(unknown), param="code") from None


def _unknown_element(unknown: UnknownElement) -> str:
    """Why `poa explain` has no element `unknown.code`, in the interface's language."""
    if unknown.found is None:
        return _("unknown code {code} in plan {plan}").format(code=unknown.code, plan=unknown.plan)
    if unknown.approved:
        said = _(
            "{code} is not in plan {plan} as of {as_of} as known at {known_at}: approved by {reference} (seq {seq}), "
            "effective {date}, recorded at {recorded_at}"
        )
    else:
        said = _(
            "{code} is not in plan {plan} as of {as_of} as known at {known_at}: added by {reference} (seq {seq}), "
            "effective {date}, recorded at {recorded_at}"
        )
    r = unknown.found
    return said.format(
        code=unknown.code, plan=unknown.plan, as_of=unknown.as_of, known_at=unknown.known_at.isoformat(),
        reference=r.fact.reference, seq=r.seq, date=r.fact.date, recorded_at=r.recorded_at.isoformat(),
    )


def diff(
    store: Store, plan: str | None, from_view: View | str, to_view: View | str, *, read_only: bool = False,
) -> Comparison:
    """What differs between two views of the plan, with the events responsible.

    A view is a `View`, or its text: ``AS_OF`` (as known now), ``AS_OF@KNOWN_AT`` or
    ``issued:REFERENCE`` (the view an issued report was printed from).
    """
    with _opened(store, create=False, read_only=read_only) as ledger:
        key, history, now = _plan_history(ledger, plan)
        before = _parse_view(from_view, "from_view", history, now)
        after = _parse_view(to_view, "to_view", history, now)
        try:
            return compare(key, history, before, after)
        except ViewNotInForce as error:
            param = "from_view" if error.side == "before" else "to_view"
            raise Refusal(_not_in_force(key, history, error.view), param=param) from None


def reconcile(
    store: Store, plan: str | None = None, *, reference: str | None = None, known_at: datetime | str | None = None,
    read_only: bool = False,
) -> Reconciliation:
    """Every figure of the reports the entity published (or the one with `reference`), as
    known at `known_at`, compared with the ledger's; refused when there is none."""
    with _opened(store, create=False, read_only=read_only) as ledger:
        key, history, now = _plan_history(ledger, plan)
        moment = _moment(known_at, "known_at", default=now, history=history)
        reports = [r for r in publications(history, moment) if reference is None or r.fact.reference == reference]
        if not reports:
            if reference:
                said = _("plan {plan} has no published report with reference {reference} known at {known_at}")
            else:
                said = _("plan {plan} has no published report known at {known_at}")
            raise Refusal(said.format(plan=key, reference=repr(reference), known_at=moment.isoformat()))
        differences = tuple(d for r in reports for d in reconcile_report(key, history, r, moment))
        return Reconciliation(key, len(reports), differences)


def history(
    store: Store, plan: str | None = None, *, code: str | None = None, descendants: bool = False,
    kinds: Sequence[str] = (), actor: str | None = None, reference: str | None = None,
    since: datetime | str | None = None, until: datetime | str | None = None,
    date_from: date | str | None = None, date_to: date | str | None = None, late_days: int | None = None,
    read_only: bool = False,
) -> PlanRecords:
    """The plan's events in recorded order: all, or those matching every filter given (facts
    about `code`, and with `descendants` every element under it; of these `kinds`; recorded by
    `actor`; with `reference`; recorded from `since` to `until`; effective from `date_from` to
    `date_to`; recorded more than `late_days` days after their effective date)."""
    with _opened(store, create=False, read_only=read_only) as ledger:
        key, events, _now = _plan_history(ledger, plan)
        codes = None
        if code is not None:
            if code not in known_codes(events):
                raise Refusal(_("unknown code {code} in plan {plan}").format(code=code, plan=key), param="code")
            codes = frozenset(with_descendants(events, code) if descendants else {code})
        elif descendants:
            raise Refusal(_("needs --code"), param="descendants")
        criteria = HistoryFilter(
            codes=codes,
            kinds=frozenset(kinds),
            actor=actor,
            reference=reference,
            since=_moment(since, "since", start_of_day=True) if since else None,
            until=_moment(until, "until") if until else None,
            date_from=_day(date_from, "date_from") if date_from else None,
            date_to=_day(date_to, "date_to") if date_to else None,
            late_days=late_days,
        )
        selected = tuple(select(events, criteria))
        return PlanRecords(key, selected, corrected_values(events, selected))


def issued_reports(store: Store, plan: str | None = None, *, read_only: bool = False) -> PlanRecords:
    """The reports issued with `report(..., issue=...)`, in the order they were issued."""
    with _opened(store, create=False, read_only=read_only) as ledger:
        key, history, _now = _plan_history(ledger, plan)
        return PlanRecords(key, tuple(issued_records(history)))


def plans(store: Store, *, read_only: bool = False) -> list[tuple[str, Recorded]]:
    """Every plan of the store (key and approval), in the order they were approved."""
    with _opened(store, create=False, read_only=read_only) as ledger:
        return ledger.plans()


# -- helpers --------------------------------------------------------------------------------


@contextmanager
def _opened(store: Store, *, create: bool, read_only: bool) -> Iterator[Ledger]:
    """The ledger given, or the store named opened for the use-case and closed after it
    (a PostgreSQL store's connections are given back to the server); the cyclic garbage
    collector paused meanwhile (adapters/collector.py)."""
    with collector_paused():
        if isinstance(store, Ledger):
            yield store
            return
        ledger = open_store(store, create=create, read_only=read_only)
        ledger.check_log = _LOG_CHECKED.get()
        try:
            yield ledger
        finally:
            ledger.close()


@contextmanager
def _opened_to_write(store: Store, *, dry_run: bool, read_only: bool) -> Iterator[Ledger]:
    """The ledger a write records in. A new store path becomes a store even if the write is then
    refused: removing the file could destroy what another process is writing to it at the same
    moment. A dry run writes nothing: it reads an existing store read-only, and previews a store
    that does not exist yet as an empty one kept in memory."""
    if dry_run and not isinstance(store, Ledger) and not is_url(store) and not Path(store).exists():
        from .memory_store import open_memory  # noqa: PLC0415 - only a dry run on a new store needs it

        yield open_memory()
        return
    with _opened(store, create=not dry_run, read_only=read_only or dry_run) as ledger:
        yield ledger


def _plan_history(ledger: Ledger, plan: str | None, *, whole: bool = True) -> tuple[str, list[Recorded], datetime]:
    """The plan named (or the store's only plan), its history (not `whole`: every fact but the
    progress and execution records, `Ledger.facts`), and "now".

    The ledger is settled first (`Ledger.settle`): every transaction stamped up to
    "now" has committed, so a view as known at any moment up to it can never change.
    """
    key = plan or _only_plan(ledger, _("no plan named"))
    now = ledger.settle()
    try:
        return key, ledger.history(key) if whole else ledger.facts(key), now
    except StoreError as error:
        raise Refusal(str(error), param="plan") from None


def _only_plan(ledger: Ledger, where: str) -> str:
    keys = ledger.plan_keys()
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise Refusal(_("the store holds no plan yet; name one with --plan or a 'plan:' key"), where=where)
    raise Refusal(
        _("the store holds {count} plans ({plans}); choose one with --plan or POA_PLAN").format(count=len(keys), plans=", ".join(keys)),
        where=where,
    )


def _issue(ledger: Ledger, key: str, fact: ReportIssued, actor: str | None, saving: Saving) -> list[Recorded]:
    """Record that a report is issued; the history read back includes it, with its recorded time."""
    command = Command(key, fact, actor_name(actor), PARAMETERS, 0, plan_given=True)
    try:
        ledger.record([command], saving=saving)
    except CommandError as refused:  # the fact's reference is the `issue` parameter
        raise _entry_refusal(PARAMETERS, None, "issue", refused.error, {"reference": "issue"}) from None
    return ledger.history(key)


def _read_back(ledger: Ledger, key: str, entries: int, read_back: ReadBack) -> PlanRecorded:
    """The plan's new length and warning count, if they can be had: the batch is stored anyway."""
    if read_back is not None and not read_back():
        return PlanRecorded(key, entries)
    try:
        now = datetime.now(timezone.utc)  # before the facts are read: what is recorded after is not seen
        facts = ledger.facts(key)
        as_of = default_as_of(facts[0].fact.year, date.today())
        warnings = evaluate(key, ledger.selected(key, [View(as_of, now)], facts), as_of, now).warnings
    except Exception as error:  # noqa: BLE001 - reading back is a courtesy; the write has succeeded
        return PlanRecorded(key, entries, unread=type(error).__name__)
    return PlanRecorded(key, entries, ledger.version(key), len(warnings), as_of)


def _command_refusal(refused: CommandError) -> Refusal:
    from .batch_files import entry_said  # noqa: PLC0415

    c, error = refused.command, refused.error
    if isinstance(error, BatchRepeated):
        return Refusal(error.message, where=None if c.source == PARAMETERS else c.source)
    if isinstance(error, StoreError):  # an unknown plan
        where = None if c.source == PARAMETERS else f"{c.source}: {entry_said(c.entry)} ({c.fact.kind})"
        if c.plan_given:
            return Refusal(str(error), param="plan", where=where)
        return Refusal(f"{field_said('plan')}: {error}", where=where)
    return _entry_refusal(c.source, c.entry or None, c.fact.kind, error)


def _entry_refusal(
    source: str, entry: int | None, kind: str | None, error: Exception, params: dict[str, str] | None = None
) -> Refusal:
    """``FILE: entry N (kind): field 'x': message``; for an entry given as parameters, the field's
    parameter (`params` maps a field to a parameter of another name)."""
    from .batch_files import entry_said  # noqa: PLC0415

    field = error.field if isinstance(error, EntryError) else None
    if source == PARAMETERS and field:
        return Refusal(error.message, param=(params or {}).get(field, field), field=field)
    shown = _(PARAMETERS) if source == PARAMETERS else source
    where = shown if entry is None else f"{shown}: {entry_said(entry)}" + (f" ({kind})" if kind else "")
    return Refusal(str(error), where=where, entry=entry, field=field)


def _charted(evaluation: Evaluation, history: Sequence[Recorded], *fmts: str) -> Evaluation:
    """The evaluation with its quarter-by-quarter trend when one of `fmts` draws charts (html,
    pdf: `formats.CHARTED`); the trend costs an evaluation per quarter end passed."""
    return with_trend(evaluation, history) if set(fmts) & set(formats.CHARTED) else evaluation


def _issued_or_refused(history: Sequence[Recorded], reference: str, param: str) -> Recorded:
    """The report issued under `reference`, refused (naming `param`) when none was, in the
    interface's language."""
    try:
        return issued_record(history, reference)
    except UnknownReport as unknown:
        known = ", ".join(map(repr, unknown.known)) or _("none")
        raise Refusal(
            _("no report issued as {reference} (issued: {known})").format(reference=repr(unknown.reference), known=known),
            param=param,
        ) from None


def _csv_only(fmt: str, issued: str | None) -> str:
    """The refusal of a CSV-only option with format `fmt` (`issued`: the report whose format it is)."""
    if issued is None:
        return _("applies to --format csv only, not {format}").format(format=fmt)
    return _("applies to --format csv only, not {format} (the format report {reference} was issued in)").format(
        format=fmt, reference=repr(issued)
    )


def _kind_or_none(entry) -> str | None:
    try:
        return entry_kind(entry)
    except EntryError:
        return None


def _not_in_force(key: str, history: Sequence[Recorded], view: View) -> str:
    """Why a view that precedes the plan's approval (in effect or in knowledge) is refused."""
    approval = history[0]
    return _(
        "plan {plan} is not in force at {as_of} as known at {known_at}: approved on {approved}, recorded at {recorded_at}"
    ).format(
        plan=key, as_of=view.as_of, known_at=view.known_at.isoformat(), approved=approval.fact.date,
        recorded_at=approval.recorded_at.isoformat(),
    )


def _not_in_force_refusal(key: str, history: Sequence[Recorded], view: View) -> Refusal:
    """The refusal of a view that precedes the approval, naming what precedes it: the as_of
    (before the approval's date) or else the known_at (before its recorded time)."""
    param = "as_of" if view.as_of < history[0].fact.date else "known_at"
    return Refusal(_not_in_force(key, history, view), param=param)


def _view(history: Sequence[Recorded], as_of: date | str | None, known_at: datetime | str | None, now: datetime) -> View:
    """The view at `as_of` (default: today, within the plan's year) as known at `known_at` (default: `now`;
    ``issued:REFERENCE``: the known_at of the report issued under that reference, `_moment`)."""
    year = history[0].fact.year
    day = _in_year(_day(as_of, "as_of"), year, "as_of") if as_of else default_as_of(year, date.today())
    return View(day, _moment(known_at, "known_at", default=now, history=history))


def _in_year(day: date, year: int, param: str) -> date:
    """An effective date given for a view of the plan, refused outside the plan's year (as an issued
    report's is): a report of another year's date would look plausible and mean nothing."""
    if day.year != year:
        raise Refusal(_("{date} is outside the plan's year {year}").format(date=day, year=year), param=param)
    return day


def _parse_view(value: View | str, param: str, history: Sequence[Recorded], now: datetime) -> View:
    """``AS_OF``, ``AS_OF@KNOWN_AT`` or ``issued:REFERENCE``."""
    if isinstance(value, View):
        return value
    text = value.strip()
    if text.startswith(ISSUED):
        return issued_view(_issued_or_refused(history, text[len(ISSUED):].strip(), param))
    day_text, at, moment_text = text.partition("@")
    if not day_text.strip():
        raise Refusal(_("no AS_OF in {value} ({syntax})").format(value=repr(value), syntax=_(VIEW_SYNTAX)), param=param)
    try:
        day = _day(day_text, param)
    except Refusal as error:
        raise Refusal(f"AS_OF {error.message} ({_(VIEW_SYNTAX)})", param=param) from None
    try:
        _in_year(day, history[0].fact.year, param)
    except Refusal as error:
        raise Refusal(f"AS_OF {error.message}", param=param) from None
    if not at:
        return View(day, now)
    if not moment_text.strip():
        raise Refusal(_("KNOWN_AT is missing after '@' in {value}").format(value=repr(value)), param=param)
    try:
        moment = _moment(moment_text, param, history=history)
    except Refusal as error:  # the syntax of `known_at`, reported against this view
        raise Refusal(f"KNOWN_AT {error.message}", param=param) from None
    return View(day, moment)


def _day(value: date | str, param: str) -> date:
    """A date, or its text written YYYY-MM-DD."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return parse_date(value, param)
    except EntryError as error:
        raise Refusal(error.message, param=param) from None


def _moment(
    value: datetime | date | str | None, param: str, *, start_of_day: bool = False, default: datetime | None = None,
    history: Sequence[Recorded] | None = None,
) -> datetime:
    """A recorded time in UTC: a timestamp (naive means UTC), or a date meaning the end of that
    day UTC (its start with `start_of_day`); None means `default` (now, if none is given). Given the
    plan's `history`, also ``issued:REFERENCE``: the known_at of the report issued under that
    reference, the moment it was printed as known at (`issued_view`)."""
    if not value:
        return default or datetime.now(timezone.utc)
    if history is not None and isinstance(value, str) and value.strip().startswith(ISSUED):
        return _issued_moment(history, value, param)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=timezone.utc) if start_of_day else end_of_day(value)
    else:
        text = value.strip()
        if len(text) == 10:
            day = _day(text, param)
            return datetime.combine(day, time.min, tzinfo=timezone.utc) if start_of_day else end_of_day(day)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise Refusal(
                _("must be a timestamp such as 2021-01-20T18:00:00Z or a date, got {value}").format(value=repr(value)), param=param
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise Refusal(_("{value} is out of the range of dates (years 1 to 9999 in UTC)").format(value=repr(value)), param=param) from None


def _issued_moment(history: Sequence[Recorded], value: str, param: str) -> datetime:
    """``issued:REFERENCE``: the known_at of the report issued under REFERENCE (`issued_view`), refused when none was."""
    return issued_view(_issued_or_refused(history, value.strip()[len(ISSUED):].strip(), param)).known_at


# == the read model (`poa project`, docs/read-model.md) ==================================================
# The read model's module, and sqlite-utils with it, is imported by `project` only, keeping every
# other command's start-up as it was.

READ_MODEL_NAME = "poa-read.db"  # the default read model, beside the store's file


@frozen
class Projected:
    """What one catch-up of the read model did: events processed, plans recomputed, the position
    tracked at its end, and the metadata file written (if asked)."""

    db: str
    events: int
    plans: tuple[str, ...]
    position: int
    rebuilt: bool = False
    metadata: str | None = None


def project(
    store: Store, db: str | None = None, *, rebuild: bool = False, page_size: int = 500,
    metadata: str | None = None, progress: Progress | None = None,
) -> Projected:
    """Bring the SQLite read model `db` (default: poa-read.db beside the store's file) up to the store's
    events, exactly once (`rebuild`: from scratch); with `metadata`, also write Datasette's metadata
    there. The store is opened read-only: the read model never writes the event store.
    `progress(phase, done, total)` is told how far it is; `page_size`: events per transaction."""
    from . import read_model

    if not 1 <= page_size <= 100_000:
        raise Refusal(_("must be from 1 to 100000, got {value}").format(value=page_size), param="page_size")
    file_store = not isinstance(store, Ledger) and not is_url(store)
    if db is None:
        if not file_store:
            raise Refusal(_("name the read model's file (a store that is not a file has no folder to put it beside)"), param="db")
        db = str(Path(store).parent / READ_MODEL_NAME)
    if not db.strip():
        raise Refusal(_("the read model's file name is empty"), param="db")
    target = _file_to_write(metadata, "metadata") if metadata is not None else None
    store_path = Path(store) if file_store else None
    try:
        read_model.check_read_model_path(Path(db), store_path)
    except read_model.ReadModelError as error:
        raise Refusal(str(error), param="db") from None
    with _opened(store, create=False, read_only=True) as ledger:
        try:
            model = read_model.open_read_model(Path(db), store_path, rebuild=rebuild)
        except read_model.ReadModelError as error:
            raise Refusal(str(error), param="db") from None
        try:
            done = read_model.catch_up(ledger, model, page_size=page_size, progress=progress)
        except sqlite3.OperationalError as error:
            raise read_model.read_model_failure(Path(db), error) from None
        finally:
            model.close()
        if target is not None:
            text = json.dumps(read_model.datasette_metadata(Path(db).stem), ensure_ascii=False, indent=2) + "\n"
            exports.write_atomically(target, text.encode("utf-8"))
        return Projected(db, done.events, done.plans, done.position, rebuild, None if target is None else str(target))


# == moving a ledger and giving access (`poa copy`, `poa admin`, docs/deployment.md) ===================


@frozen
class Copied:
    """A store copied: the source and target as shown (passwords masked), its events and plans."""

    source: str
    target: str
    events: int
    plans: int


def copy_store(source: str, target: str) -> Copied:
    """Copy every event of the store `source` into the empty store `target` (SQLite or PostgreSQL,
    either way), in one transaction: the same events in the same order, byte for byte (recorded
    times, actors, references and batch hashes included), read back and compared before returning.
    A target that already holds events is refused, and nothing is written to it."""
    if not source.strip():
        raise Refusal(_("the source store's name is empty"), param="source")
    if not target.strip():
        raise Refusal(_("the target store's name is empty"), param="target")
    if shown_name(source) == shown_name(target):
        raise Refusal(_("the source and the target are the same store"), param="target")
    with _opened(source, create=False, read_only=True) as origin:
        origin.settle()  # every transaction stamped up to now has committed: the copy is of a settled store
        events = list(origin.stored_events())
    if not events:
        raise Refusal(_("{store}: holds no events to copy").format(store=shown_name(source)), param="source")
    with _opened(target, create=True, read_only=False) as destination:
        try:
            destination.copy_in(events)
        except StoreNotEmpty as error:
            raise Refusal(f"{shown_name(target)}: {error}", param="target") from None
        destination.check_intact()
        copied = list(destination.stored_events())
    if [_event_key(e) for e in copied] != [_event_key(e) for e in events]:
        raise StoreFailure(_("{store}: the copy does not read back as the source's events").format(store=shown_name(target)))
    plans = len({str(e.originator_id) for e in events})
    return Copied(shown_name(source), shown_name(target), len(events), plans)


@frozen
class Verification:
    """What reading a whole store back found: its events, each plan's events, every problem, the
    tree head of its Merkle log, and the digest it was checked against (if any)."""

    store: str
    events: int
    plans: tuple[tuple[str, int], ...]
    problems: tuple[str, ...]
    head: TreeHead | None = None
    digest: TreeHead | None = None

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(store: Store, *, digest: TreeHead | str | None = None) -> Verification:
    """Read the whole store back, read-only: its rows against the record its commits kept, every
    event decoded and hashed again, every plan loaded whole, and the events against the store's
    Merkle log (docs/integrity.md); with `digest` (a tree head kept elsewhere, or its text: `poa
    digest`), also whether the ledger still extends it. A damaged store is a `Verification` with
    problems, not an error."""
    kept = _digest(digest) if digest is not None else None
    shown = shown_name(store) if isinstance(store, str) else _("the store")
    try:
        with _opened(store, create=False, read_only=True) as ledger:
            ledger.settle()
            audit = ledger.verify()
    except StoreDamaged as error:
        return Verification(shown, 0, (), (str(error),), None, kept)
    problems = list(audit.problems)
    if kept is not None:
        unreadable = next((i for i, leaf in enumerate(audit.leaves[: kept.size]) if leaf is None), None)
        if unreadable is not None:
            problems.append(
                _("the digest cannot be checked: the event at log index {index} cannot be read back").format(index=unreadable)
            )
        else:
            why = extends(kept, audit.leaves)
            if why:
                problems.append(
                    _("the ledger does not extend the digest {digest}: {why}").format(digest=short_digest(kept), why=why)
                )
    return Verification(shown, audit.events, tuple(audit.plans.items()), tuple(problems), audit.head, kept)


def tree_head(store: Store) -> TreeHead:
    """The tree head of the store's Merkle log (`poa digest`), once the whole store has been verified
    (`verify`); refused (`StoreTampered`) when it is not intact, unless log checks are off (`unverified`)."""
    if not _LOG_CHECKED.get():
        with _opened(store, create=False, read_only=True) as ledger:
            ledger.settle()
            return ledger.tree_head()
    checked = verify(store)
    if not checked.intact:
        raise StoreTampered(
            _("{store}: not intact, no digest given ({problem}; `poa verify` lists every problem)").format(
                store=checked.store, problem=checked.problems[0]
            )
        )
    return checked.head


def prove_event(store: Store, plan: str | None, seq: int, *, size: int | None = None) -> Inclusion:
    """The proof that the plan's event `seq` is in the tree of the store's first `size` events (default:
    all), checked before it is returned."""
    with _opened(store, create=False, read_only=True) as ledger:
        key = plan or _only_plan(ledger, _("no plan named"))
        ledger.settle()
        try:
            proof = ledger.inclusion(key, seq, size)
        except StoreError as error:  # beyond the log: the size asked; else the event
            raise Refusal(str(error), param="size" if isinstance(error, BeyondTheLog) else "event") from None
    if not merkle.verify_inclusion(proof.entry.leaf, proof.entry.log_index, proof.head.size, list(proof.proof), proof.head.root):
        raise StoreTampered(
            _("the store's Merkle log is broken: the proof of plan {plan} seq {seq} does not verify").format(plan=key, seq=seq)
        )
    return proof


def prove_extension(store: Store, old_size: int, *, size: int | None = None) -> Consistency:
    """The proof that the tree of the store's first `size` events (default: all) extends the tree of its
    first `old_size` events, checked before it is returned."""
    with _opened(store, create=False, read_only=True) as ledger:
        ledger.settle()
        try:
            proof = ledger.consistency(old_size, size)
        except StoreError as error:
            raise Refusal(str(error), param="from_size") from None
    old, new = proof.old, proof.new
    if not merkle.verify_consistency(old.size, new.size, old.root, new.root, list(proof.proof)):
        raise StoreTampered(
            _("the store's Merkle log is broken: the tree of {size} events does not extend that of {old_size}").format(
                size=new.size, old_size=old.size
            )
        )
    return proof


@frozen
class EvidencePackage:
    """What `evidence` wrote: where, for which plan and view, how many events, and the tree head."""

    output: str
    plan: str
    as_of: date
    known_at: datetime
    events: int
    head: TreeHead


def evidence(
    store: Store, plan: str | None, output: str, *, as_of: date | str | None = None,
    known_at: datetime | str | None = None, issued: str | None = None, read_only: bool = False,
) -> EvidencePackage:
    """Write the evidence package of the plan's report at a view (as in `report`) to `output` (a new
    .zip file or a new or empty folder): the report in every format, the events known at the view
    with their inclusion proofs in today's tree head, the explanation of every figure, and a
    manifest (adapters/evidence.py). With `issued`, the package of the report issued under that
    reference: its view, its sealed bytes as its report files, and its own issue event (which holds
    their SHA-256) among the events. Written whole or not at all."""
    from . import evidence as package  # only this command needs it
    from .report_provenance import provenance_to_dict

    target = Path(output)
    try:
        package.check_target(target)
    except package.PackageTargetError as error:
        raise Refusal(str(error), param="output") from None
    if issued is not None and (as_of or known_at):
        raise Refusal(_("packages the issued report's own view; drop --as-of and --known-at"), param="issued")
    with _opened(store, create=False, read_only=read_only) as ledger:
        key, history, now = _plan_history(ledger, plan)
        printed = None
        if issued is not None:
            printed = _issued_or_refused(history, issued, "issued")
            if not printed.fact.sealed:
                raise Refusal(
                    _(
                        "report {reference} was issued before reports were sealed: package its view with --as-of {as_of} "
                        "--known-at issued:{issued}"
                    ).format(reference=repr(issued), as_of=printed.fact.date, issued=issued),
                    param="issued",
                )
            view = issued_view(printed)
        else:
            view = _view(history, as_of, known_at, now)
        seqs = [r.seq for r in history if r.recorded_at <= view.known_at or r is printed]
        proofs = ledger.inclusions(key, seqs)
    with rendering_as(printed.fact if printed is not None else None) as (lang, mark):
        if printed is not None:
            reports = {fmt: sealed_bytes(printed, fmt) for fmt in formats.SEALED if printed.fact.seal(fmt)}
        else:
            evaluation = with_trend(evaluation_at(key, history, view), history)
            reports = {fmt: formats.report_bytes(evaluation, fmt) for fmt in formats.SEALED}
        explanations = [provenance_to_dict(p) for p in explain_all(key, history, view.as_of, view.known_at)]
    head = proofs[0].head
    files = package.package_files(
        key, view.as_of, view.known_at, head, reports, proofs, explanations, now, program_version(), issued, lang, mark
    )
    try:
        package.write(target, files)
    except package.PackageTargetError as error:
        raise Refusal(str(error), param="output") from None
    except OSError as error:
        raise Refusal(_("{file}: cannot be written ({reason})").format(file=output, reason=error.strerror), param="output") from None
    return EvidencePackage(str(target), key, view.as_of, view.known_at, len(proofs), head)


@frozen
class PackageCheck:
    """What checking an evidence package found: its manifest, and every problem."""

    package: str
    manifest: dict
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_package(path: str) -> PackageCheck:
    """Check an evidence package offline (`check_evidence.py`'s checks), then evaluate the plan again
    from the package's own events and compare every report file with it."""
    from . import evidence_check

    try:
        files = evidence_check.read_package(Path(path))
    except (OSError, zipfile.BadZipFile) as error:
        raise Refusal(_("{file}: cannot be read as an evidence package ({error})").format(file=path, error=error), param="package") from None
    problems = evidence_check.check(files)
    try:
        manifest = json.loads(files[evidence_check.MANIFEST])
    except (KeyError, ValueError):
        return PackageCheck(path, {}, tuple(problems))
    if not problems:
        problems += _reevaluated(files, manifest)
    return PackageCheck(path, manifest, tuple(problems))


def _reevaluated(files: dict[str, bytes], manifest: dict) -> list[str]:
    """The package's report files against the plan evaluated again from its events (by this program)."""
    from .evidence import REPORT_FILES, recorded_from_canonical
    events = json.loads(files["events.json"])["events"]
    try:
        history = [recorded_from_canonical(item["event"]) for item in events]
        as_of = _day(manifest["as_of"], "package")
        known_at = _moment(manifest["known_at"], "package")
        with use_language(manifest.get("language", "es")):  # the warnings are worded in it
            evaluation = with_trend(evaluate(manifest["plan"], history, as_of, known_at), history)
    except (EntryError, Refusal, NotInForce, KeyError, ValueError, TypeError) as error:
        return [
            _("events.json: the plan cannot be evaluated again from its events ({error})").format(
                error=f"{type(error).__name__}: {error}"
            )
        ]
    problems = []
    for fmt in formats.SEALED:
        name = REPORT_FILES[fmt]
        with use_language(manifest.get("language", "es")), use_decimal_mark(manifest.get("decimal_mark", "point")):
            again = formats.report_bytes(evaluation, fmt) if name in files else None
        if again is not None and again != files[name]:
            problems.append(
                _(
                    "{file}: not what the package's events give as of {as_of} as known at {known_at} (evaluated by poa "
                    "{version}; the package was made by {made_by})"
                ).format(
                    file=name, as_of=as_of, known_at=manifest["known_at"], version=program_version(),
                    made_by=manifest.get("program_version"),
                )
            )
    return problems


@contextmanager
def unverified() -> Iterator[None]:
    """Within it, stores are read without checking their events against the Merkle log (`poa
    --no-verify`: forensic reading of a damaged store)."""
    token = _LOG_CHECKED.set(False)
    try:
        yield
    finally:
        _LOG_CHECKED.reset(token)


def _digest(value: TreeHead | str) -> TreeHead:
    if isinstance(value, TreeHead):
        return value
    try:
        return read_digest(value)
    except BadDigest as error:
        raise Refusal(str(error), param="digest") from None


def _event_key(event) -> tuple:
    return str(event.originator_id), event.originator_version, event.topic, bytes(event.state)


def grant_access(store: str, role: str, access: str) -> list[str]:
    """Give a PostgreSQL role an auditor's (read-only) or an operator's access to the store; the SQL run."""
    if not is_url(store):
        raise Refusal(
            _("roles are PostgreSQL's: name a postgresql:// store (a SQLite store's readers are given read access to its file)"),
            param="store",
        )
    from .postgres_store import grant  # imported when needed: psycopg's import costs every command (stores.py)

    return grant(store, role, access)


# == open-data exports (`poa export`, docs/open-data.md) ===================================================


@frozen
class Exported:
    """One open-data table exported: its name, format, the plans and rows it holds, and either
    its text (no output file named) or the file written."""

    what: str
    format: str
    plans: tuple[str, ...]
    rows: int
    text: str | None = None
    output: str | None = None


@frozen
class Packaged:
    """A data package written: its folder, the plans it holds and the rows of each resource."""

    directory: str
    plans: tuple[str, ...]
    rows: tuple[tuple[str, int], ...]


def export(
    store: Store, plan: str | None = None, *, what: str, format: str = "csv", as_of: date | str | None = None,
    known_at: datetime | str | None = None, raw_csv: bool = False, output: str | None = None, read_only: bool = False,
) -> Exported:
    """Table `what` (`exports.WHAT`) of the plan named, or of every plan of the store, at a view
    (`exports.View`: facts recorded by `known_at` and dated by `as_of`; the evaluation at `as_of`
    only, else at every quarter end and the latest cut-off), as csv, json or jsonl; written
    atomically to `output` when it is named, else returned as text."""
    if what not in exports.WHAT:
        raise Refusal(_("must be one of {choices}, got {value}").format(choices=", ".join(exports.WHAT), value=repr(what)), param="what")
    if format not in exports.FORMATS:
        raise Refusal(
            _("must be one of {choices}, got {value}").format(choices=", ".join(exports.FORMATS), value=repr(format)), param="format"
        )
    if raw_csv and format != "csv":
        raise Refusal(_csv_only(format, None), param="raw_csv")
    target = _file_to_write(output, "output") if output is not None else None
    histories, view = _export_view(store, plan, as_of, known_at, read_only)
    rows = [row for key, history in histories for row in exports.table_rows(what, key, history, view)]
    text = exports.render(what, rows, view, format, raw=raw_csv)
    keys = tuple(key for key, _history in histories)
    if target is None:
        return Exported(what, format, keys, len(rows), text=text)
    try:
        exports.write_atomically(target, text.encode("utf-8"))
    except OSError as error:
        raise Refusal(_("{file}: cannot be written ({reason})").format(file=output, reason=error.strerror or error), param="output") from None
    return Exported(what, format, keys, len(rows), output=str(target))


def export_datapackage(
    store: Store, datapackage: str, plan: str | None = None, *, as_of: date | str | None = None,
    known_at: datetime | str | None = None, raw_csv: bool = False, read_only: bool = False,
) -> Packaged:
    """Every open-data table of the plan named, or of every plan of the store, at a view (as in
    `export`), as a Frictionless Data Package in the folder `datapackage`: one CSV per table and
    datapackage.json. A previous package there is replaced; another non-empty folder is refused."""
    if not datapackage.strip():
        raise Refusal(_("the folder name is empty"), param="datapackage")
    from . import datapackage as data_package  # noqa: PLC0415 - the data package's modules load with it

    folder = Path(datapackage)
    try:
        data_package.check_target(folder)
    except data_package.PackageError as error:
        raise Refusal(str(error), param="datapackage") from None
    histories, view = _export_view(store, plan, as_of, known_at, read_only)
    files, counts, plans_rows = {}, [], []
    evaluated = {key: exports.plan_evaluations(key, history, view) for key, history in histories}  # shared by 3 tables
    for name in exports.WHAT:
        rows = [row for key, history in histories for row in exports.table_rows(name, key, history, view, evaluated[key])]
        files[name] = exports.to_csv(name, rows, raw=raw_csv).encode("utf-8")
        counts.append((name, len(rows)))
        if name == "plans":
            plans_rows = rows
    package = data_package.descriptor(files, plans_rows, view)
    try:
        data_package.write_package(folder, files, package)
    except data_package.PackageError as error:
        raise Refusal(str(error), param="datapackage") from None
    except OSError as error:
        raise Refusal(
            _("{file}: cannot be written ({reason})").format(file=datapackage, reason=error.strerror or error), param="datapackage"
        ) from None
    return Packaged(str(folder), tuple(p["plan"] for p in plans_rows), tuple(counts))


def _export_view(
    store: Store, plan: str | None, as_of: date | str | None, known_at: datetime | str | None, read_only: bool
) -> tuple[list[tuple[str, list[Recorded]]], exports.View]:
    """The histories of the plan named (else of every plan of the store), settled, and the view asked
    (a known_at ``issued:REFERENCE`` names a report issued from the one plan exported)."""
    issued_known_at = isinstance(known_at, str) and known_at.strip().startswith(ISSUED)
    moment = _moment(known_at, "known_at") if known_at and not issued_known_at else None
    view = exports.View(_day(as_of, "as_of") if as_of else None, moment)
    with _opened(store, create=False, read_only=read_only) as ledger:
        ledger.settle()
        keys = [plan] if plan else [key for key, _ in ledger.plans()]
        histories = []
        for key in keys:
            try:
                histories.append((key, ledger.history(key)))
            except StoreError as error:
                raise Refusal(str(error), param="plan") from None
        years = sorted({history[0].fact.year for _, history in histories})
        if view.as_of is not None and len(years) == 1:
            _in_year(view.as_of, years[0], "as_of")
        elif view.as_of is not None and view.as_of.year not in years:  # several plans: the year of at least one
            raise Refusal(
                _("{date} is outside the years of the plans exported ({years})").format(
                    date=view.as_of, years=", ".join(map(str, years))
                ),
                param="as_of",
            )
        if issued_known_at:
            if len(histories) != 1:
                raise Refusal(
                    _("{value} names a report of one plan: choose the plan with --plan").format(value=repr(known_at.strip())),
                    param="known_at",
                )
            view = exports.View(view.as_of, _moment(known_at, "known_at", history=histories[0][1]))
        return histories, view


def _file_to_write(name: str, param: str) -> Path:
    """The path of a file an option names for writing: refused when empty, a folder, or in a folder
    that does not exist."""
    path = Path(name)
    if not name.strip():
        raise Refusal(_("the file name is empty"), param=param)
    if path.is_dir():
        raise Refusal(_("{file}: is a directory").format(file=name), param=param)
    if not path.parent.is_dir():
        raise Refusal(_("{file}: folder {folder} does not exist").format(file=name, folder=path.parent), param=param)
    return path
