"""Efficiency and semáforo (docs/design.md): the figures by hand, the bands at their limits in
both languages, the plan's settings, and what has no value."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from support.builders import FAR, base_approval, history_in_batches

from poa.adapters import formats
from poa.domain.catalogue import BAND_LABELS, NO_BAND, use_language
from poa.domain.fact_kinds import parse_entry
from poa.domain.settings import Band, Efficiency
from poa.domain.values import EntryError
from poa.projections.evaluation import evaluate

KEY = "EF-2021"
Q1 = date(2021, 3, 31)


def approval(settings: dict | None = None) -> dict:
    data = base_approval()["approve"]
    return {"approve": {**data, **({"settings": settings} if settings else {})}}


def at_q1(progress: str, executed: str = "0", settings: dict | None = None):
    """ACP 1.2 (default schedule: 25 % programmed at Q1, op 1.2.1 TGN 200) with its progress and execution."""
    history = history_in_batches(KEY, [
        approval(settings),
        {"progress": {"code": "1.2", "percent": progress, "date": "2021-03-31"}},
        {"execution": {"code": "1.2.1", "amount": executed, "date": "2021-03-31", "source": "TGN"}},
    ])
    return evaluate(KEY, history, Q1, FAR)


PHYSICAL_ONLY = {"efficiency": {"weights": {"physical": "1", "financial": "0"}}}


# the weighted efficiency at each limit of the default bands: with physical weight 1 it is the efficacy,
# progress / 25 × 100, so progress = efficiency / 4
@pytest.mark.parametrize(
    ("efficiency", "band", "es", "en"),
    [
        ("25", Band.INEFFICIENT, "Ineficiente", "Inefficient"),
        ("26", Band.AT_RISK, "En riesgo", "At risk"),
        ("50", Band.AT_RISK, "En riesgo", "At risk"),
        ("51", Band.SUFFICIENT, "Suficiente", "Sufficient"),
        ("75", Band.SUFFICIENT, "Suficiente", "Sufficient"),
        ("76", Band.EFFICIENT, "Eficiente", "Efficient"),
        ("100", Band.EFFICIENT, "Eficiente", "Efficient"),
    ],
)
def test_the_bands_at_their_limits_in_both_languages(efficiency, band, es, en):
    ev = at_q1(str(D(efficiency) / 4), settings=PHYSICAL_ONLY)
    acp = ev.element("1.2")
    assert (acp.physical_efficacy_pct, acp.efficiency_pct, acp.efficiency_band) == (D(efficiency), D(efficiency), band)
    assert json.loads(formats.REPORT["json"](ev, False))["short_term_actions"][1]["efficiency_band"] == band.value
    for lang, label in (("es", es), ("en", en)):
        with use_language(lang):
            table = formats.REPORT["table"](ev, False)
        row = next(line for line in table.splitlines() if line.startswith("│ 1.2 ") and label in line)
        assert f" {label} " in row


def test_a_value_between_two_whole_limits_belongs_to_the_lower_band():
    assert Efficiency().band(D("75.99")) == Band.SUFFICIENT and Efficiency().band(D("25.99")) == Band.INEFFICIENT


def test_the_figures_by_hand_with_the_default_weights():
    # ACP 1.2: progress 20 of 25 programmed → efficacy 80; executed 50 of 200 → execution 25;
    # weighted 80 × 0.5 + 25 × 0.5 = 52.5 → Suficiente; relative 80 / 25 = 3.2
    acp = at_q1("20", "50").element("1.2")
    assert (acp.physical_efficacy_pct, acp.budget_execution_pct) == (D(80), D(25))
    assert (acp.efficiency_pct, acp.efficiency_band, acp.relative_efficiency) == (D("52.5"), Band.SUFFICIENT, D("3.2"))


def test_each_term_counts_at_most_its_target():
    # progress 40 of 25 → efficacy 160, counted as 100: 100 × 0.5 + 25 × 0.5 = 62.5 (not 92.5); relative 160 / 25
    acp = at_q1("40", "50").element("1.2")
    assert (acp.physical_efficacy_pct, acp.efficiency_pct, acp.relative_efficiency) == (D(160), D("62.5"), D("6.4"))


def test_the_plans_own_weights_and_bands():
    settings = {"efficiency": {"weights": {"physical": "0.7", "financial": "0.3"},
                               "bands": {"efficient": "90", "sufficient": "60", "at_risk": "30"}}}
    acp = at_q1("20", "50", settings).element("1.2")  # 80 × 0.7 + 25 × 0.3 = 63.5: ≥ 60, below 90
    assert (acp.efficiency_pct, acp.efficiency_band) == (D("63.5"), Band.SUFFICIENT)


def test_no_value_before_anything_is_programmed_nor_relative_efficiency_without_execution():
    history = history_in_batches(KEY, [approval()])
    ev = evaluate(KEY, history, date(2021, 2, 15), FAR)  # before the first quarter end: 0 % programmed
    s = ev.summary
    assert (s.physical_efficacy_pct, s.efficiency_pct, s.efficiency_band, s.relative_efficiency) == (None,) * 4
    assert ev.derivation(None, "efficiency_band").rule == "no_target"
    with use_language("en"):
        assert NO_BAND.text in formats.REPORT["table"](ev, False)
    acp = at_q1("20").element("1.2")  # nothing executed: no relative efficiency, the rest graded
    assert (acp.efficiency_pct, acp.relative_efficiency) == (D(40), None)  # 80 × 0.5 + 0 × 0.5


def test_a_cancelled_short_term_action_is_not_graded():
    history = history_in_batches(KEY, [
        approval(),
        {"reformulate": {"date": "2021-02-01", "reference": "RD 1", "reason": "x", "changes": [{"cancel": {"code": "1.2"}}]}},
    ])
    ev = evaluate(KEY, history, Q1, FAR)
    acp = ev.element("1.2")
    assert (acp.physical_efficacy_pct, acp.efficiency_pct, acp.efficiency_band, acp.relative_efficiency) == (None,) * 4
    assert ev.derivation("1.2", "efficiency_pct").rule == "cancelled_not_graded"
    assert ev.element("1.1").efficiency_band is not None  # its siblings still are


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        ({"efficiency": {"weights": {"physical": "0.6", "financial": "0.6"}}}, "settings.efficiency.weights", "add up to 1"),
        ({"efficiency": {"bands": {"efficient": "50", "sufficient": "60", "at_risk": "20"}}}, "settings.efficiency.bands",
         "decrease"),
        ({"efficiency": {"bands": {"efficient": "80", "sufficient": "60"}}}, "settings.efficiency.bands", "at_risk"),
        ({"efficiency": {"scale": 1}}, "settings.efficiency", "scale"),
        ({"signatures": {"signed_by": "X"}}, "settings.signatures", "signed_by"),
        ({"efficiency": {"weights": {"physical": "1.5", "financial": "-0.5"}}}, "settings.efficiency.weights.physical",
         "at most 1"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(settings, field, words):
    with pytest.raises(EntryError) as refused:
        parse_entry(approval(settings))
    assert refused.value.field.startswith(field) and words in str(refused.value)


def test_every_band_has_its_words_in_both_languages():
    assert {band.value for band in Band} == set(BAND_LABELS)
    with use_language("en"):
        assert [BAND_LABELS[b].text for b in Band] == ["Efficient", "Sufficient", "At risk", "Inefficient"]
    assert [BAND_LABELS[b].text for b in Band] == ["Eficiente", "Suficiente", "En riesgo", "Ineficiente"]
