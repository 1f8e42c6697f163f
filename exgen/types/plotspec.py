"""What an exercise's plot shows, as a small JSON-native *spec* that ``exgen.render.plots`` draws.

A type declares its plot by overriding ``ExerciseType.plot_spec(instance)`` and returning one of these
specs (or None). The spec names a formula in exgen's syntax and the points to mark; the samples, axes and
markup are made at render time, the same for every format.
"""

from __future__ import annotations

from collections.abc import Sequence


def tangent_spec(expr: str, *, x0: float, var: str = "x", slope: float | None = None, span: float = 2.5) -> dict:
    """Return the plot spec of ``f`` (canonical formula text in ``var``) with its tangent at ``x0``.

    Args:
        expr: the function as canonical text (``exgen.expr`` syntax), e.g. ``x^2 - 3*x``.
        x0: the point of tangency.
        var: the variable's name.
        slope: the exact derivative at ``x0`` (default: a central difference).
        span: half the width of the plotted interval.
    """
    return {"kind": "tangent", "expr": expr, "var": var, "x0": float(x0),
            "slope": None if slope is None else float(slope), "span": float(span)}


def descent_spec(expr: str, *, steps: Sequence[float], var: str = "x") -> dict:
    """Return the plot spec of gradient-descent iterates ``steps`` (x_0, x_1, ...) on the curve of ``f``."""
    return {"kind": "descent", "expr": expr, "var": var, "steps": [float(s) for s in steps]}


def line_spec(expr: str, *, variables: Sequence[str], point: Sequence[float], direction: Sequence[float],
              step: float) -> dict:
    """Return the spec of a gradient-descent step of a multi-variable ``f``, seen along its direction.

    The curve is ``t -> f(point + t * direction)``; the step goes from ``t = 0`` to ``t = step``.
    """
    return {"kind": "descent", "expr": expr, "var": "t", "variables": list(variables),
            "origin": [float(p) for p in point], "direction": [float(d) for d in direction],
            "steps": [0.0, float(step)]}


def numeric_gradient(expr: str, names: Sequence[str], point: Sequence[float], h: float = 1e-5) -> list[float]:
    """Return the gradient of ``expr`` at ``point`` by central differences (0 where ``f`` is undefined)."""
    from exgen.expr.evaluate import evaluate_scalar
    from exgen.expr.parser import parse

    node = parse(expr, tuple(names), implicit_multiplication=False)
    out = []
    for i in range(len(names)):
        up = {n: p + (h if j == i else 0.0) for j, (n, p) in enumerate(zip(names, point))}
        down = {n: p - (h if j == i else 0.0) for j, (n, p) in enumerate(zip(names, point))}
        a, b = evaluate_scalar(node, up), evaluate_scalar(node, down)
        out.append(0.0 if a is None or b is None else (a - b) / (2 * h))
    return out
