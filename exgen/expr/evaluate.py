"""Evaluate a parsed formula at many points at once with numpy floats.

Overflow, division by zero and domain errors never raise: they give ``nan``/``inf``, which callers read as
"undefined at this point". Magnitudes beyond ``MAX_MAGNITUDE`` are treated as infinite, so a tower of
powers cannot produce a value that later arithmetic silently turns finite again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from exgen.expr.parser import Node

MAX_MAGNITUDE = 1e150

_CONSTANTS = {"e": math.e, "pi": math.pi}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


_FUNCS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "sigmoid": _sigmoid,
    "relu": lambda z: np.maximum(z, 0.0), "abs": np.abs,
}


def _cap(values: np.ndarray) -> np.ndarray:
    return np.where(np.abs(values) > MAX_MAGNITUDE, np.inf, values)


def evaluate(node: Node, env: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    """Return the formula's values at ``size`` points (``nan``/``inf`` where undefined).

    Args:
        node: a parsed formula.
        env: each variable's values, arrays of length ``size``.
        size: the number of points.

    Returns:
        A float array of length ``size``.
    """
    with np.errstate(all="ignore"):
        return _eval(node, env, size)


def _eval(node: Node, env: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    op = node.op
    if op == "num":
        return np.full(size, node.number)
    if op == "const":
        return np.full(size, _CONSTANTS[str(node.value)])
    if op == "var":
        return np.asarray(env[str(node.value)], dtype=float)
    args = [_eval(a, env, size) for a in node.args]
    if op == "neg":
        return -args[0]
    if op == "add":
        out = args[0] + args[1]
    elif op == "sub":
        out = args[0] - args[1]
    elif op == "mul":
        out = args[0] * args[1]
    elif op == "div":
        out = np.where(args[1] == 0, np.nan, args[0] / np.where(args[1] == 0, 1.0, args[1]))
    elif op == "pow":
        base, expo = args
        out = np.power(base, expo)
        out = np.where((base == 0) & (expo < 0), np.nan, out)
    elif op == "call":
        out = _FUNCS[str(node.value)](args[0])
    else:  # pragma: no cover - the parser makes no other nodes
        raise ValueError(f"unknown node {op!r}")
    return _cap(out)


def evaluate_scalar(node: Node, env: Mapping[str, float]) -> float | None:
    """Return the formula's value at one point, or None where it is undefined."""
    arrays = {k: np.array([float(v)]) for k, v in env.items()}
    value = float(evaluate(node, arrays, 1)[0])
    return value if math.isfinite(value) else None
