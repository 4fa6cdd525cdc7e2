"""Hostile user text for the safe-output tests (issue 7, finding 9): tests/unit/test_safe_output.py
renders it from a history in memory, tests/integration/test_safe_output_cli.py prints it
through the CLI from a store holding the same facts.

The plan is examples/small-2021.yaml with hostile texts put into its facts with
`attrs.evolve` (the entry parser now refuses some of them, e.g. ESC, but a store
written before may hold them, and output must stay safe whatever the store holds):

- approval: titles of 1.1.2 (escape sequences, C1, bidi override, rich markup),
  1.2.1 (``=HYPERLINK``), 1.1.1.1 (``+cmd``), 1.1.1.2 (``-2+3+cmd``), 1.2.1.1
  (``@SUM``); operation 1.2.1.1 has a budget source named with rich markup;
- results at 09-30: 1.1.2 a Markdown attack, 1.2.1 escape sequences;
- a plan-wide justification at 09-30 with a table row and a heading;
- progress 1.1.2 = 50 at 09-30 recorded by an actor whose name holds escape sequences;
- a budget modification at 09-15 with a formula reference and reason, recorded by
  the actor ``-2+3+cmd...``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import attrs

from poa.adapters.batch_files import parse_text
from poa.domain.fact_kinds import parse_entry
from support.builders import SMALL

PLAN = "DEMO-2021"
AS_OF = date(2021, 9, 30)
KNOWN_AT = datetime(2031, 1, 1, tzinfo=timezone.utc)
KNOWN_AT_TEXT = "2031-01-01"

CLEAR = "\x1b[2J"  # clear screen
RED = "\x1b[31m"  # colour
OSC = "\x1b]0;titulo\x07"  # set the window title (not stripped by click when piped)
C1_CSI = "\x9b31m"  # the one-byte CSI of C1
BIDI = "\u202e"  # right-to-left override

TITLE = f"Atención {CLEAR}{RED}roja{OSC}{C1_CSI}{BIDI} [bold]negrita[/bold]"
RESULT = f"Resultado {CLEAR}{OSC} y {C1_CSI}fin\x7f"
ACTOR = f"ana{CLEAR}{C1_CSI}"
SOURCE = "[bold]Donación[/bold]"
MD_ATTACK = "# Titulo\n| a | b |\n<script>alert(1)</script> [x](javascript:alert(1)) - item"
PLAN_JUSTIFICATION = "Demora | x | y |\n## no es un título *ni énfasis*"
FORMULAS = {
    "1.2.1": '=HYPERLINK("http://evil.example","clic")',
    "1.1.1.1": "+cmd|' /C calc'!A0",
    "1.1.1.2": "-2+3+cmd|' /C calc'!A0",
    "1.2.1.1": "@SUM(1+1)*cmd|' /C calc'!A0",
}
REFERENCE = '=HYPERLINK("http://evil.example","RA")'
REASON = "@SUM(A1:A2)"
FORMULA_ACTOR = "-2+3+cmd|' /C calc'!A0"

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_facts() -> list[tuple[str, object]]:
    """(actor, fact) in recorded order: the example plan, then the hostile facts."""
    batch = parse_text(SMALL.read_text(encoding="utf-8"), "small-2021.yaml")
    facts = [parse_entry(entry) for entry in batch["entries"]]
    titles = {"1.1.2": TITLE, **FORMULAS}
    elements = []
    for e in facts[0].elements:
        e = attrs.evolve(e, title=titles.get(e.code, e.title))
        if e.code == "1.2.1.1":
            e = attrs.evolve(e, budget={**e.budget, SOURCE: 5000})
        elements.append(e)
    approval = attrs.evolve(facts[0], elements=tuple(elements))

    def entry(yaml: str, **fields):
        return attrs.evolve(parse_entry(yaml_entry(yaml)), **fields)

    return [("tester", approval)] + [("tester", f) for f in facts[1:]] + [
        ("tester", entry("result: {code: 1.1.2, date: 2021-09-30, text: x}", text=MD_ATTACK)),
        ("tester", entry("result: {code: 1.2.1, date: 2021-09-30, text: x}", text=RESULT)),
        ("tester", entry("justify: {date: 2021-09-30, text: x}", text=PLAN_JUSTIFICATION)),
        (ACTOR, entry("progress: {code: 1.1.2, percent: 50, date: 2021-09-30}")),
        (FORMULA_ACTOR, entry(
            "budget: {code: 1.1.2.1, source: TGN, amount: 1000, date: 2021-09-15, reference: x, reason: x}",
            reference=REFERENCE, reason=REASON,
        )),
    ]


def yaml_entry(text: str) -> dict:
    return parse_text(f"entries:\n  - {text}\n", "test.yaml")["entries"][0]


def assert_no_raw_control(text: str) -> None:
    """Only newlines may remain; everything else of C0, DEL, C1 and the bidi controls is escaped."""
    found = RAW_CONTROL.search(text)
    assert found is None, f"raw {found.group()!r} at {found.start()}: {text[max(0, found.start() - 60):found.start() + 20]!r}"
