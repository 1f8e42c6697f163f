"""Hostile formula answers are refused quickly with a message and never executed.

Every check goes through ``grade_part`` (the grader's path) and, where useful, the parser directly.
Time bounds here are hang guards (seconds), not speed claims.
"""

from __future__ import annotations

import builtins
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exgen.answers import all_kinds, grade_part
from exgen.errors import FormatError
from exgen.expr.parser import parse
from exgen.instance import Part
from tests.conftest import examples_sweep

HANG_GUARD_S = 2.0

PART = Part(id="a", kind="expression", prompt="", answer={"expr": "2*x*exp(x^2)", "latex": "2 x e^{x^{2}}"},
            options={"variables": ["x"], "domain": {"x": [-1.0, 1.0]}})

HOSTILE = {
    "import": ("__import__('os').system('echo pwned')", "not allowed"),
    "dunder attribute": ("x.__class__.__bases__", "not allowed"),
    "attribute": ("exp.__globals__", "not allowed"),
    "lambda": ("lambda: 1", "unknown variable or function 'lambda'"),
    "lambda name": ("lambda", "unknown variable or function 'lambda'"),
    "power tower": ("9^9^9^9", "exponent"),
    "power tower python": ("9**9**9**9", "exponent"),
    "huge exponent": ("x^(10^9)", "exponent"),
    "huge exponent written out": ("x^1000000000", "exponent"),
    "factorial": ("factorial(10**9)", "unknown variable or function 'factorial'"),
    "eval": ("eval(x)", "unknown variable or function 'eval'"),
    "open": ("open(x)", "unknown variable or function 'open'"),
    "sympy name": ("Integral(x, x)", "unknown variable or function 'Integral'"),
    "10k parens": ("(" * 10_000 + "x" + ")" * 10_000, "too long"),
    "deep parens within length": ("(" * 300 + "x" + ")" * 300, "nested more than"),
    "deep unary": ("-" * 500 + "x", "nested more than"),
    "one megabyte": ("x+" * 500_000, "too long"),
    "cyrillic e": ("\u0435xp(x)", "CYRILLIC"),
    "greek x": ("2\u03c7", "GREEK"),
    "zero width": ("2x\u200b", "ZERO WIDTH"),
    "bidi override": ("x\u202e1+", "RIGHT-TO-LEFT OVERRIDE"),
    "combining mark": ("x\u0301", "COMBINING ACUTE ACCENT"),
    "name too long": ("x" + "q" * 100, "name at position 1 is too long"),
    "many bars": ("|x" * 60 + "|" * 60, "too many '|' bars"),
    "bare application tower": ("sin " * 60 + "x", "nested more than"),
    "function power tower": ("sin^2 " * 45 + "x", "nested more than"),
    "exponent beyond the limit": ("2^(10^7)", "exponent"),
    "equals": ("f(x) = 2x", "unknown variable or function 'f'"),
    "string literal": ("'x'", "not allowed"),
    "semicolon": ("x; import os", "not allowed"),
    "brackets": ("[x for x in ()]", "not allowed"),
    "huge literal": ("1" * 400, "too long"),
    "inf literal": ("1e99999", "too large"),
    "unbalanced": ("((x)", "unclosed"),
}


@pytest.mark.parametrize("text,message", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_is_invalid_with_a_message(text, message, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("text reached eval/exec")

    all_kinds()  # import every kind first: imports (and dataclasses) legitimately use exec
    grade_part(PART, "x")
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    start = time.perf_counter()
    score = grade_part(PART, text)
    elapsed = time.perf_counter() - start
    assert score.verdict == "invalid"
    assert message in score.feedback
    assert score.points == 0
    assert elapsed < HANG_GUARD_S


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_missing(text):
    assert grade_part(PART, text).verdict == "missing"
    with pytest.raises(FormatError, match="empty"):
        parse(text, ("x",))


def test_nested_parentheses_never_reach_the_recursion_limit():
    # the parser itself (not only the length check in front of it) refuses deep nesting cleanly
    for depth in (41, 200, 499):
        with pytest.raises(FormatError):
            parse("(" * depth + "x" + ")" * depth, ("x",))
    with pytest.raises(FormatError, match="nested"):
        parse("sqrt(" * 100 + "x" + ")" * 100, ("x",))
    with pytest.raises(FormatError, match="nested"):
        parse("x^" * 300 + "x", ("x",))


def test_non_text_answers_are_invalid_not_crashes():
    for raw in ([1, 2], {"a": 1}, b"x", object()):
        assert grade_part(PART, raw).verdict == "invalid"
    assert grade_part(PART, 3).verdict == "incorrect"  # a number is a (constant) formula


_ALPHABET = st.sampled_from(list("xyeu0123456789.+-*/^()_ ,'\"[]{}") + ["**", "exp", "log", "ln", "sqrt", "sin",
                                                                            "sigmoid", "tanh", "e", "pi", "1e-3",
                                                                            "1e308", "\u2212", "\u0435"])


@examples_sweep(300, 3000)
def test_random_text_is_decided_or_refused_within_a_bounded_time(max_examples):
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(st.text(max_size=80), st.lists(_ALPHABET, max_size=60).map("".join)))
    def check(text):
        start = time.perf_counter()
        score = grade_part(PART, text)
        elapsed = time.perf_counter() - start
        assert score.verdict in ("correct", "incorrect", "invalid", "missing")
        assert 0 <= score.points <= PART.points
        assert elapsed < HANG_GUARD_S

    check()


@pytest.mark.parametrize("text,verdict", [
    ("+".join(["(x-1)^6000-(x-1)^6000"] * 30) + "+2x exp(x^2)", "correct"),  # exact cancellation of huge terms
    ("+".join(["(3x-4)^6000"] * 40), "incorrect"),  # every term beyond double precision
    ("exp(exp(exp(exp(exp(exp(x))))))", "incorrect"),  # beyond any precision: never computed
    ("sin(exp(exp(x+5)))", "incorrect"),
    ("2x exp(x^2) + exp(-exp(exp(x+3)))", "correct"),  # the extra term underflows to nothing everywhere
])
def test_answers_beyond_double_precision_are_decided_in_bounded_time(text, verdict):
    start = time.perf_counter()
    score = grade_part(PART, text)
    assert time.perf_counter() - start < HANG_GUARD_S
    assert score.verdict == verdict, score.feedback
