"""The distinguishability rule: no common mistake of a type's list scores full marks on any part.

Two sources of mistakes are graded, through the grader itself (``grade_part``), as a student would type
them (exactly, and for calculator parts also rounded to 4 significant digits and to 3 decimals):

- every wrong answer the instance stores (the type's mistakes applied to the draw); each carries a tag
  from the type's declared list, and over the seeds every declared mistake occurs;
- mistakes recomputed here, independently, from the given data with numpy or sympy: the transposes, sign
  errors, f for f', forgotten inner derivatives, swapped orders, "no step" and the rest of each topic.

The default run checks a few dozen seeds per type; ``-m slow`` checks 2,000 seeds per type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
import sympy as sp

from exgen.answers import CHOICE, EXPRESSION, MATRIX, SCALAR, SHAPE, get_kind, grade_part
from exgen.instance import Instance, Part
from exgen.types import get_type
from tests.types.variants import TYPES, build

QUICK = {"derivative": 9, "gradient": 9, "chain_rule": 9}
QUICK_DEFAULT = 30
FULL = 2000
X, U = sp.symbols("x u")
_LOCALS = {"sigmoid": lambda z: 1 / (1 + sp.exp(-z)), "log": sp.log, "exp": sp.exp, "tanh": sp.tanh,
           "sqrt": sp.sqrt, "e": sp.E, "x": X, "u": U}


def sym(text: str, *names: str) -> sp.Expr:
    """Read one of OUR generated formulas with sympy's parser (not exgen's)."""
    local = {**_LOCALS, **{n: sp.Symbol(n) for n in names}}
    return sp.parse_expr(text.replace("^", "**"), local_dict=local)


def text_of(expr: sp.Expr) -> dict:
    """A sympy formula as a stored formula value, typed as a student would (sigmoid as 1/(1 + exp(-z)))."""
    return {"expr": sp.sstr(expr).replace("**", "^")}


def calculator(part: Part) -> bool:
    """Whether the part accepts a calculator's rounding (a tolerance of 0.001 or more)."""
    tol = part.tolerance or {}
    return float(tol.get("abs", 0)) >= 1e-3 or float(tol.get("rel", 0)) >= 1e-3


def typings(part: Part, value, kind: str) -> Iterator[str]:
    """The ways a student who made the mistake may type its value."""
    k = get_kind(kind)
    yield k.typed(value, part)
    if k.numeric and kind == part.kind and calculator(part):
        arr = np.asarray(json.loads(json.dumps(value)), dtype=float)
        for fmt in ("{:.4g}", "{:.3f}"):
            rounded = [fmt.format(v) for v in arr.ravel()]
            if arr.ndim == 0:
                yield rounded[0]
            elif arr.ndim == 1:
                yield "[" + ", ".join(rounded) + "]"
            else:
                cols = arr.shape[1]
                yield "[" + ", ".join("[" + ", ".join(rounded[r * cols:(r + 1) * cols]) + "]"
                                      for r in range(arr.shape[0])) + "]"


def assert_not_full(inst: Instance, part: Part, value, kind: str, tag: str) -> None:
    for text in typings(part, value, kind):
        score = grade_part(part, text)
        assert score.points < part.points, (inst.type, inst.given, part.id, part.prompt, tag, text)


def find(inst: Instance, needle: str) -> Part | None:
    found = [p for p in inst.parts if needle in p.prompt]
    assert len(found) <= 1, needle
    return found[0] if found else None


# --- mistakes recomputed here from the given data, per type: (part, tag, value, kind) -----------------

def matrix_basics(inst):
    a = np.array(inst.given["A"], dtype=float)
    r, c = a.shape
    i, j = inst.given["i"] - 1, inst.given["j"] - 1
    yield find(inst, "shape of $A$ (rows"), "shape-cols-first", [c, r], SHAPE
    yield find(inst, "transpose $A"), "not-transposed", a.tolist(), MATRIX
    yield find(inst, "shape of $A^\\top$"), "transpose-shape-unchanged", [r, c], SHAPE
    entry = find(inst, "What is the entry")
    if j < r and i < c:
        yield entry, "entry-indices-swapped", float(a[j, i]), SCALAR
    if i + 1 < r and j + 1 < c:
        yield entry, "entry-zero-based", float(a[i + 1, j + 1]), SCALAR
    vector = find(inst, "row vector or a column")
    yield vector, "row-column-confused", "row" if inst.given["v_is_column"] else "column", CHOICE


