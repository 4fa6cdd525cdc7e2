"""The auditor's evidence package (`poa evidence`): a report, the events it rests on and their proofs, in one
folder or .zip file that a third party can check offline (docs/integrity.md, "The evidence package").

The package holds:

- ``report.txt``, ``report.md``, ``report.json``, ``report.csv``: the report in every format, as
  `poa report` prints it at the package's view;
- ``events.json``: every event of the plan known at the view (seqs 1..n), each in the canonical
  form its leaf hashes (adapters/merkle_log.py), with its log index, leaf hash and audit path to
  the tree head;
- ``explain.json``: where every figure comes from, for the plan and each element (`poa explain`);
- ``tree_head.json``: the store's tree head when the package was made;
- ``manifest.json``: the plan, the view, the program's version, the tree head, and the SHA-256 and
  size of every other file;
- ``check_evidence.py``: the checker (adapters/evidence_check.py), which needs only Python.

`poa verify --package` runs the same checks (`evidence_check.check`) and then evaluates the events
again and compares the result with the report the package holds.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from poa.domain.fact_kinds import parse_entry
from poa.domain.facts import FactKindName, Recorded, ReportIssued
from poa.domain.values import parse_date

from . import evidence_check
from .datapackage import write_folder
from .exports import write_atomically
from .interface import translate as _
from .ledger import Inclusion
from .merkle_log import TreeHead
from .proofs import head_to_dict
from .report_json import SCHEMA_VERSION, timestamp
from .safe_text import json_text

REPORT_FILES = {  # the report in every sealed format (formats.SEALED)
    "table": "report.txt", "md": "report.md", "json": "report.json", "csv": "report.csv", "html": "report.html",
    "xlsx": "report.xlsx",
}
PACKAGE = "poa-evidence"


class PackageTargetError(ValueError):
    """Where the package cannot be written."""


def events_document(plan: str, head: TreeHead, proofs: Sequence[Inclusion]) -> dict:
    """``events.json``: the events in canonical form, each with its log index, leaf hash and audit path."""
    return {
        "schema_version": SCHEMA_VERSION,
        "plan": plan,
        "tree_head": head_to_dict(head),
        "events": [
            {
                "log_index": p.entry.log_index,
                "leaf_hash": p.entry.leaf.hex(),
                "path": [node.hex() for node in p.proof],
                "event": p.event,
            }
            for p in proofs
        ],
    }


def package_files(
    plan: str, as_of, known_at: datetime, head: TreeHead, reports: Mapping[str, bytes], proofs: Sequence[Inclusion],
    explanations: Sequence[dict], created_at: datetime, version: str, issued: str | None = None,
    language: str = "es", decimal_mark: str = "point",
) -> dict[str, bytes]:
    """Every file of the package, the manifest and the checker included, by name (`version`: the
    program's; `issued`: the reference of the issued report whose sealed bytes are the report files;
    `language` and `decimal_mark`: what the reports were rendered in)."""
    files = {REPORT_FILES[fmt]: data for fmt, data in reports.items()}
    files["events.json"] = _json(events_document(plan, head, proofs))
    files["explain.json"] = _json(
        {"schema_version": SCHEMA_VERSION, "plan": plan, "as_of": as_of.isoformat(), "known_at": timestamp(known_at),
         "explanations": list(explanations)}
    )
    files["tree_head.json"] = _json({"schema_version": SCHEMA_VERSION, "tree_head": head_to_dict(head)})
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "package": PACKAGE,
        "program_version": version,
        "issued": issued,
        "reports": {fmt: REPORT_FILES[fmt] for fmt in reports},
        "language": language,
        "decimal_mark": decimal_mark,
        "plan": plan,
        "as_of": as_of.isoformat(),
        "known_at": timestamp(known_at),
        "created_at": timestamp(created_at),
        "tree_head": head_to_dict(head),
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)} for name, data in sorted(files.items())},
    }
    files[evidence_check.MANIFEST] = _json(manifest)
    files[evidence_check.CHECKER] = Path(evidence_check.__file__).read_bytes()
    return files


def check_target(output: Path) -> None:
    """Refuse a target that exists (a package is never written over: evidence is not replaced), or
    whose folder does not exist."""
    if output.exists() or output.is_symlink():
        if not (output.is_dir() and not output.is_symlink() and not any(output.iterdir())):
            raise PackageTargetError(
                _("{path}: already exists; an evidence package goes to a new file or an empty folder").format(path=output)
            )
    if not output.parent.is_dir():
        raise PackageTargetError(_("{path}: folder {folder} does not exist").format(path=output, folder=output.parent))


def write(output: Path, files: Mapping[str, bytes]) -> None:
    """The package written whole or not at all: a .zip (written beside, then renamed) or a folder
    (filled beside, then renamed into place)."""
    check_target(output)
    if output.suffix.lower() == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        write_atomically(output, buffer.getvalue())
        return
    write_folder(output, files)  # an empty folder there (check_target) is replaced


def _json(document) -> bytes:
    return (json_text(document) + "\n").encode("utf-8")  # as every JSON output: no raw control character


def recorded_from_canonical(event: Mapping) -> Recorded:
    """A fact as the plan remembers it, from its canonical form in ``events.json``: the entry it states
    read again by the entry rules (a report issued: its reference, date and format)."""
    kind = event["kind"]
    if kind == FactKindName.ISSUE.value:
        fact = ReportIssued(event["reference"], parse_date(event["date"], "date"), event["data"].get("format", ""))
    else:
        fields = {**event["data"], "date": event["date"]}
        if event["reference"] is not None:
            fields["reference"] = event["reference"]
        fact = parse_entry({kind: fields})
    recorded_at = datetime.fromisoformat(event["recorded_at"].replace("Z", "+00:00"))
    return Recorded(event["seq"], recorded_at, event["actor"], fact, event["batch"], event.get("initial_load"))
