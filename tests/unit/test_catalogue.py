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

from poa.adapters.report_provenance import rule_text
from poa.domain import catalogue
from poa.domain.catalogue import (
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
    STATUS_LABELS,
    STRUCTURE_ROWS,
    UPDATED_FIELDS,
    Action,
    Because,
    Change,
    ElementKind,
    FactKindName,
    Label,
    Role,
    Rule,
    Status,
)
from poa.domain.entries import DECLARABLE_ELEMENT_FIGURES, DECLARABLE_PLAN_FIGURES
from poa.domain.fact_kinds import FACT_KINDS
from poa.projections.provenance import Explanation


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
                 "HISTORY_TABLE", "STRUCTURE_TABLE", "CHANGES_LIST", "CONCLUSIONS"):
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
}


# the rules of the plan's counts (`COUNT_FIGURES`): `poa explain` explains an element's figures, never these
_PLAN_COUNT_RULES = {Rule.COUNT_OF_ACTIVE, Rule.COUNT_OF_REFORMULATIONS}


@pytest.mark.parametrize("rule", [r for r in Rule if r not in _PLAN_COUNT_RULES], ids=str)
def test_every_rule_explain_shows_is_worded(rule: Rule):
    """`poa explain` states each rule of an element's figure in a sentence of its own
    (adapters/report_provenance.py: the catalogue has no Rule labels yet), never the rule's
    identifier, its fallback."""
    text = rule_text(Explanation("progress_pct", Decimal(0), rule, inputs=_INPUTS), "1.1")
    assert text and text != str(rule)


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