def dot_product(inst):
    a, b = (np.array(inst.given[k], dtype=float) for k in ("a", "b"))
    d = float(a @ b)
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    value, cosine = find(inst, "dot product $a"), find(inst, "cosine similarity")
    if value:
        yield value, "sign-error", -d, SCALAR
        yield value, "added-entries", float(a.sum() + b.sum()), SCALAR
        yield value, "product-of-lengths", norms, SCALAR
        yield value, "elementwise-not-summed", (a * b).tolist(), MATRIX
    if cosine:
        yield cosine, "not-normalised", d, SCALAR
        yield cosine, "sign-error", -d / norms, SCALAR
        yield cosine, "squared-lengths", d / norms ** 2, SCALAR
    angle = find(inst, "acute, a right angle")
    truth = "acute" if d > 0 else "obtuse" if d < 0 else "right"
    for other in {"acute", "right", "obtuse"} - {truth}:
        yield angle, "angle-from-sign", other, CHOICE


def matmul(inst):
    a, b = (np.array(inst.given[k], dtype=float) for k in ("A", "B"))
    c = a @ b
    (m, k), n = a.shape, b.shape[1]
    i, j = inst.given["i"] - 1, inst.given["j"] - 1
    product = find(inst, "Compute $C = AB$")
    yield product, "product-transposed", c.T.tolist(), MATRIX
    if b.shape[1] == a.shape[0]:
        yield product, "order-swapped", (b @ a).tolist(), MATRIX
    if a.shape == b.shape:
        yield product, "elementwise", (a * b).tolist(), MATRIX
    if j < m and i < n:
        yield find(inst, "Compute only the entry"), "entry-indices-swapped", float(c[j, i]), SCALAR
    shape = find(inst, "shape of $AB$")
    yield shape, "shape-transposed", [n, m], SHAPE
    yield shape, "inner-dimensions", [k, k], SHAPE
    (_p, q), (r, _s) = inst.given["P_shape"], inst.given["Q_shape"]
    yield find(inst, "Is the product $PQ$ defined"), "shape-rule", "no" if q == r else "yes", CHOICE


def matrix_gradient(inst):
    g = inst.given
    m, n = g["shape"]
    if g["loss"] == "sum_product":
        grad = np.array(g["A"], dtype=float)
    elif g["loss"] == "bilinear":
        grad = np.outer(g["a"], g["b"])
    else:
        x = np.array(g["x"], dtype=float)
        y = x @ np.array(g["W"], dtype=float)
        grad = 2 * np.outer(x, y)
    shape, entries = find(inst, "shape of $\\partial L"), find(inst, "Compute $\\partial L")
    yield shape, "transposed-shape", [n, m], SHAPE
    yield shape, "shape-of-loss", [1, 1], SHAPE
    yield entries, "transposed", grad.T.tolist(), MATRIX
    if g["loss"] == "squared":
        yield entries, "dropped-constant-factor", (grad / 2).tolist(), MATRIX
        yield entries, "forgot-inner-derivative", (2 * y).tolist(), MATRIX


def derivative(inst):
    f = sym(inst.given["f"]["expr"])
    x0, h = inst.given["x0"], inst.given["h"]
    fx = sp.lambdify(X, f, "numpy")
    yield find(inst, "Find the derivative"), "function-not-derivative", {"expr": inst.given["f"]["expr"]}, EXPRESSION
    yield find(inst, "Compute the slope"), "function-not-derivative", float(fx(x0)), SCALAR
    central = find(inst, "central difference")
    yield central, "forward-difference", float((fx(x0 + h) - fx(x0)) / h), SCALAR
    yield central, "dropped-constant-factor", float((fx(x0 + h) - fx(x0 - h)) / h), SCALAR
    yield central, "sign-error", float((fx(x0 - h) - fx(x0 + h)) / (2 * h)), SCALAR


