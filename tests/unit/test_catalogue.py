"""Invariants of the catalogue of names (domain/catalogue.py): every label has both columns,
every member the renderers show has a label, the registries agree with it.

Pure unit tests: no process, no store, no file.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from enum import Enum
from string import Formatter

import attrs
import pytest

from poa.adapters.report_provenance import _short_rule, rule_text
from poa.domain import catalogue
from poa.domain.settings import Band
from poa.domain.catalogue import (
    use_language,
    ACTION_LABELS,
    BECAUSE_LABELS,
    CHANGE_LABELS,
    CLOSING_SENTENCES,
    FACT_KIND_LABELS,
    FIGURE,
    FIGURES,
    KIND_LABELS,
    KIND_NAMES,
    QUARTER_ORDINALS,
    REFORMULATION_CHANGES,
    ROLE_LABELS,
    RULE_SENTENCE_PARTS,
    RULE_SENTENCES,
    RULE_SHORT,
    STATUS_LABELS,
    STRUCTURE_ROWS,
    UPDATED_FIELDS,
    WARNING_MESSAGES,
    WARNING_PARTS,
    Action,
    Because,
    Change,
    ElementKind,
    FactKindName,
    Label,
    Role,
    Rule,
    Status,
    WarningKind,
)
from poa.domain.entries import DECLARABLE_ELEMENT_FIGURES, DECLARABLE_PLAN_FIGURES
from poa.domain.fact_kinds import FACT_KINDS
from poa.projections.provenance import Explanation, Part


def _labels(value, path: str):
    """Every `Label` reachable from `value`: in dicts (keys and values), tuples, lists and attrs
    instances (`Figure.label`, `Table.title` and headers, `ReportList`), with where it was found."""
    if isinstance(value, Label):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _labels(key, f"{path}[{key!r}] (key)")
            yield from _labels(item, f"{path}[{key!r}]")
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _labels(item, f"{path}[{i}]")
    elif attrs.has(type(value)) and not isinstance(value, type):
        for a in attrs.fields(type(value)):
            yield from _labels(getattr(value, a.name), f"{path}.{a.name}")


LABELS = [
    found
    for name, value in vars(catalogue).items()
    if not name.startswith("__") and not isinstance(value, type)
    for found in _labels(value, name)
]


def test_the_walk_finds_the_labels_of_every_section():
    paths = {path.split("[")[0].split(".")[0] for path, _ in LABELS}
    # one name of each section of the catalogue, from element kinds to the quarterly report
    for name in ("KIND_LABELS", "STATUS_LABELS", "FIGURES", "ROLE_LABELS", "COLUMN_LABELS", "FACT_KIND_LABELS",
                 "HISTORY_TABLE", "STRUCTURE_TABLE", "CHANGES_LIST", "CONCLUSIONS", "EXPLAIN_TEXTS", "RULE_SENTENCES",
                 "RULE_SENTENCE_PARTS", "RULE_SHORT", "DIFF_TEXTS", "WARNING_MESSAGES", "WARNING_PARTS"):
        assert name in paths
    assert ("FIGURES[0].label", FIGURES[0].label) in LABELS
    assert len(LABELS) > 200


def test_every_label_has_both_columns():
    empty = [path for path, label in LABELS if not (isinstance(label.es, str) and label.es.strip())]
    empty += [path for path, label in LABELS if not (isinstance(label.en, str) and label.en.strip())]
    assert empty == []


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def test_a_template_has_the_same_placeholders_in_both_columns():
    """A label with names in braces is filled in with `.es.format(...)` (or `.en`): both take the same names,
    and no placeholder is positional."""
    assert [path for path, label in LABELS if _placeholders(label.es) != _placeholders(label.en)] == []
    assert [path for path, label in LABELS if "" in _placeholders(label.es)] == []


def test_figure_names_are_unique():
    names = Counter(f.name for f in FIGURES)
    assert [name for name, n in names.items() if n > 1] == []
    assert set(FIGURE) == set(names)


@pytest.mark.parametrize(
    ("labels", "enum"),
    [
        (ROLE_LABELS, Role),
        (ACTION_LABELS, Action),
        (STATUS_LABELS, Status),
        (KIND_LABELS, ElementKind),
        (KIND_NAMES, ElementKind),
        (FACT_KIND_LABELS, FactKindName),
        (CHANGE_LABELS, Change),
        (BECAUSE_LABELS, Because),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_every_member_shown_has_a_label(labels: dict, enum: type[Enum]):
    assert set(labels) == set(enum)


# what `rule_text` reads from an explanation's inputs, for any rule
_INPUTS = {
    "added_on": date(2021, 1, 4),
    "cancelled_with": "1.1",
    "cancelled_on": date(2021, 7, 15),
    "weights_total": Decimal(100),
    "schedule": (Decimal(10), Decimal(40), Decimal(70), Decimal(100)),
    "quarter_ends_passed": (date(2021, 3, 31),),
    "programmed": Decimal(10),
    "progress": Decimal(5),
    "executed": Decimal(50),
    "current": Decimal(100),
    "efficacy": Decimal(50),
    "execution": Decimal(50),
    "efficiency": Decimal(50),
    "physical_weight": Decimal("0.5"),
    "financial_weight": Decimal("0.5"),
    "limits": ((Band.EFFICIENT, Decimal(76)), (Band.SUFFICIENT, Decimal(51)), (Band.AT_RISK, Decimal(26)),
               (Band.INEFFICIENT, Decimal(0))),
}


# the rules of the plan's counts (`COUNT_FIGURES`) left unworded: none since `poa explain` explains the plan's
# figures too (the plan's key, or no code), its counts included
_PLAN_COUNT_RULES: set[Rule] = set()


@pytest.mark.parametrize("rule", [r for r in Rule if r not in _PLAN_COUNT_RULES], ids=str)
def test_every_rule_explain_shows_is_worded(rule: Rule):
    """`poa explain` states each rule of an element's figure in a sentence of its own
    (`RULE_SENTENCES`), every placeholder filled, never the rule's identifier, its fallback."""
    text = rule_text(Explanation("progress_pct", Decimal(0), rule, source="TGN", inputs=_INPUTS), "1.1")
    assert text and text != str(rule)
    assert "{" not in text and "}" not in text and "None" not in text


