"""The tolerance model for numbers (docs/tolerance.md): floors relative to the key, boundaries as humans read
them, what the worksheet asks (decimals) and the significant-figures mode, through the scalar and matrix
kinds students' answers take."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exgen.answers import grade_part
from exgen.answers.tolerance import (
    accepts,
    agrees_to_significant_figures,
    margin,
    outer_window,
    problems,
    rounded_to_decimals,
)
from exgen.instance import Part


def scalar(answer, tol=None) -> Part:
    return Part(id="a", kind="scalar", prompt="", answer=answer, tolerance=tol)


def verdict(answer, typed, tol=None) -> str:
    return grade_part(scalar(answer, tol), typed).verdict


@pytest.mark.parametrize("typed,key,tol,ok", [
    # boundaries count as inside, decided on the numbers as written (binary rounding puts 1.05 outside)
    ("1.05", 1.0, {"rel": 0.05}, True), ("0.95", 1.0, {"rel": 0.05}, True), ("1.0500001", 1.0, {"rel": 0.05}, False),
    ("1.05e33", 1e33, {"rel": 0.05}, True), ("1.06e33", 1e33, {"rel": 0.05}, False),
    ("1.05e-33", 1e-33, {"rel": 0.05}, True), ("1.06e-33", 1e-33, {"rel": 0.05}, False),
    ("1.05", 1.0, {"abs": 0.05}, True), ("0.95", 1.0, {"abs": 0.05}, True), ("1.1", 1.0, {"abs": 0.05}, False),
    ("0.3", 0.1 + 0.2, None, True),  # float noise of the key is forgiven ...
    ("0.30000000000000004", 0.3, None, True),
    ("0.3001", 0.3, None, False),  # ... a difference is not
    # floors are relative to the key: 0 is not 1e-12 (an absolute floor of 1e-9 credited it)
    ("0", 1e-12, None, False), ("0", 1e-12, {"rel": 0.05}, False), ("1e-12", 1e-12, None, True),
    ("1.0000000001e-12", 1e-12, None, True), ("1.01e-12", 1e-12, None, False), ("0", 0.0, None, True),
    ("1e-300", 0.0, None, False),
])
def test_relative_and_absolute_tolerance(typed, key, tol, ok):
    assert (verdict(key, typed, tol) == "correct") is ok


@pytest.mark.parametrize("typed,key,decimals,ok", [
    ("1.235", 1.2345, 3, True),  # the half-up rounding of an exact tie
    ("1.234", 1.2345, 3, False),  # the other neighbour of a tie is not a correct rounding
    ("1.2345", 1.2345, 3, True),  # more digits than asked, and right
    ("1.23449", 1.2345, 3, True),  # strictly within half a unit of the third decimal
    ("1.2341", 1.2345, 3, True),  # within half a unit of the asked place: as precise as asked
    ("1.2339", 1.2345, 3, False),
    ("0.667", 2 / 3, 3, True), ("0.666", 2 / 3, 3, False), ("0.67", 2 / 3, 3, False),
    ("-0.667", -2 / 3, 3, True), ("-0.666", -2 / 3, 3, False),
    ("0", 0.0004, 3, True),  # 0.0004 to 3 places is 0.000, as the worksheet asks
    ("4.000", 3.99999, 3, True), ("3.14", 3.143, 2, True), ("4.14", 3.14, 2, False),
])
def test_decimals_the_worksheet_asks_for_are_accepted(typed, key, decimals, ok):
    assert (verdict(key, typed, {"decimals": decimals}) == "correct") is ok


@pytest.mark.parametrize("typed,key,figures,ok", [
    ("3.14", 3.14159265, 3, True), ("3.142", 3.14159265, 4, True), ("3.141", 3.14159265, 4, False),
    ("3.1416", 3.14159265, 3, True),  # more figures than asked, and right
    ("61300", 61250, 3, True), ("61200", 61250, 3, False),  # a tie rounds half up
    ("0.0499", 0.04985, 3, True), ("0.0498", 0.04985, 3, False),
    ("-100", -149, 1, True), ("-0.05", -0.0499, 1, True), ("1170", 1174.34, 3, True),
    ("5.4e21", 5.3e21, 2, False), ("5.3e20", 5.3e22, 2, False), ("1.2345e82", 1.2345e82, 5, True),
    ("0.00123", 0.001234567, 3, True), ("1.24e-3", 0.001234567, 3, False),
    ("0", 0.0, 3, True), ("1e-9", 0.0, 3, False),
])
def test_significant_figures_mode(typed, key, figures, ok):
    assert (verdict(key, typed, {"significant_figures": figures}) == "correct") is ok


def test_significant_figures_replace_an_absolute_tolerance():
    # abs 0.5 would accept 1.4 for 1; at 2 significant figures it is wrong
    assert verdict(1.0, "1.4", {"abs": 0.5}) == "correct"
    assert verdict(1.0, "1.4", {"abs": 0.5, "significant_figures": 2}) == "incorrect"


def test_matrix_entries_use_the_same_model():
    part = Part(id="a", kind="matrix", prompt="", answer=[[1.2345, 1e-12], [2.0, 0.5]], tolerance={"decimals": 3})
    assert grade_part(part, "[[1.235, 0], [2, 0.5]]").verdict == "correct"
    assert grade_part(part, "[[1.234, 0], [2, 0.5]]").verdict == "incorrect"
    exact = Part(id="a", kind="matrix", prompt="", answer=[[1e-12, 1.0]])
    assert grade_part(exact, "[[0, 1]]").verdict == "incorrect"


@pytest.mark.parametrize("typed,key", [("sqrt(2)/2", 2 ** 0.5 / 2), ("1/sqrt(2)", 2 ** 0.5 / 2), ("e^2", 7.38905609893065),
                                       ("pi/4", 0.7853981633974483), ("2^-3", 0.125), ("\u221a2", 2 ** 0.5),
                                       ("\uff13/\uff14", 0.75), ("\u22120.25", -0.25)])
def test_scalar_answers_may_be_exact_values(typed, key):
    assert verdict(key, typed) == "correct"


@pytest.mark.parametrize("typed,message", [("sqrt(-1)", "undefined"), ("sin(x)", "unknown variable or function 'x'"),
                                           ("two", "unknown variable or function 'two'"), ("1/2/", "expected")])
def test_scalar_answers_that_cannot_be_read_say_why(typed, message):
    score = grade_part(scalar(0.5), typed)
    assert score.verdict == "invalid" and message in score.feedback and "3/4" in score.feedback


def test_margin_matches_the_rules():
    assert margin(100.0, {"abs": 0.5, "rel": 0.01}) == pytest.approx(1.5)
    assert margin(1.2345, {"decimals": 3}) == pytest.approx(0.0005)
    assert margin(0.04985, {"significant_figures": 3}) == pytest.approx(0.00005)
    assert margin(5.0, None) == 0.0


def test_outer_window_contains_every_accepted_answer():
    for tol in ({"rel": 0.05}, {"abs": 0.01}, {"decimals": 2}, {"significant_figures": 3}, None):
        rel, absolute = outer_window(tol)
        for key in (0.04985, 1.0, 123.456, -7.5):
            for typed in (key * 1.04, key + 0.004, round(key, 2), float(f"{key:.3g}")):
                if accepts(typed, key, tol):
                    assert abs(typed - key) <= rel * max(abs(typed), abs(key)) + absolute


@pytest.mark.parametrize("tol,found", [
    ({"abs": 0.1, "decimals": 3}, []), ({"significant_figures": 0}, ["significant_figures: expected a whole number"]),
    ({"decimals": 2.5}, ["decimals: expected a whole number"]), ({"abs": -1}, ["abs: expected a non-negative"]),
    ({"sigfigs": 3}, ["unknown tolerance 'sigfigs'"]), ({}, ["expected a mapping"]),
])
def test_problems_with_a_tolerance_are_named(tol, found):
    got = problems(tol)
    assert len(got) == len(found) and all(f in g for f, g in zip(found, got))


def _half_up(value: float, places: int) -> str:
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@settings(max_examples=400, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-6),
       st.integers(min_value=0, max_value=6))
def test_every_correct_rounding_is_accepted_and_the_next_value_is_not(key, places):
    typed = _half_up(key, places)
    assert rounded_to_decimals(float(typed), key, places)
    step = Decimal(1).scaleb(-places)
    for wrong in (Decimal(typed) + 2 * step, Decimal(typed) - 2 * step):
        assert not rounded_to_decimals(float(wrong), key, places)


@settings(max_examples=400, deadline=None)
@given(st.floats(min_value=1e-30, max_value=1e30, allow_nan=False), st.integers(min_value=1, max_value=8),
       st.booleans())
def test_every_key_rounded_to_n_figures_agrees_to_n_figures(magnitude, figures, negative):
    key = -magnitude if negative else magnitude
    exponent = Decimal(repr(key)).adjusted() - figures + 1
    typed = Decimal(repr(key)).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    assert agrees_to_significant_figures(float(typed), key, figures)
    assert not agrees_to_significant_figures(float(typed + 2 * Decimal(1).scaleb(exponent)), key, figures)
