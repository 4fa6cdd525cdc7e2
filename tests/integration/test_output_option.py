"""Output hygiene (issue 12, point 5), in-process (click's CliRunner): `--output FILE` on every
reading command, binary formats refused on a terminal, the width of the `table` format, and the
CSV dialects of `report` and `history` (cli/common.py, `output`/`write`; adapters/report_csv.py).

The store holds examples/small-2021.yaml, a result whose text holds a decimal number and a
``;``, and a published report whose declared figures match the ledger (so `reconcile` runs).
Every view is fixed (--as-of, --known-at) so that two runs print the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from poa.adapters import formats
from poa.cli import common
from support.builders import SMALL, batch_text
from support.runners import invoke

AS_OF, KNOWN_AT = "2021-09-30", "2030-01-01"
VIEW = ("--as-of", AS_OF, "--known-at", KNOWN_AT)
RESULT_TEXT = "Avance de 12.50 puntos; 3.5 trámites por día (=SUMA)"
EXTRA = batch_text(
    f'result: {{code: 1.1.2, date: 2021-09-30, text: "{RESULT_TEXT}"}}',
    "publish: {reference: Informe III-2021, issued: 2021-10-10, date: 2021-09-30, "
    "declared: {budget_current: 480000, physical_progress_pct: 56.33}}",
)
NO_COLUMNS = {"COLUMNS": None}  # whatever the shell running the tests exports


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("output")
    (folder / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    db = folder / "poa.db"
    result = invoke("apply", str(SMALL), str(folder / "extra.yaml"), "--store", str(db))
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def own_store(store: Path, tmp_path: Path) -> Path:
    """A copy of the module's store, for a test that records (--issue)."""
    copy = tmp_path / "own.db"
    shutil.copyfile(store, copy)
    return copy


def run(store: Path, *args: str, env: dict | None = None):
    return invoke(*args, "--store", str(store), env={**NO_COLUMNS, **(env or {})})


# Every reading command that prints a rendering, with a fixed view, and its exit status.
READING = {
    "report table": (("report", "--format", "table", *VIEW), 0),
    "report md": (("report", "--format", "md", *VIEW), 0),
    "report json": (("report", "--format", "json", *VIEW), 0),
    "report csv": (("report", "--format", "csv", *VIEW), 0),
    "report csv results excel-es": (("report", "--format", "csv", "--table", "results", "--csv-dialect", "excel-es",
                                     *VIEW), 0),
    "reports": (("reports",), 0),
    "reports json": (("reports", "--format", "json"), 0),
    "history": (("history",), 0),
    "history json": (("history", "--format", "json"), 0),
    "history csv excel": (("history", "--format", "csv", "--csv-dialect", "excel"), 0),
    "reconcile": (("reconcile", "--known-at", KNOWN_AT), 0),
    "reconcile json": (("reconcile", "--known-at", KNOWN_AT, "--format", "json"), 0),
    "plans": (("plans",), 0),
    "plans json": (("plans", "--format", "json"), 0),
    "diff": (("diff", "--from", f"2021-06-30@{KNOWN_AT}", "--to", f"{AS_OF}@{KNOWN_AT}"), 0),
    "diff json": (("diff", "--from", f"2021-06-30@{KNOWN_AT}", "--to", f"{AS_OF}@{KNOWN_AT}", "--format", "json"), 0),
    "explain": (("explain", "1.1.1", *VIEW), 0),
    "explain plan json": (("explain", *VIEW, "--format", "json"), 0),
    "digest": (("digest",), 0),
    "digest json": (("digest", "--format", "json"), 0),
    "prove": (("prove", "--event", "3"), 0),
    "report xlsx": (("report", "--format", "xlsx", *VIEW), 0),
}


# -- 1. --output writes exactly the bytes of standard output ----------------------------------------


@pytest.mark.parametrize("name", list(READING))
def test_output_writes_exactly_what_standard_output_shows_and_nothing_to_it(store, tmp_path, name):
    args, code = READING[name]
    if "xlsx" in args and "xlsx" not in formats.REPORT:
        pytest.skip("no xlsx format in this build")
    printed = run(store, *args)
    assert printed.exit_code == code, (printed.output, printed.exception)
    assert printed.stdout_bytes  # something to compare
    target = tmp_path / "out.bin"
    written = run(store, *args, "--output", str(target))
    assert written.exit_code == code, (written.output, written.exception)
    assert written.stdout_bytes == b""
    assert target.read_bytes() == printed.stdout_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]  # no temporary file left behind