def test_the_rule_sentences_cover_every_rule_but_the_plan_counts():
    assert set(RULE_SENTENCES) == set(Rule) - _PLAN_COUNT_RULES
    assert set(RULE_SHORT) <= set(RULE_SENTENCES)


# the names `rule_text` fills in, by rule (any other rule: none)
_RULE_PLACEHOLDERS = {
    Rule.ADDED: {"added_on"},
    Rule.CANCELLED: {"cancelled_on", "through"},
    Rule.STRUCTURE_IN_FORCE: {"seqs"},
    Rule.DIRECT_RECORD: {"seqs"},
    Rule.LATEST_RECORD_PER_SOURCE: {"seqs"},
    Rule.WEIGHTED_MEAN_OF_CHILDREN: {"weights_total"},
    Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS: {"weights_total"},
    Rule.SCHEDULE: {"schedule", "n", "ends", "last"},
    Rule.PROGRAMMED_MINUS_PROGRESS: {"programmed", "progress"},
    Rule.SUM_OF_BUDGET_LINES: {"source"},
    Rule.SUM_OVER_SOURCES: {"terms"},
    Rule.PROGRESS_OVER_PROGRAMMED: {"progress", "programmed"},
    Rule.WEIGHTED_EFFICIENCY: {"efficacy", "execution", "physical_weight", "financial_weight"},
    Rule.BAND_OF_EFFICIENCY: {"efficiency", "bands"},
    Rule.EFFICACY_OVER_EXECUTION: {"efficacy", "execution"},
    Rule.EXECUTED_OVER_CURRENT: {"executed", "current"},
}


@pytest.mark.parametrize("rule", list(RULE_SENTENCES), ids=str)
def test_a_rule_sentence_takes_the_names_explain_fills_in(rule: Rule):
    assert _placeholders(RULE_SENTENCES[rule].es) == _RULE_PLACEHOLDERS.get(rule, set())


def test_the_variants_of_the_rule_sentences():
    ends = RULE_SENTENCE_PARTS["quarter_ends"]  # a number worded for one and for any other
    assert [ends.text(n) for n in (1, 2)] == ["1 cierre de trimestre", "2 cierres de trimestre"]
    with use_language("en"):
        assert [ends.text(n) for n in (1, 3)] == ["1 quarter end", "3 quarter ends"]
    assert {name: _placeholders(label.es) for name, label in RULE_SENTENCE_PARTS.items() if name != "quarter_ends"} == {
        "cancelled_through": {"code"},
        "default_zero_executed": set(),
        "schedule_before_first": {"schedule"},
        "no_sources": set(),
    }
    assert {rule: _placeholders(label.es) for rule, label in RULE_SHORT.items()} == {
        rule: ({"seqs"} if rule in (Rule.STRUCTURE_IN_FORCE, Rule.DIRECT_RECORD, Rule.LATEST_RECORD_PER_SOURCE)
               else set())
        for rule in RULE_SHORT
    }
    cascaded = rule_text(Explanation("status", Status.CANCELLED, Rule.CANCELLED, inputs=_INPUTS), "1.1.1")
    assert cascaded == "Cancelado el 2021-07-15 (por la cancelación de 1.1, que lo incluye)."
    assert rule_text(Explanation("status", Status.CANCELLED, Rule.CANCELLED, inputs=_INPUTS), "1.1") == (
        "Cancelado el 2021-07-15."
    )
    executed = rule_text(Explanation("budget_executed", Decimal(0), Rule.DEFAULT_ZERO, inputs={}), "1.1")
    assert executed == RULE_SENTENCE_PARTS["default_zero_executed"].es
    before_first = {**_INPUTS, "quarter_ends_passed": ()}
    assert rule_text(Explanation("programmed_pct", Decimal(0), Rule.SCHEDULE, inputs=before_first), "1.1") == (
        "0: ningún cierre de trimestre hasta la fecha (programación 10.00/40.00/70.00/100.00)."
    )
    assert rule_text(Explanation("budget_current", Decimal(0), Rule.SUM_OVER_SOURCES), "1.1") == (
        "Suma por fuente de financiamiento: sin fuentes."
    )
    sources = (Part("1.1", Decimal(1500), Role.USED, source="TGN"), Part("1.1", Decimal(20), Role.USED, source="Otros"))
    assert rule_text(Explanation("budget_current", Decimal(1520), Rule.SUM_OVER_SOURCES, parts=sources), "1.1") == (
        "Suma por fuente de financiamiento: TGN 1,500.00 + Otros 20.00."
    )


