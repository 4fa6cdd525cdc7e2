"""The open-data tables as a Frictionless Data Package (docs/open-data.md): one CSV per table and
``datapackage.json`` with a Table Schema for each (types, descriptions, primary and foreign keys),
the size and SHA-256 of each file, and the Fiscal Data Package markers of the budget resource.

The package is a ``tabular-data-package`` of ``tabular-data-resource``\\ s, profiles every
Frictionless validator knows without a network; the Fiscal Data Package conventions are carried as
extra properties (`columnType` of each budget field, `currency`, the package's `fiscalPeriod` and
`countryCode`), which validators ignore and fiscal tools read.

Written atomically: every file goes into a temporary folder beside the target, which is then
renamed to it. A previous package there (its ``datapackage.json`` says ``poa_ledger``, and the
folder holds nothing but the files it lists) is replaced; any other non-empty folder is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from .exports import CURRENCY, SCHEMA_VERSION, View
from .interface import translate as _
from .open_tables import TABLES, Field, Table, json_value

DESCRIPTOR = "datapackage.json"
MARKER = "poa_ledger"  # the descriptor's property that says a folder is a package this module wrote
TAXONOMY = "https://frictionlessdata.io/taxonomies/fiscal/budgets.json"
COUNTRY = "BO"  # ISO 3166-1 alpha-2: Bolivia


class PackageError(Exception):
    """The target folder cannot take the package (not the store's fault; the command's input)."""


def csv_name(table: str) -> str:
    return f"{table}.csv"


def field_descriptor(field: Field) -> dict:
    """A Table Schema field: name, type, description; numbers bare with a point; objects as JSON
    text (Table Schema's `object`); the Fiscal Data Package column type where there is one (the
    amount also its currency)."""
    out: dict = {"name": field.name, "type": field.type, "description": field.description}
    if field.type == "number":
        out.update(bareNumber=True, decimalChar=".")
    if field.column_type:
        out["columnType"] = field.column_type
        if field.column_type == "value":
            out["currency"] = CURRENCY
    return out


def schema_descriptor(table: Table) -> dict:
    return {
        "fields": [field_descriptor(f) for f in table.fields],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
        "foreignKeys": [
            {"fields": list(mine), "reference": {"resource": other, "fields": list(theirs)}}
            for mine, other, theirs in table.foreign_keys
        ],
    }


def descriptor(files: Mapping[str, bytes], plans: Sequence[dict], view: View) -> dict:
    """``datapackage.json`` for the CSV text of every table (`files`, by table name) of `plans`
    (their `plans` rows)."""
    years = sorted(p["year"] for p in plans)
    keys = [p["plan"] for p in plans]
    package: dict = {
        "profile": "tabular-data-package",
        "name": "poa-ledger",
        "title": "POA Ledger: " + (", ".join(f"{p['entity']} {p['year']} ({p['plan']})" for p in plans) or "no plan"),
        "description": "Annual operating plans (POA) and their quarterly evaluation, from an event-sourced ledger: "
                       "the plans, every recorded fact, the structure as versions, the budget lines, the budget by "
                       "phase (Fiscal Data Package) and the evaluation at every quarter end. See docs/open-data.md.",
        MARKER: {"schema_version": SCHEMA_VERSION, "plans": keys, "as_of": json_value(view.as_of),
                 "known_at": json_value(view.known_at)},
        "countryCode": COUNTRY,
        "resources": [],
    }
    if years:
        package["fiscalPeriod"] = {"start": f"{years[0]}-01-01", "end": f"{years[-1]}-12-31"}
    for name, data in files.items():
        table = TABLES[name]
        resource = {
            "profile": "tabular-data-resource",
            "name": name,
            "path": csv_name(name),
            "title": table.title,
            "description": table.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(data),
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
            "schema": schema_descriptor(table),
        }
        if name == "budget":
            resource.update(
                fiscal={"specification": "Fiscal Data Package 1.0", "taxonomy": TAXONOMY, "direction": "expenditure",
                        "currency": CURRENCY, "phases": ["approved", "modified", "executed"]},
            )
        package["resources"].append(resource)
    return package


# -- writing -----------------------------------------------------------------------------------------


def previous_package(directory: Path) -> bool:
    """Whether `directory` holds a package written here and nothing else."""
    try:
        described = json.loads((directory / DESCRIPTOR).read_text(encoding="utf-8"))
        listed = {DESCRIPTOR} | {r["path"] for r in described["resources"]}
        return isinstance(described.get(MARKER), dict) and {p.name for p in directory.iterdir()} <= listed
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def check_target(directory: Path) -> None:
    """Refuse a target that is not a folder, whose parent does not exist, or that is a non-empty
    folder other than a previous package."""
    if not directory.parent.is_dir():
        raise PackageError(_("{path}: folder {folder} does not exist").format(path=directory, folder=directory.parent))
    if directory.exists() or directory.is_symlink():
        if not directory.is_dir() or directory.is_symlink():
            raise PackageError(_("{path}: exists and is not a folder").format(path=directory))
        if any(directory.iterdir()) and not previous_package(directory):
            raise PackageError(
                _("{path}: a non-empty folder that is not a data package written by poa export; choose a new or empty folder")
                .format(path=directory)
            )


def write_package(directory: Path, files: Mapping[str, bytes], package: dict) -> None:
    """Write the CSV files and ``datapackage.json`` to `directory`, whole or not at all (`write_folder`;
    a previous package or an empty folder there is replaced)."""
    check_target(directory)
    descriptor = (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    write_folder(directory, {**{csv_name(name): data for name, data in files.items()}, DESCRIPTOR: descriptor})


def write_folder(directory: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` (by name) into a temporary folder beside `directory`, then rename it to
    `directory`: a folder already there (checked by the caller as one that may be replaced) is
    renamed aside, the new one renamed in, the old one removed."""
    temporary = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.", suffix=".partial"))
    try:
        for name, data in files.items():
            _write(temporary / name, data)
        os.chmod(temporary, 0o755)
        if directory.exists():
            aside = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.", suffix=".old"))
            os.rename(directory, aside / "package")
            os.rename(temporary, directory)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.rename(temporary, directory)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(path, 0o644)
