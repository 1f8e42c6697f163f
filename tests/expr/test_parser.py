"""The whitelist formula parser: reading as written mathematics, notation students type, limits and messages.

Expected values are computed with Python's own math on the intended reading, never with our evaluator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from exgen.errors import FormatError
from exgen.expr.evaluate import evaluate, evaluate_scalar
from exgen.expr.parser import MAX_DEPTH, MAX_EXPR_CHARS, MAX_NODES, Node, parse
from exgen.expr.printing import to_text

XYZ = ("x", "y", "z")
MANY = ("x", "y", "z", "a", "b", "m", "n", "w", "B", "rho", "L", "mu0", "alpha", "theta")


def value(text: str, variables=XYZ, **env: float) -> float | None:
    return evaluate_scalar(parse(text, variables), env)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# (text, x, expected computed with Python's own math on the intended reading)
PRECEDENCE = [
    ("2x", 3.0, lambda x: 2 * x),
    ("3(x+1)", 2.0, lambda x: 3 * (x + 1)),
    ("-x^2", 3.0, lambda x: -(x ** 2)),
    ("-x**2", 3.0, lambda x: -(x ** 2)),
    ("x^-2", 2.0, lambda x: x ** -2),
    ("x^-1/2", 4.0, lambda x: x ** -1 / 2),  # the exponent is one factor: (x^-1)/2
    ("2^3^2", 0.0, lambda x: 2 ** (3 ** 2)),
    ("2x^2", 3.0, lambda x: 2 * x ** 2),
    ("1/2x", 4.0, lambda x: (1 / 2) * x),  # juxtaposition has the precedence of * and /, left to right
    ("1/2 sqrt(x)", 4.0, lambda x: math.sqrt(x) / 2),
    ("x/2/4", 8.0, lambda x: x / 2 / 4),
    ("x - 1 - 2", 5.0, lambda x: x - 1 - 2),
    ("(x+1)(x-1)", 3.0, lambda x: (x + 1) * (x - 1)),
    ("(x+2)3", 3.0, lambda x: (x + 2) * 3),
    ("x sin(x)", 0.7, lambda x: x * math.sin(x)),
    ("2 sin(x)cos(x)", 0.7, lambda x: 2 * math.sin(x) * math.cos(x)),
    ("e^x", 1.5, lambda x: math.e ** x),
    ("e^2x", 1.5, lambda x: math.e ** 2 * x),  # the power applies to its own factor
    ("e^-x", 1.5, lambda x: math.exp(-x)),
    ("exp(-x)", 1.5, lambda x: math.exp(-x)),
    ("ln(x) + log(x)", 2.0, lambda x: 2 * math.log(x)),
    ("pi x", 2.0, lambda x: math.pi * x),
    ("1e-3x", 2.0, lambda x: 1e-3 * x),
    ("2.5E+2 + .5", 0.0, lambda x: 250.5),
    ("sigmoid(x)", 0.3, lambda x: sigmoid(x)),
    ("relu(x) + relu(-x)", -1.5, lambda x: abs(x)),
    ("abs(x) sqrt(x^2)", -2.0, lambda x: abs(x) * abs(x)),
    ("tanh(x) + cosh(x) - sinh(x) + tan(x)", 0.4,
     lambda x: math.tanh(x) + math.cosh(x) - math.sinh(x) + math.tan(x)),
    ("+x", 1.25, lambda x: x),
    ("--x", 1.25, lambda x: x),
    ("2*-x", 1.25, lambda x: -2 * x),
    # function application without parentheses: the argument is the product up to the next function
    ("sin 2x", 0.3, lambda x: math.sin(2 * x)),
    ("sin x cos x", 0.3, lambda x: math.sin(x) * math.cos(x)),
    ("2 sin x cos x", 0.3, lambda x: 2 * math.sin(x) * math.cos(x)),
    ("sin x^2", 0.7, lambda x: math.sin(x ** 2)),
    ("sin 2x/3", 0.7, lambda x: math.sin(2 * x) / 3),
    ("sin^2 x + cos^2 x", 0.7, lambda x: math.sin(x) ** 2 + math.cos(x) ** 2),
    ("sin^2(x)", 0.7, lambda x: math.sin(x) ** 2),
    ("sin**2 (x)", 0.7, lambda x: math.sin(x) ** 2),
    ("ln x + 1", 2.0, lambda x: math.log(x) + 1),
    ("sin atan x", 0.7, lambda x: math.sin(math.atan(x))),
    ("x log^2 2x", 0.7, lambda x: x * math.log(2 * x) ** 2),
    ("e^x sin x", 0.7, lambda x: math.exp(x) * math.sin(x)),
    ("sinx", 0.7, lambda x: math.sin(x)),
    ("xsin(1)", 0.7, lambda x: x * math.sin(1)),
    ("2xsinx", 0.7, lambda x: 2 * x * math.sin(x)),
    # the functions and their other names
    ("sec(x) + csc(x) + cot(x)", 0.7, lambda x: 1 / math.cos(x) + 1 / math.sin(x) + math.cos(x) / math.sin(x)),
    ("asin(x) + arccos(x) + arctan(x) + atan(x)", 0.3,
     lambda x: math.asin(x) + math.acos(x) + 2 * math.atan(x)),
    ("asinh(x) + arcosh(x + 2) + artanh(x) + sech(x) + csch(x) + coth(x)", 0.3,
     lambda x: math.asinh(x) + math.acosh(x + 2) + math.atanh(x) + 1 / math.cosh(x) + 1 / math.sinh(x)
     + 1 / math.tanh(x)),
    ("sigma(x) - logistic(x) + softplus(x) + logsigmoid(x)", 0.3,
     lambda x: math.log(1 + math.exp(x)) + math.log(sigmoid(x))),
    ("max(x, 0) + min(x, 1, -x) + sign(x) + sgn(-x)", -0.3, lambda x: max(x, 0) + min(x, 1, -x)),
    ("log10(x) + log2(x) + cbrt(-x)", 8.0, lambda x: math.log10(x) + math.log2(x) - 2.0),
    ("Sin(x) + EXP(x)", 0.3, lambda x: math.sin(x) + math.exp(x)),
    # absolute-value bars
    ("|x|", -1.5, lambda x: abs(x)),
    ("|x - 3| + 1", 1.0, lambda x: abs(x - 3) + 1),
    ("||x| - 2|", -0.5, lambda x: abs(abs(x) - 2)),
    ("2|x|", -1.5, lambda x: 2 * abs(x)),
    ("|x|x", -1.5, lambda x: abs(x) * x),
    ("(|x| + x)/2", -1.5, lambda x: (abs(x) + x) / 2),
    ("max(|x|, 1)", -1.5, lambda x: max(abs(x), 1)),
    # Unicode a student pastes
    ("x\u2212 1", 3.0, lambda x: x - 1),  # typographic minus
    ("2\u00d7x", 3.0, lambda x: 2 * x),  # multiplication sign
    ("2\u00b7x \u00f7 4", 3.0, lambda x: 2 * x / 4),  # middle dot, division sign
    ("\uff12x\uff0b\uff11", 3.0, lambda x: 2 * x + 1),  # fullwidth digits and plus
    ("3*\uff08x-2\uff09^2", 3.0, lambda x: 3 * (x - 2) ** 2),  # fullwidth parentheses
    ("x\u00b2 + x\u00b3", 3.0, lambda x: x ** 2 + x ** 3),  # superscripts
    ("e\u207b\u02e3", 1.5, lambda x: math.exp(-x)),  # e to the superscript -x
    ("x\u207b\u00b9", 4.0, lambda x: 1 / x),
    ("sin\u00b2x + cos\u00b2x", 0.4, lambda x: 1.0),
    ("1 \u2212 tanh\u00b2(x)", 0.4, lambda x: 1 - math.tanh(x) ** 2),
    ("\u221ax + 2\u221a(x+1)", 3.0, lambda x: math.sqrt(x) + 2 * math.sqrt(x + 1)),
    ("\u03c3(x)(1\u2212\u03c3(x))", 0.3, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    ("\u03c0x + \u212f^x", 0.3, lambda x: math.pi * x + math.e ** x),
    ("x\u00bd", 4.0, lambda x: x * 0.5),  # vulgar fraction
    ("|x\u2223 + \u2223x|", -2.0, lambda x: 2 * abs(x)),
]


@pytest.mark.parametrize("text,x,expected", PRECEDENCE, ids=[p[0] for p in PRECEDENCE])
def test_reading_matches_written_mathematics(text, x, expected):
    assert value(text, x=x) == pytest.approx(expected(x), rel=1e-12)


# A power belongs to its own factor, also when the factors are typed as one run of letters (issue #12).
@pytest.mark.parametrize("text,env,expected", [
    ("xy^2", {"x": 2.0, "y": 3.0}, 2 * 3 ** 2),
    ("nm^(-1)", {"n": 2.0, "m": 4.0}, 2 / 4),
    ("-4xy^2 + 3z", {"x": 2.0, "y": 3.0, "z": 5.0}, -4 * 2 * 9 + 15),
    ("wx^2", {"w": 2.0, "x": 3.0}, 2 * 9),
    ("rhoL^3", {"rho": 2.0, "L": 3.0}, 2 * 27),
    ("xy + 2yz", {"x": 2.0, "y": 3.0, "z": 5.0}, 2 * 3 + 2 * 3 * 5),
    ("Bexp(x)exp(x)", {"B": 2.0, "x": 0.5}, 2 * math.exp(1.0)),
    ("1+\u03bc0", {"mu0": 2.0}, 3.0),  # Greek mu in a variable name
    ("2\u00d7\u03b1^2", {"alpha": 3.0}, 18.0),
    ("5mn sin m + arccos 3n", {"m": 0.5, "n": 0.2}, 5 * 0.5 * 0.2 * math.sin(0.5) + math.acos(0.6)),
    ("a|x+b|y||", {"a": 2.0, "b": 3.0, "x": -7.0, "y": -1.0}, 2 * abs(-7 + 3 * abs(-1))),
    ("|x|a+|y|", {"a": 2.0, "x": -3.0, "y": -1.0}, 3 * 2 + 1),
    ("|x + |y||", {"x": -3.0, "y": 1.0}, 2.0),
    ("2\u03c0n", {"n": 2.0}, 4 * math.pi),
])
def test_runs_of_letters_split_into_declared_names(text, env, expected):
    assert value(text, MANY, **env) == pytest.approx(expected, rel=1e-12)


def test_implicit_products_of_declared_variables():
    assert value("xy + 2yz", x=2.0, y=3.0, z=5.0) == pytest.approx(2 * 3 + 2 * 3 * 5)


@pytest.mark.parametrize("text", ["2x", "3(x+1)", "x y", "x(x+1)", "2 sin(x)"])
def test_implicit_multiplication_can_be_disabled(text):
    with pytest.raises(FormatError, match="missing '\\*'"):
        parse(text, XYZ, implicit_multiplication=False)
    explicit = {"2x": "2*x", "3(x+1)": "3*(x+1)", "x y": "x*y", "x(x+1)": "x*(x+1)", "2 sin(x)": "2*sin(x)"}[text]
    assert parse(explicit, XYZ, implicit_multiplication=False) == parse(text, XYZ)


def test_without_implicit_multiplication_names_are_not_split_and_functions_need_parentheses():
    with pytest.raises(FormatError, match="unknown variable or function 'xy'"):
        parse("xy", XYZ, implicit_multiplication=False)
    with pytest.raises(FormatError, match="needs parentheses"):
        parse("sin x", XYZ, implicit_multiplication=False)


def test_a_declared_name_wins_over_splitting_and_functions_over_variables_runs():
    assert parse("xy", ("x", "y", "xy")) == Node("var", (), "xy")
    assert parse("asin(x)", ("a", "x")) == Node("call", (Node("var", (), "x"),), "asin")
    assert parse("sigma", ("sigma",)) == Node("var", (), "sigma")  # a variable named sigma is a variable


@pytest.mark.parametrize("text", [t for t, _, _ in PRECEDENCE] + ["x - (y - z)", "-(-x)", "(x^2)^3", "(-x)^2",
                                                                   "x^(y+1)", "2^-x", "x/(y*z)", "x*(y/z)",
                                                                   "max(x, y, z)", "x^-y^2", "-x*-y"])
def test_canonical_text_parses_back_to_the_same_tree(text):
    tree = parse(text, XYZ)
    canonical = to_text(tree)
    assert parse(canonical, XYZ, implicit_multiplication=False) == tree
    assert to_text(parse(canonical, XYZ)) == canonical
    assert canonical.isascii()


def test_tree_is_immutable():
    tree = parse("x + 1", XYZ)
    assert isinstance(tree, Node)
    with pytest.raises(AttributeError):
        tree.op = "sub"  # type: ignore[misc]


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("   ", "empty"),
    ("foo(x)", "unknown variable or function 'foo' at position 1; variables: x, y, z; functions such as exp"),
    ("x + w", "unknown variable or function 'w' at position 5"),
    ("2\u03c7", "unknown variable or function '\u03c7' (U+03C7 GREEK SMALL LETTER CHI) at position 2"),
    ("sin", "needs its argument in parentheses"),
    ("sin + x", "function 'sin' at position 1 needs its argument in parentheses"),
    ("sin -x", "needs its argument in parentheses, like sin(x)"),
    ("max x", "needs parentheses, like max(x, 0)"),
    ("max(x)", "takes two or more arguments"),
    ("log(x, 2)", "takes one argument"),
    ("sin^-1(x)", "ambiguous: write asin(x) or arcsin(x)"),
    ("sin^0.5(x)", "must be a whole number"),
    ("(x + 1", "unclosed '(' (the first at position 1"),
    ("x + 1)", "unmatched ')' at position 6"),
    ("x +", "ends too early"),
    ("2 3", "missing operator before the number '3' at position 3"),
    ("x 2", "missing operator before the number '2' at position 3"),
    ("x $ 2", "character '$' at position 3 is not allowed"),
    ("x\u200b", "U+200B ZERO WIDTH SPACE) at position 2"),
    ("y = 2x", "'=' at position 3: type only the formula"),
    ("1e999", "too large"),
    ("x^(10^7)", "exponent at position 2 is too large"),
    ("9^9^9", "exponent at position 2 is too large"),
    ("|x", "bars do not pair up (the first is at position 1)"),
    ("x|", "bars do not pair up"),
    ("(x|)|", "bars do not pair up"),
])
def test_malformed_input_has_a_message_saying_what_and_where(text, message):
    with pytest.raises(FormatError) as err:
        parse(text, XYZ)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_positions_count_characters_as_typed_not_as_normalised():
    # "σ" becomes "sigma" and "²" becomes "^(2)" before parsing; the position is still where it was typed
    with pytest.raises(FormatError, match="at position 7"):
        parse("\u03c3(x)\u00b2 $", XYZ)
    with pytest.raises(FormatError, match="unknown variable or function 'q' at position 4"):
        parse("x\u00b2+q", XYZ)


@pytest.mark.parametrize("text,x,expected", [
    ("x^200", 1.01, 1.01 ** 200),
    ("(1 + x)^1000", 1e-3, 1.001 ** 1000),
    ("2^900 x", 1.0, 2.0 ** 900),
    ("x^(3*50)", 1.1, 1.1 ** 150),
])
def test_constant_exponents_above_100_are_read_and_evaluated(text, x, expected):
    assert value(text, x=x) == pytest.approx(expected, rel=1e-12)


def test_limits_name_themselves():
    with pytest.raises(FormatError, match=f"at most {MAX_EXPR_CHARS}"):
        parse("x+" * MAX_EXPR_CHARS + "x", XYZ)
    with pytest.raises(FormatError, match=f"nested more than {MAX_DEPTH}"):
        parse("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), XYZ)
    with pytest.raises(FormatError, match=f"nested more than {MAX_DEPTH}"):
        parse("-" * (MAX_DEPTH + 5) + "x", XYZ)
    with pytest.raises(FormatError, match=f"bars are nested more than {MAX_DEPTH}"):
        parse("|" * (MAX_DEPTH + 1) + "x" + "|" * (MAX_DEPTH + 1), XYZ)
    with pytest.raises(FormatError, match=f"more than {MAX_NODES}"):
        parse("+".join(["x"] * (MAX_NODES // 2 + 10)), XYZ)
    # just inside the limits still parses
    assert parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, XYZ) == parse("x", XYZ)


def test_evaluation_is_undefined_not_an_error_outside_the_domain():
    xs = np.array([-1.0, 0.0, 1.0, 800.0])
    out = evaluate(parse("log(x) + 1/x + sqrt(x) + exp(x)", ("x",)), {"x": xs}, 4)
    assert not np.isfinite(out[:2]).any()
    assert np.isfinite(out[2])
    assert not np.isfinite(out[3])  # exp(800) overflows floats: not a value, not an exception
    assert evaluate_scalar(parse("x^x^x", ("x",)), {"x": 50.0}) is None