def test_a_part_s_rule_in_a_few_words():
    assert _short_rule(Explanation("progress_pct", Decimal(0), Rule.SCHEDULE)) == "programación"
    assert _short_rule(Explanation("progress_pct", Decimal(0), Rule.DIRECT_RECORD)) == "registro directo (seq )"
    # a rule no part is explained by keeps its identifier, as before the catalogue worded the others
    assert _short_rule(Explanation("status", Status.ACTIVE, Rule.ADDED)) == "added"


def test_the_registry_of_fact_kinds_covers_every_kind_once():
    names = [k.name for k in FACT_KINDS]
    assert len(names) == len(set(names))
    assert set(names) == set(FactKindName)
    assert all(k.label == FACT_KIND_LABELS[k.name] for k in FACT_KINDS)


def test_declarable_figures_are_catalogue_figures():
    for name in DECLARABLE_PLAN_FIGURES:
        assert name in FIGURE and FIGURE[name].plan, name
    for name in DECLARABLE_ELEMENT_FIGURES:
        assert name in FIGURE and FIGURE[name].carried_by(ElementKind.SHORT_TERM_ACTION), name


# -- the quarterly report ---------------------------------------------------------------


def test_cuadro_1_shows_figures_of_the_plan_with_their_own_label_where_the_seed_words_it_alike():
    for name, label in STRUCTURE_ROWS.items():
        assert FIGURE[name].plan, name
    reused = {name for name, label in STRUCTURE_ROWS.items() if label is FIGURE[name].label}
    assert reused == {"strategic_actions", "short_term_actions", "operations", "tasks", "reformulations"}
    assert STRUCTURE_ROWS["budget_current"].es == "Presupuesto Vigente (en Bs)"  # the seed's wording, not the figure's


def test_the_report_words_what_it_lists():
    assert len(QUARTER_ORDINALS) == 4
    assert set(CLOSING_SENTENCES) == {FactKindName.CLOSE, FactKindName.REOPEN}
    assert set(REFORMULATION_CHANGES) <= set(Action)
    assert set(UPDATED_FIELDS) <= set(FIGURE)  # the fields an update sets are figures


# -- warnings -------------------------------------------------------------------------------


def test_every_warning_kind_has_a_message_and_keeps_its_identifier():
    assert set(WARNING_MESSAGES) == set(WarningKind)
    # the values JSON consumers filter on (docs/design.md, `warnings[]` of the JSON report)
    assert [k.value for k in WarningKind] == [
        "weights_total", "executed_above_current", "unjustified_deviation", "progress_down", "execution_down",
        "cancelled_with_budget", "late_record", "execution_with_and_without_source",
        "execution_differs_from_operations", "progress_differs_from_children",
    ]


_DOWN = {"code", "source", "before", "before_date", "after", "after_date"}


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        (WarningKind.WEIGHTS_TOTAL, {"total"}),
        (WarningKind.OVER_EXECUTED, {"code", "executed", "current"}),
        (WarningKind.UNJUSTIFIED_DEVIATION, {"code", "deviation", "quarter_end"}),
        (WarningKind.PROGRESS_DOWN, _DOWN),
        (WarningKind.EXECUTION_DOWN, _DOWN),
        (WarningKind.CANCELLED_WITH_BUDGET, {"code", "unexecuted"}),
        (WarningKind.LATE_RECORD, {"seq", "kind", "date", "days", "recorded_on"}),
        (WarningKind.EXECUTION_MIXED, {"code", "without", "by_source", "executed"}),
        (WarningKind.EXECUTION_DIFFERS_FROM_OPERATIONS, {"code", "date", "own", "operations"}),
        (WarningKind.PROGRESS_DIFFERS_FROM_CHILDREN, {"code", "date", "own", "children"}),
    ],
    ids=lambda v: v.value if isinstance(v, WarningKind) else None,  # a set's own text varies between processes
)
def test_a_warning_message_takes_the_names_the_warnings_fill_in(kind: WarningKind, names: set[str]):
    assert _placeholders(WARNING_MESSAGES[kind].es) == names
    assert _placeholders(WARNING_MESSAGES[kind].en) == names


def test_the_pieces_of_the_warning_messages():
    assert _placeholders(WARNING_PARTS["plan"].es) == set()
    assert WARNING_PARTS["source"].es.format(source="TGN") == " (TGN)"
