"""The use-cases of the spreadsheet forms: `poa template` and `poa import` (docs/import.md).

`template()` is the native template's workbook (`workbook_template`, from the built-in mapping
`mappings/template.yaml`). `import_workbook(store, paths, ...)` reads workbooks as a mapping
says (the built-in one, or `mapping`, a file) into the entries a batch file would hold
(`workbook_import`) and records them through `use_cases.apply_batches`: all or nothing, with
`dry_run` nothing at all. Every refusal names the sheet, row and column the value came from:
the workbook's own (a formula, a wrong type, a duplicate code) and the rules' (an unknown
parent, a negative amount), whose entry and field are traced back to their cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from poa.domain.values import field_said

from .batch_files import Batch, BatchFileError
from .interface import translate as _
from .use_cases import PlanRecorded, ReadBack, Refusal, Saving, Store, apply_batches
from .workbook_import import Place, Reading, WorkbookRefused, read_workbooks
from .workbook_mapping import FIELDS, PLAN, Mapping, MappingError, read_mapping, template_mapping
from .workbook_template import template_bytes

Warn = Callable[[str], None] | None
_LAST_PART = re.compile(r"^(.+?)(\.[^.\[\]]+|\[\d+\])$")


def template() -> bytes:
    """The native template: an empty, documented workbook (its bytes; always the same)."""
    return template_bytes(template_mapping())


def import_workbook(
    store: Store, paths: Sequence[str], *, plan: str | None = None, mapping: str | None = None,
    entity: str | None = None, year: str | None = None, date: str | None = None, reference: str | None = None,
    actor: str | None = None, again: bool = False, dry_run: bool = False, read_only: bool = False,
    saving: Saving = None, read_back: ReadBack = None, warn: Warn = None, initial_load: bool = False,
    load_reference: str | None = None,
) -> list[PlanRecorded]:
    """Record what the workbooks `paths` hold, read as `mapping` (a file; None: the native
    template's) says: the approval of the new plan `plan` when they hold a plan's structure, and
    their progress, execution, results and justifications (for that plan, or for the plan `plan`
    names, or the store's only plan). The approval's entity, year, date and reference are the
    arguments given, else the workbook's, else the mapping's `plan:`. `warn` is told each warning
    (where the forms disagree) as soon as the workbooks are read. `initial_load`, `load_reference`:
    the workbooks transcribe earlier records (`use_cases.apply_batches`)."""
    described = _mapping(mapping)
    if not paths:
        raise Refusal(_("name the workbook to import"), param="files")
    if len(paths) != len(described.workbooks):
        names = ", ".join(book.name for book in described.workbooks)
        raise Refusal(
            _("{mapping} reads {count} workbooks, in this order: {names}; got {given}").format(
                mapping=described.source, count=len(described.workbooks), names=names, given=len(paths)
            ),
            param="files",
        )
    try:
        reading = read_workbooks(paths, described)
    except WorkbookRefused as refused:
        raise Refusal(refused.message, where=str(refused.where) if refused.where else None) from None
    for warning in reading.warnings:
        if warn is not None:
            warn(warning)
    entries, origins = _with_constants(reading, described, {"entity": entity, "year": year, "date": date, "reference": reference})
    if not entries:
        raise Refusal(_("nothing to import: the workbook's sheets hold no rows"), where=paths[0])
    if reading.approves and not plan:
        raise Refusal(_("name the new plan the workbook approves (for example --plan AN-2020)"), param="plan")
    batch = Batch(paths[0] if len(paths) == 1 else " + ".join(paths), None, list(entries))
    try:
        return apply_batches(
            store, [batch], plan=plan, actor=actor, again=again, dry_run=dry_run, read_only=read_only, saving=saving,
            read_back=read_back, initial_load=initial_load, load_reference=load_reference,
        )
    except Refusal as refusal:
        raise _located(refusal, origins) from None


def _mapping(path: str | None) -> Mapping:
    try:
        return template_mapping() if path is None else read_mapping(path)
    except (MappingError, BatchFileError) as error:
        raise Refusal(str(error), param="mapping") from None


def _with_constants(reading: Reading, mapping: Mapping, given: dict) -> tuple[list[dict], dict]:
    """The entries with the approval's constants: each argument given, else the workbook's value,
    else the mapping's; an argument given when nothing is approved is refused."""
    entries, origins = [dict(entry) for entry in reading.entries], dict(reading.origins)
    given = {name: value for name, value in given.items() if value is not None}
    if not reading.approves:
        if given:
            raise Refusal(_("the workbook holds no plan structure to approve"), param=next(iter(given)))
        return entries, origins
    approval = dict(entries[0]["approve"])
    for name in FIELDS[PLAN]:
        option = _("option {name}").format(name=f"--{name}")
        if name in given:
            approval[name] = given[name]
            origins[(1, name)] = option
        elif name not in approval and name in dict(mapping.plan):
            approval[name] = dict(mapping.plan)[name]
            origins[(1, name)] = f"{mapping.source}: {field_said(f'plan.{name}')}"
        else:
            origins.setdefault((1, name), option)  # neither the workbook nor the mapping has a place for it
    entries[0] = {"approve": approval}
    return entries, origins


def _located(refusal: Refusal, origins: dict) -> Refusal:
    """A refusal of an entry made from the workbook, said at the cell its field came from."""
    if refusal.entry is None:
        return refusal
    place = origin(origins, refusal.entry, refusal.field)
    if place is None:
        return refusal
    message = refusal.message
    prefix = f"{field_said(refusal.field)}: " if refusal.field else ""
    if prefix and message.startswith(prefix):
        message = message[len(prefix):]
    return Refusal(message, where=str(place))


def origin(origins: dict, entry: int, field: str | None) -> Place | str | None:
    """Where the field `field` of entry `entry` came from: its own cell, else the nearest holder of it
    (the element, then the entry)."""
    path = field
    while path:
        if (entry, path) in origins:
            return origins[(entry, path)]
        match = _LAST_PART.match(path)
        path = match.group(1) if match else None
    return origins.get((entry, ""))