def test_every_command_that_prints_a_rendering_has_output():
    """The commands that write through `output`/`write` all take --output (export and evidence have
    their own, for files of their own)."""
    from poa.cli.main import cli

    for name in ("report", "reports", "history", "reconcile", "plans", "diff", "explain", "digest", "prove"):
        options = {opt for param in cli.commands[name].params for opt in getattr(param, "opts", ())}
        assert "--output" in options, name
        assert any(args[0] == name for args, _ in READING.values()), name  # and is tested below


def test_output_replaces_an_existing_file_whole_and_keeps_its_mode(store, tmp_path):
    target = tmp_path / "informe.txt"
    target.write_bytes(b"x" * 100_000)  # longer than the report: nothing of it may be left
    target.chmod(0o600)
    written = run(store, "report", "--format", "json", *VIEW, "--output", str(target))
    assert written.exit_code == 0, written.output
    assert json.loads(target.read_text(encoding="utf-8"))["plan"] == "DEMO-2021"
    assert target.read_bytes() == run(store, "report", "--format", "json", *VIEW).stdout_bytes
    assert (target.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["informe.txt"]


def test_output_in_a_relative_path_is_written_in_the_working_folder(store, tmp_path):
    written = invoke("plans", "--store", str(store), "--output", "plans.txt", cwd=tmp_path, env=NO_COLUMNS)
    assert written.exit_code == 0, written.output
    assert (tmp_path / "plans.txt").read_bytes() == run(store, "plans").stdout_bytes


@pytest.mark.parametrize(
    "where, said",
    [
        ("missing/informe.txt", "folder {tmp}/missing does not exist"),
        (".", "is a folder"),
        ("file.txt/informe.txt", "does not exist"),  # the "folder" is a file
        (" ", "the file name is empty"),
    ],
)
def test_output_refused_when_the_folder_is_missing_or_the_path_is_a_folder(store, tmp_path, where, said):
    (tmp_path / "file.txt").write_text("keep", encoding="utf-8")
    path = str(tmp_path) if where == "." else where if where == " " else str(tmp_path / where)
    before = sorted(os.listdir(tmp_path))
    for args in (("report", *VIEW), ("history", "--format", "csv"), ("digest",)):
        refused = run(store, *args, "--output", path)
        assert refused.exit_code == 2, (refused.output, refused.exception)
        assert refused.stderr.startswith("Error: option --output: "), refused.stderr
        assert said.format(tmp=tmp_path) in refused.stderr
        assert refused.stdout_bytes == b""
        assert "Traceback" not in refused.output
    assert sorted(os.listdir(tmp_path)) == before
    assert (tmp_path / "file.txt").read_text(encoding="utf-8") == "keep"


def test_output_keeps_the_messages_on_standard_error(own_store, tmp_path):
    target = tmp_path / "issued.md"
    issued = run(own_store, "report", "--as-of", AS_OF, "--format", "md", "--issue", "INF-1", "--output", str(target))
    assert issued.exit_code == 0, issued.output
    assert issued.stdout_bytes == b""
    assert "report 'INF-1' issued" in issued.stderr
    assert target.read_bytes() == run(own_store, "report", "--issued", "INF-1").stdout_bytes


# -- 2. binary formats and the terminal ---------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch):
    """Standard output played as a terminal 100 columns wide (CliRunner's is not a terminal)."""
    monkeypatch.setattr(common, "stdout_is_terminal", lambda: True)
    monkeypatch.setattr(common.shutil, "get_terminal_size", lambda *a, **k: os.terminal_size((100, 40)))


def binary_formats() -> list[str]:
    return [name for name in formats.BINARY if name in formats.REPORT]


def test_the_binary_formats_are_the_report_formats_that_give_bytes():
    assert set(formats.BINARY) == {"xlsx", "pdf"}


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_a_binary_format_is_refused_on_a_terminal(store, own_store, tmp_path, terminal, fmt):
    if fmt not in formats.REPORT:
        pytest.skip(f"no {fmt} format in this build")
    refused = run(store, "report", "--format", fmt, *VIEW)
    assert refused.exit_code == 2, (refused.output, refused.exception)
    assert refused.stderr == (
        f"Error: option --format: {fmt} is a binary format: give --output FILE or redirect the output\n"
    )
    assert refused.stdout_bytes == b""
    # refused before an issue is recorded
    issuing = run(own_store, "report", "--as-of", AS_OF, "--format", fmt, "--issue", "INF-BIN")
    assert issuing.exit_code == 2, issuing.output
    assert json.loads(run(own_store, "reports", "--format", "json").stdout)["reports"] == []


def test_a_binary_format_goes_to_a_file_or_a_pipe_as_it_is(store, tmp_path, terminal, monkeypatch):
    if "xlsx" not in formats.REPORT:
        pytest.skip("no xlsx format in this build")
    target = tmp_path / "informe.xlsx"
    written = run(store, "report", "--format", "xlsx", *VIEW, "--output", str(target))
    assert written.exit_code == 0, written.output
    assert target.read_bytes()[:2] == b"PK" and written.stdout_bytes == b""
    monkeypatch.setattr(common, "stdout_is_terminal", lambda: False)  # a pipe, a redirection
    piped = run(store, "report", "--format", "xlsx", *VIEW)
    assert piped.exit_code == 0, piped.output
    assert piped.stdout_bytes[:2] == b"PK"


def test_text_formats_are_not_refused_on_a_terminal(store, terminal):
    for fmt in ("table", "md", "json", "csv"):
        assert run(store, "report", "--format", fmt, *VIEW).exit_code == 0


# -- 3. the width of the table format -------------------------------------------------------------


def widest(data: bytes) -> int:
    return max(len(line) for line in data.decode("utf-8").splitlines())


def test_table_is_160_wide_to_a_file_or_pipe(store, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)  # pytest-xdist's workers have COLUMNS=80 (readline sets it)
    assert common.table_width() is None  # outside a command: the fixed width
    for args in (("report", *VIEW), ("history",), ("explain", "1.1.1", *VIEW)):
        assert widest(run(store, *args).stdout_bytes) <= 160
    assert widest(run(store, "report", *VIEW).stdout_bytes) == 160


def test_columns_sets_a_terminals_width_and_never_a_pipes(store, terminal):
    for args in (("report", *VIEW), ("history",), ("explain", "1.1.1", *VIEW),
                 ("diff", "--from", f"2021-06-30@{KNOWN_AT}", "--to", f"{AS_OF}@{KNOWN_AT}")):
        shown = run(store, *args, env={"COLUMNS": "80"})
        assert shown.exit_code == 0, shown.output
        assert widest(shown.stdout_bytes) <= 80, args
    assert widest(run(store, "report", *VIEW, env={"COLUMNS": "80"}).stdout_bytes) == 80


def test_a_pipe_is_160_wide_whatever_columns_says(store):
    """COLUMNS leaks from parent processes (pytest-xdist's workers have COLUMNS=80, set by readline):
    a file or a pipe always gets the same bytes, those `poa report --issue` seals."""
    assert widest(run(store, "report", *VIEW, env={"COLUMNS": "80"}).stdout_bytes) == 160


def test_a_terminal_gets_its_own_width_and_a_file_the_fixed_one(store, tmp_path, terminal):
    assert widest(run(store, "report", *VIEW).stdout_bytes) == 100
    assert widest(run(store, "report", *VIEW, env={"COLUMNS": "90"}).stdout_bytes) == 90
    target = tmp_path / "informe.txt"
    assert run(store, "report", *VIEW, "--output", str(target)).exit_code == 0
    assert widest(target.read_bytes()) == 160  # a file always gets the same bytes


def test_a_sealed_report_keeps_its_width(own_store):
    issued = run(own_store, "report", "--as-of", AS_OF, "--issue", "INF-W", env={"COLUMNS": "80"})
    assert issued.exit_code == 0, issued.output
    assert widest(issued.stdout_bytes) == 160
    again = run(own_store, "report", "--issued", "INF-W", env={"COLUMNS": "80"})
    assert again.stdout_bytes == issued.stdout_bytes


# -- 4. CSV dialects --------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"
# the columns of the report's tables that hold text (user text, codes, dates, times, names):
# every other column of the elements and budget_modifications tables holds a number
TEXT_COLUMNS = {
    "plan", "as_of", "known_at", "level", "code", "parent", "title", "status", "efficiency_band", "seq", "date",
    "reference", "reason", "source", "recorded_at", "actor", "change", "action", "fields", "text",
}
NUMBER = re.compile(r"-?[0-9]+\.[0-9]{2}")


def rows_of(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter))


