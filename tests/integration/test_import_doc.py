"""docs/import.md documents every key a mapping file may hold (adapters/workbook_mapping.py), and
the ASUSS example's mapping is the one it describes."""

from __future__ import annotations

import re

import pytest

from poa.adapters import workbook_mapping as m
from poa.adapters.workbook_mapping import read_mapping
from support.builders import EXAMPLES, ROOT

DOC = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
KEYS = sorted(
    {*m.TOP_KEYS, *m.TABLE_KEYS, *m.BLOCK_KEYS, *m.LEVEL_KEYS, *m.SPEC_KEYS, *m.CONDITION_TESTS, *m.KINDS, *m.NUMBERS,
     *m.REPEATS, "sources_after", "template_columns", "label", "value", "separator", "when", "level", "column"}
    | {field for fields in m.FIELDS.values() for field in fields}
)


@pytest.mark.parametrize("key", KEYS)
def test_every_key_of_a_mapping_is_documented(key):
    assert re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", DOC), key


def test_the_asuss_mapping_reads_as_documented():
    mapping = read_mapping(str(EXAMPLES / "asuss-2024" / "mapping.yaml"))
    assert [book.name for book in mapping.workbooks] == ["Formulario 4", "Formulario 5"]
    assert mapping.numbers == "1,234.56"
    assert len(dict(mapping.lookups)["units"]) == 19  # one per organisational unit of Formulario 4
