"""Workbooks as bytes that depend on their content alone (the report's workbook, the template).

openpyxl dates the workbook's properties and every zip entry with the clock; here the properties
carry the moment given and the generator (no version: a newer program writes the same bytes,
`poa report --issued REF --rerender`), and every zip entry is dated `ZIP_TIME`.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
GENERATOR = "POA Ledger (poa-ledger)"


def workbook_bytes(wb: Workbook, moment: datetime) -> bytes:
    """The workbook's bytes: created and modified at `moment` (naive, UTC), by `GENERATOR`."""
    wb.properties.created = wb.properties.modified = moment
    wb.properties.creator = GENERATOR
    buffer = BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not `wb.save`: it stamps `modified` with now
    return _fixed_times(buffer.getvalue())


def _fixed_times(xlsx: bytes) -> bytes:
    """The same zip with every entry dated `ZIP_TIME`, in the same order."""
    out = BytesIO()
    with ZipFile(BytesIO(xlsx)) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type, fixed.create_system, fixed.external_attr = ZIP_DEFLATED, 3, 0o644 << 16
            target.writestr(fixed, source.read(info))
    return out.getvalue()