def expected_excel_es(standard: list[list[str]], numeric_tables: bool) -> list[list[str]]:
    """The standard CSV's cells with a decimal comma in every cell of a number column (by the rule
    of the test, not the program's): a column not in TEXT_COLUMNS, in a table of figures."""
    header, *body = standard
    numeric = [numeric_tables and name not in TEXT_COLUMNS for name in header]
    out = [header]
    for row in body:
        cells = []
        for is_number, cell in zip(numeric, row, strict=True):
            if is_number and cell:
                assert NUMBER.fullmatch(cell), cell  # the rule holds: a number column holds numbers
                cell = cell.replace(".", ",")
            cells.append(cell)
        out.append(cells)
    return out


@pytest.mark.parametrize("table", formats.CSV_TABLES)
def test_report_csv_dialects(store, table):
    standard = run(store, "report", "--format", "csv", "--table", table, *VIEW)
    default = run(store, "report", "--format", "csv", "--table", table, "--csv-dialect", "standard", *VIEW)
    excel = run(store, "report", "--format", "csv", "--table", table, "--csv-dialect", "excel", *VIEW)
    excel_es = run(store, "report", "--format", "csv", "--table", table, "--csv-dialect", "excel-es", *VIEW)
    for shown in (standard, default, excel, excel_es):
        assert shown.exit_code == 0, shown.output
    assert default.stdout_bytes == standard.stdout_bytes  # the contract, unchanged
    assert not standard.stdout_bytes.startswith(BOM)
    assert excel.stdout_bytes == BOM + standard.stdout_bytes
    assert excel_es.stdout_bytes.startswith(BOM)
    body = excel_es.stdout_bytes[len(BOM):]
    assert body.split(b"\n", 1)[0] == standard.stdout_bytes.split(b"\n", 1)[0].replace(b",", b";")
    parsed = rows_of(body, ";")
    assert parsed == expected_excel_es(rows_of(standard.stdout_bytes), table in ("elements", "budget_modifications"))
    assert all(len(row) == len(parsed[0]) for row in parsed)


