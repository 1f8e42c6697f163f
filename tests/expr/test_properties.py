"""Properties of the formula reader over generated input (hypothesis):

- printing any formula the parser can produce, then parsing the text, gives the same tree, with and without
  implicit multiplication (so stored keys read back exactly as generated);
- parsing any text raises nothing but ``FormatError``; checking any parsed formula raises nothing at all,
  and a formula always equals itself unless it is undefined on the domain.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from exgen.errors import FormatError
from exgen.expr.equivalence import compare, seed_from
from exgen.expr.functions import ARITY
from exgen.expr.parser import Node, parse
from exgen.expr.printing import to_text
from tests.conftest import examples_sweep

VARIABLES = ("x", "y", "z", "w1", "theta")

_numbers = st.one_of(
    st.integers(min_value=0, max_value=10 ** 6).map(float),
    st.sampled_from([0.5, 0.25, 0.1, 1e-5, 2.5e-12, 1e15, 3e20, 1.5, 0.001]),
    st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
)
_leaves = st.one_of(
    _numbers.map(lambda v: Node("num", (), v)),
    st.sampled_from(VARIABLES).map(lambda v: Node("var", (), v)),
    st.sampled_from(("e", "pi")).map(lambda c: Node("const", (), c)),
)
# exponents: a variable or a small number, so that no constant exponent exceeds the parser's bound
_exponents = st.one_of(
    st.sampled_from(VARIABLES).map(lambda v: Node("var", (), v)),
    st.sampled_from([2.0, 3.0, 0.5, 10.0, 150.0]).map(lambda v: Node("num", (), v)),
)
_ONE_ARG = sorted(name for name, n in ARITY.items() if n == 1)


def _extend(children):
    binary = st.tuples(st.sampled_from(("add", "sub", "mul", "div")), children, children).map(
        lambda t: Node(t[0], (t[1], t[2])))
    power = st.tuples(children, st.one_of(_exponents, st.builds(lambda e: Node("neg", (e,)), _exponents))).map(
        lambda t: Node("pow", t))
    neg = children.map(lambda c: Node("neg", (c,)))
    call = st.tuples(st.sampled_from(_ONE_ARG), children).map(lambda t: Node("call", (t[1],), t[0]))
    many = st.tuples(st.sampled_from(("max", "min")), st.lists(children, min_size=2, max_size=3)).map(
        lambda t: Node("call", tuple(t[1]), t[0]))
    return st.one_of(binary, power, neg, call, many)


trees = st.recursive(_leaves, _extend, max_leaves=24)


@examples_sweep(150, 1500)
def test_printing_then_parsing_gives_the_same_tree(max_examples):
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(trees)
    def check(tree):
        text = to_text(tree)
        try:
            again = parse(text, VARIABLES)
        except FormatError as err:  # only the documented limits may refuse a printed formula
            assert any(word in str(err) for word in ("too long", "nested more than")), (text, err)
            return
        assert again == tree, text
        assert parse(text, VARIABLES, implicit_multiplication=False) == tree
        assert to_text(again) == text

    check()


_pieces = st.sampled_from(
    list("xyzw1θ0123456789.+-*/^()|, ") + ["**", "exp", "log", "ln", "sqrt", "sin", "cos", "sigma", "σ", "tanh",
                                           "max", "min", "abs", "sgn", "arcsin", "e", "pi", "π", "1e-3", "1e308",
                                           "\u2212", "\u00b7", "\u00d7", "\u00b2", "\u207b\u00b9", "\u221a", "\uff12",
                                           "\u0435", "\u200b", "\u2223", "^-", "theta", "^2 ", " "])


@examples_sweep(400, 4000)
def test_parsing_raises_only_format_errors_with_one_line(max_examples):
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(st.text(max_size=60), st.lists(_pieces, max_size=40).map("".join)))
    def check(text):
        try:
            parse(text, VARIABLES)
        except FormatError as err:
            message = str(err)
            assert message and "\n" not in message and len(message) < 400

    check()


@examples_sweep(60, 300)
def test_checking_never_raises_and_a_formula_equals_itself(max_examples):
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(trees, trees)
    def check(student, key):
        text_s, text_k = to_text(student), to_text(key)
        try:
            s, k = parse(text_s, VARIABLES), parse(text_k, VARIABLES)
        except FormatError:
            assume(False)
        domain = {v: (-3.0, 3.0) for v in VARIABLES}
        seed = seed_from(text_k)
        compare(s, k, domain, seed=seed)
        itself = compare(k, k, domain, seed=seed)
        assert itself.equal or itself.reason in ("key-undefined", "unsure"), (text_k, itself.reason, itself.point)
        assert math.isfinite(float(itself.valid))

    check()
