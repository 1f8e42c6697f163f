"""The whitelist formula parser: grammar, precedence, implicit multiplication, limits and messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exgen.errors import FormatError
from exgen.expr.evaluate import evaluate, evaluate_scalar
from exgen.expr.parser import MAX_DEPTH, MAX_EXPR_CHARS, MAX_NODES, Node, parse
from exgen.expr.printing import to_text

XYZ = ("x", "y", "z")


def value(text: str, **env: float) -> float | None:
    return evaluate_scalar(parse(text, XYZ), env)


# (text, x, expected computed with Python's own math on the intended reading)
PRECEDENCE = [
    ("2x", 3.0, lambda x: 2 * x),
    ("3(x+1)", 2.0, lambda x: 3 * (x + 1)),
    ("-x^2", 3.0, lambda x: -(x ** 2)),
    ("-x**2", 3.0, lambda x: -(x ** 2)),
    ("x^-2", 2.0, lambda x: x ** -2),
    ("2^3^2", 0.0, lambda x: 2 ** (3 ** 2)),
    ("2x^2", 3.0, lambda x: 2 * x ** 2),
    ("1/2x", 4.0, lambda x: (1 / 2) * x),
    ("x/2/4", 8.0, lambda x: x / 2 / 4),
    ("x - 1 - 2", 5.0, lambda x: x - 1 - 2),
    ("(x+1)(x-1)", 3.0, lambda x: (x + 1) * (x - 1)),
    ("x sin(x)", 0.7, lambda x: x * math.sin(x)),
    ("2 sin(x)cos(x)", 0.7, lambda x: 2 * math.sin(x) * math.cos(x)),
    ("e^x", 1.5, lambda x: math.e ** x),
    ("exp(-x)", 1.5, lambda x: math.exp(-x)),
    ("ln(x) + log(x)", 2.0, lambda x: 2 * math.log(x)),
    ("pi x", 2.0, lambda x: math.pi * x),
    ("1e-3x", 2.0, lambda x: 1e-3 * x),
    ("2.5E+2 + .5", 0.0, lambda x: 250.5),
    ("sigmoid(x)", 0.3, lambda x: 1 / (1 + math.exp(-x))),
    ("relu(x) + relu(-x)", -1.5, lambda x: abs(x)),
    ("abs(x) sqrt(x^2)", -2.0, lambda x: abs(x) * abs(x)),
    ("tanh(x) + cosh(x) - sinh(x) + tan(x)", 0.4,
     lambda x: math.tanh(x) + math.cosh(x) - math.sinh(x) + math.tan(x)),
    ("+x", 1.25, lambda x: x),
    ("--x", 1.25, lambda x: x),
    ("2*-x", 1.25, lambda x: -2 * x),
    ("x\u2212 1", 3.0, lambda x: x - 1),  # typographic minus
    ("2\u00d7x", 3.0, lambda x: 2 * x),  # multiplication sign
]


@pytest.mark.parametrize("text,x,expected", PRECEDENCE, ids=[p[0] for p in PRECEDENCE])
def test_reading_matches_intended_precedence(text, x, expected):
    assert value(text, x=x) == pytest.approx(expected(x), rel=1e-12)


def test_implicit_products_of_declared_variables():
    assert value("xy + 2yz", x=2.0, y=3.0, z=5.0) == pytest.approx(2 * 3 + 2 * 3 * 5)


@pytest.mark.parametrize("text", ["2x", "3(x+1)", "x y", "x(x+1)", "2 sin(x)"])
def test_implicit_multiplication_can_be_disabled(text):
    with pytest.raises(FormatError, match="missing '\\*'"):
        parse(text, XYZ, implicit_multiplication=False)
    explicit = {"2x": "2*x", "3(x+1)": "3*(x+1)", "x y": "x*y", "x(x+1)": "x*(x+1)", "2 sin(x)": "2*sin(x)"}[text]
    assert parse(explicit, XYZ, implicit_multiplication=False) == parse(text, XYZ)


@pytest.mark.parametrize("text", [t for t, _, _ in PRECEDENCE] + ["x - (y - z)", "-(-x)", "(x^2)^3", "(-x)^2",
                                                                   "x^(y+1)", "2^-x", "x/(y*z)", "x*(y/z)"])
def test_canonical_text_parses_back_to_the_same_tree(text):
    tree = parse(text, XYZ)
    canonical = to_text(tree)
    assert parse(canonical, XYZ, implicit_multiplication=False) == tree
    assert to_text(parse(canonical, XYZ)) == canonical


def test_tree_is_immutable():
    tree = parse("x + 1", XYZ)
    assert isinstance(tree, Node)
    with pytest.raises(AttributeError):
        tree.op = "sub"  # type: ignore[misc]


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("   ", "empty"),
    ("foo(x)", "unknown variable or function 'foo'; allowed: x, y, z, exp, log"),
    ("w + 1", "unknown variable or function 'w'"),
    ("sin x", "needs parentheses"),
    ("log(x, 2)", "takes one argument"),
    ("(x + 1", "unclosed"),
    ("x + 1)", "unmatched"),
    ("x +", "ends too early"),
    ("2 3", "missing operator"),
    ("x $ 2", "not allowed"),
    ("1e999", "too large"),
    ("x^1000", "exponent"),
    ("2^(3*50)", "exponent"),
])
def test_malformed_input_has_a_message_saying_what_is_wrong(text, message):
    with pytest.raises(FormatError, match=message.replace("(", "\\(").replace("*", "\\*")):
        parse(text, XYZ)


def test_limits_name_themselves():
    with pytest.raises(FormatError, match=f"at most {MAX_EXPR_CHARS}"):
        parse("x+" * MAX_EXPR_CHARS + "x", XYZ)
    with pytest.raises(FormatError, match=f"nested more than {MAX_DEPTH}"):
        parse("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), XYZ)
    with pytest.raises(FormatError, match=f"nested more than {MAX_DEPTH}"):
        parse("-" * (MAX_DEPTH + 5) + "x", XYZ)
    with pytest.raises(FormatError, match=f"more than {MAX_NODES}"):
        parse("+".join(["x"] * (MAX_NODES // 2 + 10)), XYZ)
    # just inside the limits still parses
    assert parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, XYZ) == parse("x", XYZ)


def test_evaluation_is_undefined_not_an_error_outside_the_domain():
    xs = np.array([-1.0, 0.0, 1.0, 800.0])
    out = evaluate(parse("log(x) + 1/x + sqrt(x) + exp(x)", ("x",)), {"x": xs}, 4)
    assert not np.isfinite(out[:2]).any()
    assert np.isfinite(out[2])
    assert not np.isfinite(out[3])  # exp(800) overflows: undefined, not an exception
    assert evaluate_scalar(parse("x^x^x", ("x",)), {"x": 50.0}) is None