def gradient(inst):
    names = inst.given["variables"]
    syms = [sp.Symbol(v) for v in names]
    f = sym(inst.given["f"]["expr"], *names)
    point, lr = np.array(inst.given["point"]), inst.given["learning_rate"]
    at = dict(zip(syms, point))
    g = np.array([float(sp.diff(f, v).subs(at)) for v in syms])
    grad = find(inst, "Compute the gradient")
    yield grad, "sign-error", (-g).tolist(), MATRIX
    yield grad, "swapped-order", g[::-1].tolist(), MATRIX
    step = find(inst, "gradient-descent step")
    yield step, "no-step", point.tolist(), MATRIX
    yield step, "ascent", (point + lr * g).tolist(), MATRIX
    yield step, "forgot-learning-rate", (point - g).tolist(), MATRIX
    yield step, "step-not-point", (-lr * g).tolist(), MATRIX
    yield step, "swapped-order", (point - lr * g[::-1]).tolist(), MATRIX


def real(expr) -> float | None:
    """A sympy number as a float, or None where the mistake gives no real number (log of a negative)."""
    value = complex(sp.N(expr))
    return value.real if value.imag == 0 and np.isfinite(value.real) else None


def chain_rule(inst):
    h = sym(inst.given["h"]["expr"])
    x0 = inst.given["x0"]
    inner, outer = find(inst, "inner function $g(x)$"), find(inst, "outer function $f(u)$")
    g, f = sym(inner.answer["expr"]), sym(outer.answer["expr"])
    fprime = sp.diff(f, U)
    value, formula = find(inst, "Compute $h'("), find(inst, "Find $h'(x)$")
    yield value, "function-not-derivative", real(h.subs(X, x0)), SCALAR
    yield value, "forgot-inner-derivative", real(fprime.subs(U, g).subs(X, x0)), SCALAR
    yield value, "outer-derivative-at-x", real((fprime.subs(U, X) * sp.diff(g, X)).subs(X, x0)), SCALAR
    yield value, "sign-error", real(-sp.diff(h, X).subs(X, x0)), SCALAR
    yield formula, "forgot-inner-derivative", text_of(fprime.subs(U, g)), EXPRESSION
    yield formula, "sign-error", text_of(-sp.diff(h, X)), EXPRESSION
    yield inner, "swapped-inner-outer", text_of(f.subs(U, X)), EXPRESSION
    yield outer, "swapped-inner-outer", text_of(g.subs(X, U)), EXPRESSION
    yield outer, "derivative-not-function", text_of(fprime), EXPRESSION


def _transposes(inst):
    for part in inst.parts:
        value = np.asarray(json.loads(json.dumps(part.answer)), dtype=float)
        if part.kind == MATRIX and value.ndim == 2:
            yield part, "transposed", value.T.tolist(), MATRIX


def backprop_node(inst):
    g = inst.given
    yield from _transposes(inst)
    node = g["node"]
    up = np.asarray(g["upstream"], dtype=float)
    if node == "add":
        x, y = np.asarray(g["x"], dtype=float), np.asarray(g["y"], dtype=float)
        for part in inst.parts:
            yield part, "forward-value", (x + y).tolist(), part.kind
            yield part, "add-as-multiply", (up * (y if part.id == "a" else x)).tolist(), part.kind
    elif node == "multiply":
        x, y = np.asarray(g["x"], dtype=float), np.asarray(g["y"], dtype=float)
        for part, me, other in ((inst.parts[0], x, y), (inst.parts[1], y, x)):
            yield part, "mul-not-swapped", (up * me).tolist(), part.kind
            yield part, "mul-as-add", up.tolist(), part.kind
            yield part, "local-only", other.tolist(), part.kind
    elif node == "branch":
        for gi in up:
            yield inst.parts[0], "branch-not-summed", gi.tolist(), inst.parts[0].kind
        yield inst.parts[0], "branch-averaged", up.mean(axis=0).tolist(), inst.parts[0].kind
    elif node == "repeat":
        yield inst.parts[0], "batch-averaged", up.mean(axis=0, keepdims=True).tolist(), MATRIX
        yield inst.parts[0], "one-copy", up[:1].tolist(), MATRIX
        yield inst.parts[0], "wrong-axis", up.sum(axis=1, keepdims=True).tolist(), MATRIX
    elif node == "sum":
        x = np.asarray(g["x"], dtype=float)
        n = x.shape[0]
        yield inst.parts[0], "batch-averaged", np.repeat(up / n, n, axis=0).tolist(), MATRIX
        yield inst.parts[0], "times-input", (x * up).tolist(), MATRIX
    else:
        x, w = np.asarray(g["x"], dtype=float), np.asarray(g["W"], dtype=float)
        dx, dw = inst.parts
        yield dx, "wrong-order", (w @ up.T).tolist(), MATRIX
        yield dw, "wrong-order", (up.T @ x).tolist(), MATRIX
        yield dw, "batch-averaged", (x.T @ up / x.shape[0]).tolist(), MATRIX
        if up.shape == w.shape:
            yield dx, "elementwise", (up * w).tolist(), MATRIX


