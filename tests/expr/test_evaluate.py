"""The evaluators: deep-learning functions stay accurate over wide domains, and every float value's error
bound holds (checked against arbitrary-precision values computed independently with mpmath)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exgen.expr import precise
from exgen.expr.equivalence import SAFETY
from exgen.expr.evaluate import evaluate, evaluate_bounded
from exgen.expr.parser import parse
from tests.conftest import examples_sweep
from tests.expr.test_properties import VARIABLES, trees

Z = np.concatenate([np.linspace(-700, 700, 2801), np.linspace(-40, 40, 801)])


def _sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


# formulas as a student writes them, and their exact values (mpmath at 50 digits, written independently)
DL = [
    ("sigmoid(z)", _sigmoid),
    ("sigmoid(z)*(1 - sigmoid(z))", lambda z: _sigmoid(z) * _sigmoid(-z)),
    ("1 - sigmoid(z)", lambda z: _sigmoid(-z)),
    ("log(sigmoid(z))", lambda z: -mpmath.log1p(mpmath.exp(-z))),
    ("logsigmoid(z)", lambda z: -mpmath.log1p(mpmath.exp(-z))),
    ("softplus(z)", lambda z: mpmath.log1p(mpmath.exp(z))),
    ("log(1 + exp(z))", lambda z: mpmath.log1p(mpmath.exp(z))),
    ("tanh(z)", mpmath.tanh),
    ("1 - tanh(z)^2", lambda z: mpmath.sech(z) ** 2),
    ("1/(1 + exp(-z))", _sigmoid),
    ("exp(z)/(1 + exp(z))", _sigmoid),
]


@pytest.mark.parametrize("text,exact", DL, ids=[t for t, _ in DL])
def test_deep_learning_functions_keep_their_digits_over_wide_domains(text, exact):
    got = evaluate(parse(text, ("z",)), {"z": Z}, len(Z))
    with mpmath.workdps(50):
        want = np.array([float(exact(mpmath.mpf(float(z)))) for z in Z])
    ok = np.abs(want) > 1e-300  # below that, double precision has no relative digits to keep
    rel = np.abs(got[ok] - want[ok]) / np.abs(want[ok])
    assert rel.max() <= 1e-13, (text, float(Z[ok][np.argmax(rel)]))


def test_sigmoid_derivative_forms_agree_where_naive_arithmetic_gives_zero():
    # at z = 40, 1 - sigmoid(z) is 0 in double precision; the stable forms are not
    z = np.array([40.0, -40.0, 700.0])
    got = evaluate(parse("sigmoid(z)*(1 - sigmoid(z))", ("z",)), {"z": z}, 3)
    assert np.all(got > 0) and got[0] == pytest.approx(math.exp(-40), rel=1e-13)


@examples_sweep(80, 400)
def test_every_float_error_bound_holds(max_examples):
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(trees, st.integers(min_value=0, max_value=2 ** 32))
    def check(tree, seed):
        rng = np.random.default_rng(seed)
        scale = rng.choice([1.0, 10.0, 100.0])
        points = {v: rng.uniform(-scale, scale, size=4) for v in VARIABLES}
        bounded = evaluate_bounded(tree, points, 4)
        for i in range(4):
            if bounded.undefined[i] or not np.isfinite(bounded.error[i]):
                continue
            exact = precise.value_at(tree, {v: float(points[v][i]) for v in VARIABLES})
            if not isinstance(exact, precise.Precise) or not precise.settled(exact):
                continue  # not known precisely enough to judge the bound
            gap = abs(mpmath.mpf(float(bounded.value[i])) - exact.value)
            assert gap <= SAFETY * bounded.error[i] + 1e-300 + float(exact.error), (str(tree), i, float(gap),
                                                                                   float(bounded.error[i]))

    check()


@examples_sweep(50, 200)
def test_float_and_precise_evaluation_agree_on_the_domain(max_examples):
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(trees, st.integers(min_value=0, max_value=2 ** 32))
    def check(tree, seed):
        rng = np.random.default_rng(seed)
        points = {v: rng.uniform(-3, 3, size=4) for v in VARIABLES}
        bounded = evaluate_bounded(tree, points, 4)
        for i in range(4):
            exact = precise.value_at(tree, {v: float(points[v][i]) for v in VARIABLES})
            if bounded.undefined[i]:
                assert exact == precise.UNDEFINED, (str(tree), i)
            elif exact == precise.UNDEFINED:
                assert not np.isfinite(bounded.error[i]), (str(tree), i)  # float could not tell

    check()


def test_a_reciprocal_trig_function_at_an_uncertain_zero_is_not_decided():
    # found by the property test above: 0^x is 0 up to a rounding bound, so cot(0^x) must not read as cot's
    # value at a nonzero point; float evaluation has to leave it to the precise evaluator (which says undefined)
    for text in ("cot(0^x)", "csc(0^x)", "sec(acos(0^x))"):
        tree = parse(text, VARIABLES)
        bounded = evaluate_bounded(tree, {v: np.array([0.5]) for v in VARIABLES}, 1)
        assert bounded.undefined[0] or not np.isfinite(bounded.error[0]), (text, bounded)
        assert precise.value_at(tree, {v: 0.5 for v in VARIABLES}) == precise.UNDEFINED or text.startswith("sec")