def test_excel_es_leaves_user_text_and_codes_alone(store):
    results = rows_of(run(store, "report", "--format", "csv", "--table", "results", "--csv-dialect", "excel-es",
                          *VIEW).stdout_bytes[len(BOM):], ";")
    assert any(row[-1] == RESULT_TEXT and row[4] == "1.1.2" for row in results), results
    elements = rows_of(run(store, "report", "--format", "csv", "--csv-dialect", "excel-es", *VIEW)
                       .stdout_bytes[len(BOM):], ";")
    header = elements[0]
    codes = [row[header.index("code")] for row in elements[1:]]
    assert "1.1.1.1" in codes and all("," not in code for code in codes)
    plan_row = elements[1]
    assert plan_row[header.index("budget_current")] == "480000,00"
    assert plan_row[header.index("progress_pct")] == "56,33"
    assert plan_row[header.index("budget_TGN")] == "350000,00"


def test_history_csv_dialects(store):
    standard = run(store, "history", "--format", "csv")
    excel = run(store, "history", "--format", "csv", "--csv-dialect", "excel")
    excel_es = run(store, "history", "--format", "csv", "--csv-dialect", "excel-es")
    assert excel.stdout_bytes == BOM + standard.stdout_bytes
    assert excel_es.stdout_bytes.startswith(BOM)
    # no column of the history is a number with decimals: only the separator changes (the JSON data keeps its points)
    assert rows_of(excel_es.stdout_bytes[len(BOM):], ";") == rows_of(standard.stdout_bytes)
    assert b'""40.00""' in excel_es.stdout_bytes


def test_raw_csv_takes_a_dialect_too(store):
    raw = run(store, "report", "--format", "csv", "--raw-csv", *VIEW)
    raw_es = run(store, "report", "--format", "csv", "--raw-csv", "--csv-dialect", "excel-es", *VIEW)
    assert rows_of(raw_es.stdout_bytes[len(BOM):], ";") == expected_excel_es(rows_of(raw.stdout_bytes), True)


@pytest.mark.parametrize(
    "args, said",
    [
        (("report", "--format", "json", *VIEW), "option --csv-dialect: applies to --format csv only, not json"),
        (("report", *VIEW), "option --csv-dialect: applies to --format csv only, not table"),
        (("report", "--format", "md", *VIEW), "option --csv-dialect: applies to --format csv only, not md"),
        (("history",), "option --csv-dialect: applies to --format csv only, not table"),
        (("history", "--format", "json"), "option --csv-dialect: applies to --format csv only, not json"),
    ],
)
def test_csv_dialect_refused_with_another_format(store, args, said):
    refused = run(store, *args, "--csv-dialect", "excel")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr == f"Error: {said}\n"
    assert refused.stdout_bytes == b""


def test_a_sealed_report_stays_standard(own_store):
    refused = run(own_store, "report", "--as-of", AS_OF, "--format", "csv", "--issue", "INF-C", "--csv-dialect", "excel")
    assert refused.exit_code == 2 and "option --csv-dialect" in refused.stderr, refused.output
    assert json.loads(run(own_store, "reports", "--format", "json").stdout)["reports"] == []
    issued = run(own_store, "report", "--as-of", AS_OF, "--format", "csv", "--issue", "INF-C")
    assert issued.exit_code == 0 and not issued.stdout_bytes.startswith(BOM), issued.output
    again = run(own_store, "report", "--issued", "INF-C", "--csv-dialect", "excel-es")
    assert again.exit_code == 2 and "option --csv-dialect" in again.stderr, again.output
    same = run(own_store, "report", "--issued", "INF-C", "--csv-dialect", "standard")
    assert same.exit_code == 0 and same.stdout_bytes == issued.stdout_bytes, same.output
