"""Calculus types over many seeds, checked against independent computations.

The generated function is read back with sympy's own parser (our generated text, not a student's) and
differentiated with ``sympy.diff``; derivative formulas and values are compared with it and with central
differences computed here with ``sympy.lambdify`` and numpy. The key, typed as a student would, must score
full marks through ``grade_part``; each known wrong answer must score less and get its own feedback.

The default run checks ``QUICK`` seeds per type and difficulty mix; ``-m slow`` runs 500 seeds per type.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from exgen.answers import get_kind, grade_part
from exgen.build.seeding import rng_for
from exgen.instance import Instance
from exgen.types import get_type
from tests.conftest import seed_sweep

QUICK = 9
FULL = 500
DIFFICULTIES = ("easy", "medium", "hard")
X, Y, Z, U = sp.symbols("x y z u")
_LOCALS = {"sigmoid": lambda z: 1 / (1 + sp.exp(-z)), "relu": lambda z: sp.Max(z, 0), "abs": sp.Abs,
           "log": sp.log, "ln": sp.log, "e": sp.E, "pi": sp.pi, "x": X, "y": Y, "z": Z, "u": U}


def sym(text: str) -> sp.Expr:
    """Read one of OUR generated formulas with sympy's parser (independent of exgen's parser)."""
    return sp.parse_expr(text.replace("^", "**"), local_dict=dict(_LOCALS))


def fn(expr, variables):
    return sp.lambdify(variables, expr, "numpy")


def points(domain: dict, variables, n=12, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(*domain[str(v)], size=n) for v in variables]


def central(f, args, i, h=1e-5):
    up = [a + h if k == i else a for k, a in enumerate(args)]
    down = [a - h if k == i else a for k, a in enumerate(args)]
    return (f(*up) - f(*down)) / (2 * h)


def build(type_name: str, seed: int):
    typ = get_type(type_name)
    difficulty = DIFFICULTIES[seed % 3]
    params, problems = typ.resolve_params({"difficulty": difficulty})
    assert not problems
    inst = typ.build(exercise_id="ex", title=None, points=10, params=params, rng=rng_for(seed, "s", type_name))
    again = Instance.from_dict(json.loads(json.dumps(inst.to_dict())))
    assert again == inst, "JSON round trip"
    return inst


def check_grading(inst: Instance) -> None:
    """Key typed as a student would: full marks; each known wrong answer: less, with its feedback."""
    for part in inst.parts:
        kind = get_kind(part.kind)
        score = grade_part(part, kind.typed(part.answer, part))
        assert score.verdict == "correct" and score.points == part.points, (part.id, part.answer)
        assert part.wrong_answers, f"part {part.id} has no known wrong answers"
        for wrong in part.wrong_answers:
            wkind = get_kind(wrong.kind or part.kind)
            score = grade_part(part, wkind.typed(wrong.value, part))
            assert score.points < part.points, (part.id, wrong.tag)
            assert score.feedback == wrong.feedback and score.tag == wrong.tag, (part.id, wrong.tag, score)


def close(a, b, rel=1e-6, abs_=1e-8):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.all(np.abs(a - b) <= abs_ + rel * np.abs(b))


# -- derivative --------------------------------------------------------------------------------------------

def check_derivative(seed: int) -> None:
    inst = build("derivative", seed)
    f = sym(inst.given["f"]["expr"])
    x0, h = inst.given["x0"], inst.given["h"]
    exact = sp.diff(f, X)
    formula, value, cd = inst.parts
    key = sym(formula.answer["expr"])
    xs = points(formula.options["domain"], [X], seed=seed)
    assert close(fn(key, [X])(*xs), fn(exact, [X])(*xs)), (inst.given["f"], formula.answer)
    assert close(fn(key, [X])(*xs), central(fn(f, [X]), xs, 0), rel=1e-4, abs_=1e-5)
    assert close(value.answer, float(exact.subs(X, x0)), rel=1e-8)
    assert close(value.answer, central(fn(f, [X]), [np.array(x0)], 0, h=1e-6), rel=1e-4, abs_=1e-5)
    fx = fn(f, [X])
    assert close(cd.answer, (fx(x0 + h) - fx(x0 - h)) / (2 * h), rel=1e-8)
    check_grading(inst)


@pytest.mark.parametrize("seed", range(QUICK))
def test_derivative(seed):
    check_derivative(seed)


@pytest.mark.slow
def test_derivative_many_seeds():
    for seed in range(FULL):
        check_derivative(seed)


# -- chain rule --------------------------------------------------------------------------------------------

def check_chain_rule(seed: int) -> None:
    inst = build("chain_rule", seed)
    h = sym(inst.given["h"]["expr"])
    x0 = inst.given["x0"]
    inner, outer, derivative, value = inst.parts
    g, f = sym(inner.answer["expr"]), sym(outer.answer["expr"])
    xs = points(derivative.options["domain"], [X], seed=seed)
    # the decomposition recomposes to h
    assert close(fn(f.subs(U, g), [X])(*xs), fn(h, [X])(*xs)), (inst.given["h"], inner.answer, outer.answer)
    exact = sp.diff(h, X)
    key = sym(derivative.answer["expr"])
    assert close(fn(key, [X])(*xs), fn(exact, [X])(*xs)), (inst.given["h"], derivative.answer)
    assert close(fn(key, [X])(*xs), central(fn(h, [X]), xs, 0), rel=1e-4, abs_=1e-5)
    assert close(value.answer, float(exact.subs(X, x0)), rel=1e-8)
    assert close(value.answer, central(fn(h, [X]), [np.array(x0)], 0, h=1e-6), rel=1e-4, abs_=1e-5)
    tags = {w.tag for w in derivative.wrong_answers}
    assert {"forgot-inner-derivative", "outer-derivative-at-x", "sign-error"} <= tags
    check_grading(inst)


@pytest.mark.parametrize("seed", range(QUICK))
def test_chain_rule(seed):
    check_chain_rule(seed)


@pytest.mark.slow
def test_chain_rule_many_seeds():
    for seed in range(FULL):
        check_chain_rule(seed)


# -- gradient ----------------------------------------------------------------------------------------------

def check_gradient(seed: int) -> None:
    inst = build("gradient", seed)
    names = inst.given["variables"]
    syms = [sp.Symbol(n) for n in names]
    f = sym(inst.given["f"]["expr"])
    point, lr = inst.given["point"], inst.given["learning_rate"]
    partial_parts, grad_part, step_part = inst.parts[:-2], inst.parts[-2], inst.parts[-1]
    assert len(partial_parts) == len(names)
    f_num = fn(f, syms)
    for i, (v, part) in enumerate(zip(syms, partial_parts)):
        exact = sp.diff(f, v)
        key = sym(part.answer["expr"])
        ps = points(part.options["domain"], syms, seed=seed)
        assert close(fn(key, syms)(*ps), fn(exact, syms)(*ps)), (inst.given["f"], part.answer)
        assert close(fn(key, syms)(*ps), central(f_num, ps, i), rel=1e-4, abs_=1e-5)
    at = dict(zip(syms, point))
    grad = [float(sp.diff(f, v).subs(at)) for v in syms]
    numeric = [float(central(f_num, [np.array(p) for p in point], i, h=1e-6)) for i in range(len(syms))]
    assert close(grad_part.answer, grad, rel=1e-8) and close(grad_part.answer, numeric, rel=1e-4, abs_=1e-5)
    assert close(step_part.answer, [p - lr * g for p, g in zip(point, grad)], rel=1e-8)
    check_grading(inst)


@pytest.mark.parametrize("seed", range(QUICK))
def test_gradient(seed):
    check_gradient(seed)


@pytest.mark.slow
def test_gradient_many_seeds():
    for seed in range(FULL):
        check_gradient(seed)


# -- matrix gradient ---------------------------------------------------------------------------------------

def check_matrix_gradient(seed: int) -> None:
    inst = build("matrix_gradient", seed)
    g = inst.given
    m, n = g["shape"]
    # L as a sympy function of symbolic W entries, differentiated entry by entry
    W = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"w{i}{j}"))
    if g["loss"] == "sum_product":
        A = sp.Matrix(g["A"])
        L = sum(W[i, j] * A[i, j] for i in range(m) for j in range(n))
        at = {}
    elif g["loss"] == "bilinear":
        L = (sp.Matrix([g["a"]]) * W * sp.Matrix(g["b"]))[0, 0]
        at = {}
    else:
        y = sp.Matrix([g["x"]]) * W
        L = sum(v ** 2 for v in y)
        at = {W[i, j]: g["W"][i][j] for i in range(m) for j in range(n)}
    exact = [[float(sp.diff(L, W[i, j]).subs(at)) for j in range(n)] for i in range(m)]
    shape_part, entries = inst.parts
    assert tuple(shape_part.answer) == (m, n) == np.shape(entries.answer)
    assert close(entries.answer, exact, rel=1e-12)
    if g["loss"] == "squared":  # central differences on the numeric loss
        Wn = np.array(g["W"], dtype=float)
        loss = lambda M: float(np.sum((np.array(g["x"]) @ M) ** 2))  # noqa: E731
        numeric = np.zeros((m, n))
        for i in range(m):
            for j in range(n):
                E = np.zeros((m, n))
                E[i, j] = 1e-5
                numeric[i, j] = (loss(Wn + E) - loss(Wn - E)) / 2e-5
        assert close(entries.answer, numeric, rel=1e-5, abs_=1e-5)
    assert "transposed" in {w.tag for w in entries.wrong_answers}
    check_grading(inst)


@pytest.mark.parametrize("seed", range(QUICK))
def test_matrix_gradient(seed):
    check_matrix_gradient(seed)


@pytest.mark.slow
def test_matrix_gradient_many_seeds():
    for seed in range(FULL):
        check_matrix_gradient(seed)


@seed_sweep(8, 60)
def test_chain_rule_prints_no_leading_minus(seeds):
    """h = -tanh^5(...) reads as f = -u^5 of g = tanh(...), a split the key would not accept: never drawn."""
    typ = get_type("chain_rule")
    params, _ = typ.resolve_params({"levels": 3})
    for seed in seeds:
        inst = typ.build(exercise_id="c", title=None, points=None, params=params, rng=rng_for(seed, "s", "c"))
        h, g = inst.given["h"], inst.parts[0].answer
        assert not h["expr"].startswith("-") and not h["latex"].startswith("-"), h
        assert not g["expr"].startswith("-") and g["expr"] in h["expr"], (h, g)
