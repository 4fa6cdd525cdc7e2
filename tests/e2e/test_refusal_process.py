"""One refusal through the real console script (the refusal matrix itself runs in-process,
tests/integration/test_cli_errors.py): exit status 2, one message naming the file, the
entry and the field, no traceback, nothing stored."""

from __future__ import annotations

from support.builders import batch_text, count_events, raw_events

GOOD = [
    "progress: {code: 1.2.1.1, percent: 50, date: 2021-10-01}",
    "result: {code: 1.1.2, date: 2021-10-01, text: Avance registrado}",
]
BAD = "progress: {code: 1.1.1.1.2, percent: 100.01, date: 2021-10-01}"


def test_a_bad_last_entry_is_refused_by_the_console_script_and_nothing_is_stored(poa_process, store):
    before, rows = count_events(store), raw_events(store)
    (poa_process.cwd / "lote.yaml").write_text(batch_text(*GOOD, BAD), encoding="utf-8")
    result = poa_process("apply", "lote.yaml")
    shown = f"\n--- stderr ---\n{result.stderr}--- stdout ---\n{result.stdout}"
    assert result.returncode == 2, shown
    assert "Traceback" not in result.stderr, shown
    assert result.stderr.count("Error:") == 1 and len(result.stderr.strip().splitlines()) == 1, shown
    assert "lote.yaml" in result.stderr and "entry 3" in result.stderr and "'percent'" in result.stderr, shown
    assert result.stdout == ""
    assert count_events(store) == before and raw_events(store) == rows
    assert len(poa_process.json("history")["events"]) == before
