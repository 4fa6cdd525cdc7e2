"""Fuzzing `poa apply` with YAML and JSON batches: valid entries of the small example's plan
mixed with mutations (wrong types, extreme and oddly written numbers, odd unicode, long
strings, deep nesting, aliases, duplicate keys, unknown fields).

Only two outcomes are allowed, on a fresh copy of a store holding examples/small-2021.yaml:
exit 0, the store grew by exactly the batch's entries and every reading command works; or
exit 2 with one message, no traceback, and nothing stored.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.builders import count_events as events
from support.runners import invoke

READINGS = [
    ["report", "--format", fmt] for fmt in ("table", "json", "csv", "md")
] + [["history", "--format", fmt] for fmt in ("table", "json", "csv")] + [["plans"]]


def poa(*args: str):
    return invoke(*args, actor="fuzzer")


# -- a tiny document model, written out as YAML (flow style) or JSON by hand --------------


class Number(str):
    """A number written as is: unquoted in YAML and in JSON (even when JSON would not allow it)."""


class Plain(str):
    """A text written unquoted in YAML (``no``, ``010``): what a hurried operator types."""


class Pairs(list):
    """A mapping as a list of (key, value) pairs: keys may repeat."""


class Raw(str):
    """Text spliced into the document as is (deep nesting, anchors and aliases)."""


def dump(value, yaml_format: bool, ascii: bool = True) -> str:
    """`value` written out; strings double-quoted (JSON escapes are valid YAML ones), with
    every non-ASCII character escaped or (not `ascii`) written as is."""
    if isinstance(value, dict):
        value = Pairs(value.items())
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{dump(k, yaml_format, ascii)}: {dump(v, yaml_format, ascii)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v, yaml_format, ascii) for v in value) + "]"
    if isinstance(value, (Number, Raw)) or (isinstance(value, Plain) and yaml_format):
        return str(value)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return json.dumps(value, ensure_ascii=ascii)


# -- valid entries of DEMO-2021 ---------------------------------------------------------------

ACTIVE = ["1.1.1.1.1", "1.1.1.1.2", "1.1.1.2", "1.1.2.1", "1.1.2.2", "1.2.1.1", "1.1.2", "1.2.1"]
OPERATIONS = ["1.1.1.1", "1.1.1.2", "1.1.2.1", "1.1.2.2", "1.2.1.1"]
ACPS = ["1.1.1", "1.1.2", "1.2.1"]

dates = st.dates(min_value=date(2021, 7, 16), max_value=date(2021, 12, 31)).map(str)
cents = st.integers(min_value=0, max_value=99_999_999_999_999_999).map(lambda c: Number(f"{c // 100}.{c % 100:02d}"))
percents = st.integers(min_value=0, max_value=10_000).map(lambda c: Number(f"{c // 100}.{c % 100:02d}"))
weights = st.sampled_from(["0", "1", "35", "1000000", "999999.99", "0.01"]).map(Number)
texts = st.one_of(
    st.text(min_size=1, max_size=30),  # any unicode: surrogates and control characters included
    st.sampled_from(["no", "yes", "off", "010", "1:30", "0x10", "1e3", "~", "null", "true"]).map(Plain),
    st.sampled_from([9_999, 10_000, 10_001]).map(lambda n: "x" * n),
)
sources = st.sampled_from(["TGN", "Otros", "Donación", "tgn"])


@st.composite
def valid_entries(draw) -> dict:
    kind = draw(st.sampled_from(["progress", "execution", "result", "justify", "budget", "reformulate", "publish"]))
    if kind == "progress":
        body = {"code": draw(st.sampled_from(ACTIVE)), "percent": draw(percents), "date": draw(dates)}
    elif kind == "execution":
        body = {"code": draw(st.sampled_from(OPERATIONS + ACPS)), "amount": draw(cents), "date": draw(dates)}
        if draw(st.booleans()):
            body["source"] = draw(sources)
    elif kind in ("result", "justify"):
        body = {"code": draw(st.sampled_from(ACPS + OPERATIONS)), "date": draw(dates), "text": draw(texts)}
    elif kind == "budget":
        body = {"code": draw(st.sampled_from(OPERATIONS)), "source": draw(sources), "amount": draw(cents),
                "date": draw(dates), "reference": draw(texts), "reason": draw(texts)}
    elif kind == "reformulate":
        change = draw(st.sampled_from([
            {"update": {"code": draw(st.sampled_from(ACPS)), "weight": draw(weights)}},
            {"add": {"kind": "operation", "code": "1.1.2.9", "parent": "1.1.2", "title": draw(texts), "budget": {draw(sources): draw(cents)}}},
            {"budget": {"code": draw(st.sampled_from(OPERATIONS)), "source": "Otros", "amount": draw(cents)}},
        ]))
        body = {"date": draw(dates), "reference": draw(texts), "reason": draw(texts), "changes": [change]}
    else:
        body = {"reference": draw(texts), "issued": "2021-12-31", "date": draw(dates),
                "declared": {"operations": Number(str(draw(st.integers(0, 10**9)))), "budget_current": draw(cents)}}
    return {kind: body}


# -- mutations ----------------------------------------------------------------------------------

ODD_NUMBERS = [
    "1e30", "1.0e+309", "-1.5E-3", "0x10", "0o17", "1:30", "1_000", ".inf", "NaN", "Infinity", "-0", "+5", "010",
    "1" + "0" * 15, "999999999999999.99", "-999999999999999.99", "1000000000000000.00", "9" * 4301, "0.001", "1.",
]
odd_values = st.one_of(
    st.sampled_from(ODD_NUMBERS).map(Number),
    st.sampled_from(ODD_NUMBERS),
    st.sampled_from([True, False, None, [], {}, [1, 2], {"a": "b"}, "", " "]),
    st.text(max_size=20),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "\x1b[2J", "\u202e", "\ufeff", "\r\n"]),
    st.integers(min_value=10_001, max_value=20_000).map(lambda n: "y" * n),
    st.sampled_from([33, 40, 1000, 100_000]).map(lambda n: Raw("[" * n + "]" * n)),
    st.sampled_from(["\x1b", "\x00", "\x85", "\ufffe", "\u2028"]).map(lambda c: Raw(f'"a{c}b"')),  # not escaped
)


@st.composite
def mutated(draw, entry: dict) -> dict | Pairs:
    """`entry` with one field (possibly nested) replaced, added, repeated or aliased."""
    (kind, body), = entry.items()
    body = dict(body)
    how = draw(st.sampled_from(["replace", "unknown-field", "duplicate-key", "alias", "entry-kind", "whole"]))
    key = draw(st.sampled_from(sorted(body)))
    if how == "replace":
        body[key] = draw(odd_values)
    elif how == "unknown-field":
        body[draw(st.sampled_from(["<<", "percnt", "\ud800", "", "kind"]))] = draw(odd_values)
    elif how == "duplicate-key":
        return {kind: Pairs([*body.items(), (key, draw(odd_values))])}
    elif how == "alias":
        value = body[key]
        body[key] = Raw(f"&v {dump(value, True)}")
        other = draw(st.sampled_from(sorted(body)))
        if other != key:
            body[other] = Raw("*v")
    elif how == "entry-kind":
        return {draw(st.sampled_from(["progres", "approve", "close", "<<", 5])): body}
    else:
        return draw(odd_values)
    return {kind: body}


@st.composite
def batches(draw) -> tuple[str, str, int]:
    entries = [draw(valid_entries()) for _ in range(draw(st.integers(1, 3)))]
    for i in draw(st.sets(st.integers(0, len(entries) - 1), max_size=2)):
        entries[i] = draw(mutated(entries[i]))
    yaml_format = draw(st.booleans())
    text = dump({"plan": "DEMO-2021", "entries": entries}, yaml_format, ascii=draw(st.booleans()))
    return text, "lote.yaml" if yaml_format else "lote.json", len(entries)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=batches())
def test_a_batch_is_either_recorded_whole_and_readable_or_refused_cleanly(example_store, case):
    text, name, count = case
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "poa.db"
        db.write_bytes(example_store.read_bytes())  # conftest: the store of examples/small-2021.yaml
        before = events(db)
        batch_file = Path(folder) / name
        batch_file.write_bytes(text.encode("utf-8", "surrogatepass"))  # a raw lone surrogate: not UTF-8
        result = poa("apply", str(batch_file), "--store", str(db))
        shown = f"\n--- batch ({name}) ---\n{text[:3000]}\n--- output ---\n{result.output[:3000]}"
        assert result.exit_code in (0, 2), f"exit {result.exit_code}: {result.exception!r}{shown}"
        assert isinstance(result.exception, (SystemExit, type(None))), f"{result.exception!r}{shown}"
        assert "Traceback" not in result.output, shown
        if result.exit_code == 2:
            assert len(result.stderr.strip().splitlines()) == 1, f"expected one message{shown}"
            assert events(db) == before, f"a refused batch stored events{shown}"
            return
        assert events(db) == before + count, f"expected {count} new events{shown}"
        for args in READINGS:
            read = poa(*args, "--store", str(db))
            assert read.exit_code == 0 and read.exception is None, f"poa {' '.join(args)}: {read.exception!r}{shown}\n{read.output[:2000]}"


def test_the_document_model_writes_what_the_readers_read():
    # the generator's own check: numbers unquoted, texts quoted, pairs kept in order
    doc = {"a": Number("1.50"), "b": Plain("no"), "c": "no", "d": Pairs([("k", 1), ("k", None)]), "e": [True]}
    assert dump(doc, True) == '{"a": 1.50, "b": no, "c": "no", "d": {"k": 1, "k": null}, "e": [true]}'
    assert dump(doc, False) == '{"a": 1.50, "b": "no", "c": "no", "d": {"k": 1, "k": null}, "e": [true]}'
