"""The number family of exgen.formatting: each member's promise, over ints, floats, huge and tiny values."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from exgen.formatting import (
    DISPLAY_LIMIT,
    EXACT_LIMIT,
    decimal,
    exact,
    json_numbers,
    json_rounded,
    num,
    points,
    score,
    significant,
    tex_num,
    whole,
)

finite = st.floats(allow_nan=False, allow_infinity=False)
#: values spread over every magnitude: tiny, ordinary, huge, and integral floats of every size
spread = st.one_of(finite, st.integers(-10**18, 10**18).map(float),
                   st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False),
                   st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
moderate = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def _noise(x: float) -> float:
    """What rounding to 10 decimals may move a float by (half a 1e-10 step plus binary error)."""
    return 5e-11 + 1e-15 * abs(x)


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@given(spread)
def test_whole_is_an_int_exactly_for_integral_values_below_the_limit(x):
    for below in (DISPLAY_LIMIT, EXACT_LIMIT, 2.0**53):
        n = whole(x, below=below)
        if x == int(x) and abs(x) < below:
            assert isinstance(n, int) and n == x
        else:
            assert n is None


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_no_number_family_member_crashes_on_nan_or_inf(x):
    assert whole(x, below=EXACT_LIMIT) is None
    assert num(x) == str(x) and exact(x) == repr(x) and decimal(x) == repr(x)
    assert repr(significant(x)) == repr(x)
    assert isinstance(json_numbers(x), float)


@given(spread)
def test_num_shows_integers_bare_and_others_to_six_significant_digits(x):
    text = num(x)
    if x == int(x) and abs(x) < DISPLAY_LIMIT:
        assert text == str(int(x))
    else:
        mantissa = text.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
        assert len(mantissa) <= 6
    assert "+" not in text and "e-0" not in text  # 1e-7, not 1e-07 or 1e+12
    assert math.isclose(float(text), x, rel_tol=5e-6, abs_tol=0)


@given(st.integers(-10**30, 10**30))
def test_num_writes_python_ints_in_full(n):
    assert num(n) == str(n)
    assert num(True) == "true"


@given(spread)
def test_tex_num_is_num_with_powers_of_ten_in_latex(x):
    text, plain = tex_num(x), num(x)
    assert not re.search(r"[0-9]e", text)
    if "e" in plain:
        mant, exp = plain.split("e")
        assert text == f"{mant} \\times 10^{{{int(exp)}}}"
    else:
        assert text == plain


@given(moderate)
def test_points_have_at_most_two_decimals(x):
    text = points(x)
    assert NUMBER.match(text) and _decimals(text) <= 2
    assert abs(float(text) - x) <= 0.005 + 1e-9


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_score_has_at_most_four_decimals_and_no_exponent(x):
    text = score(x)
    assert NUMBER.match(text) and _decimals(text) <= 4 and text != "-0"
    assert abs(float(text) - x) <= 5e-5 + 1e-6 * abs(x)


@given(spread)
def test_exact_parses_back_to_the_same_float(x):
    text = exact(x)
    assert float(text) == x
    if x == int(x) and abs(x) < EXACT_LIMIT:
        assert text == str(int(x))
    assert len(text) <= len(repr(x)) + 1  # never longer than repr (bar the "-0" -> "0" of negative zero)


@given(spread)
def test_decimal_never_has_an_exponent_and_is_within_its_17_decimals(x):
    text = decimal(x)
    assert NUMBER.match(text), text
    assert abs(float(text) - x) <= 5e-18 + 1e-15 * abs(x)
    if "e" not in repr(x):
        assert text == exact(x)  # the two agree wherever repr has no exponent


@given(arrays(float, array_shapes(min_dims=0, max_dims=3, max_side=3), elements=spread))
def test_json_numbers_keeps_shape_and_makes_integral_entries_ints(value):
    out = json_numbers(value)
    flat_in, flat_out = np.ravel(value), _flatten(out)
    assert np.shape(out) == np.shape(value) and len(flat_in) == len(flat_out)
    for a, b in zip(flat_in, flat_out):
        assert b == a
        assert isinstance(b, int) == (a == int(a) and abs(a) < DISPLAY_LIMIT)
    assert json.loads(json.dumps(out)) == out


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=6))
def test_json_rounded_arrays_are_all_ints_or_all_floats(values):
    out = json_rounded(np.array(values))
    types = {type(v) for v in out}
    assert len(types) == 1 and types <= {int, float}
    if types == {int}:
        assert all(abs(v - round(v)) <= _noise(v) for v in values)
    else:
        assert any(abs(v - round(v)) > 4e-11 for v in values)
    assert all(abs(a - b) <= _noise(b) for a, b in zip(out, values))


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_json_rounded_scalars_drop_decimal_noise(x):
    out = json_rounded(x)
    assert abs(out - x) <= _noise(x)
    if isinstance(out, int):
        assert abs(x - round(x)) <= _noise(x)
    else:
        assert isinstance(out, float) and abs(x - round(x)) > 4e-11
    assert json_rounded(0.1 + 0.2) == 0.3 and json_rounded(np.int64(3)) == 3


@given(st.floats(min_value=-1e300, max_value=1e300, allow_nan=False).filter(lambda x: x != 0))
def test_significant_rounds_to_ten_significant_digits(x):
    out = significant(x)
    assert isinstance(out, float) and math.isclose(out, x, rel_tol=5e-10)
    assert significant(out) == out
    assert len(repr(out).split("e")[0].lstrip("-").replace(".", "").strip("0")) <= 10


def _flatten(value):
    if isinstance(value, list):
        return [y for v in value for y in _flatten(v)]
    return [value]
