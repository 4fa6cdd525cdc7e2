"""Every figure is computed under one Decimal context, `FIGURES` (domain/values.py), whatever the
caller's: a function decorated with `figures_context` enters it, and one called from within another
runs in the context the outer one entered (a batch's loop enters it once, not once an entry)."""

from __future__ import annotations

from decimal import Context, Decimal, getcontext, localcontext

from poa.domain.values import FIGURES, figures_context


@figures_context
def context_inside():
    return getcontext()


@figures_context
def third_inside() -> Decimal:
    return Decimal(1) / Decimal(3)


@figures_context
def outer(then):
    return getcontext(), then()


def test_a_decorated_function_runs_under_figures_whatever_the_callers_context():
    with localcontext(Context(prec=6)):
        assert third_inside() == Decimal("0." + "3" * FIGURES.prec)
        assert getcontext().prec == 6  # the caller's, given back


def test_called_from_within_another_it_runs_in_the_context_the_outer_one_entered():
    entered, inner = outer(context_inside)
    assert inner is entered
    assert (entered.prec, entered.rounding) == (FIGURES.prec, FIGURES.rounding)


def test_a_context_set_in_between_does_not_leak_into_a_decorated_function():
    def caller_changes_it():
        with localcontext(Context(prec=6)):
            return third_inside()

    _entered, third = outer(caller_changes_it)
    assert third == Decimal("0." + "3" * FIGURES.prec)  # entered again: not the 6 digits in force around it