def backprop_graph(inst):
    yield from _transposes(inst)
    g, family = inst.given, inst.context["family"]
    loss = find(inst, "find $L$")
    if loss is None or family == "scalar":
        return
    x, c = np.asarray(g["x"], dtype=float), np.asarray(g["c"], dtype=float)
    if family == "affine":
        s = x @ np.asarray(g["W"], dtype=float) + np.asarray(g["b"], dtype=float)
    else:
        s = x @ np.asarray(g["W1"], dtype=float) @ np.asarray(g["W2"], dtype=float)
    yield loss, "forward-mean", float((s * c).mean()), SCALAR


def batch_shapes(inst):
    z = inst.given["sizes"]
    N, D, H, C = z["N"], z["D"], z["H"], z["C"]
    shapes = {"x": [N, D], "W": [D, H], "b": [1, H], "dy": [N, H], "W2": [H, C], "h": [N, H], "ds": [N, C]}
    confusions = {"y": [("shape-of-W", "W"), ("shape-of-x", "x"), ("bias-shape", "b")],
                  "dx": [("shape-of-dy", "dy"), ("shape-of-W", "W")], "dW": [("shape-of-dy", "dy")],
                  "db": [("bias-not-summed", "dy")], "s": [("shape-of-W", "W2"), ("shape-of-h", "h")],
                  "dh": [("shape-of-ds", "ds"), ("shape-of-W", "W2")],
                  "dW1": [("shape-of-W2", "W2"), ("shape-of-h", "h")]}
    for part in inst.parts:
        if part.kind != SHAPE:
            continue
        yield part, "transposed", list(part.answer)[::-1], SHAPE
        for tag, other in confusions[part.options["means"]]:
            yield part, tag, shapes[other], SHAPE


ORACLES = {"matrix_basics": matrix_basics, "dot_product": dot_product, "matmul": matmul,
           "matrix_gradient": matrix_gradient, "derivative": derivative, "gradient": gradient,
           "chain_rule": chain_rule, "backprop_node": backprop_node, "backprop_graph": backprop_graph,
           "batch_shapes": batch_shapes}


def check_seeds(type_name: str, seeds) -> None:
    declared = {m.tag for m in get_type(type_name).mistakes}
    seen: set[str] = set()
    for seed in seeds:
        inst = build(type_name, seed)
        for part in inst.parts:
            for wrong in part.wrong_answers:
                assert wrong.tag in declared, (type_name, wrong.tag)
                seen.add(wrong.tag)
                assert_not_full(inst, part, wrong.value, wrong.kind or part.kind, wrong.tag)
        for part, tag, value, kind in ORACLES[type_name](inst):
            if part is None or value is None:  # the part is not asked, or the mistake gives no value
                continue
            assert tag in declared, (type_name, tag)
            assert_not_full(inst, part, value, kind, tag)
    return seen


def test_every_type_has_an_oracle_and_declares_its_mistakes():
    assert set(ORACLES) == set(TYPES)
    for name in TYPES:
        tags = [m.tag for m in get_type(name).mistakes]
        assert tags and len(tags) == len(set(tags)), name
        assert all(m.description.endswith(".") and m.description[0].isupper() for m in get_type(name).mistakes)


@pytest.mark.parametrize("type_name", TYPES)
def test_no_common_mistake_scores(type_name):
    check_seeds(type_name, range(QUICK.get(type_name, QUICK_DEFAULT)))


@pytest.mark.slow
@pytest.mark.parametrize("type_name", TYPES)
def test_no_common_mistake_scores_2000_seeds(type_name):
    seen = check_seeds(type_name, range(FULL))
    declared = {m.tag for m in get_type(type_name).mistakes}
    assert seen == declared, f"{type_name}: declared mistakes never applied: {sorted(declared - seen)}"
