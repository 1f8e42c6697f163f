"""Helpers shared by the backpropagation types (backprop_node, backprop_graph, batch_shapes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from exgen.answers import MATRIX, SCALAR, KindName
from exgen.formatting import bmatrix, tex_num
from exgen.i18n import _
from exgen.instance import WrongAnswer
from exgen.types.graphs import to_json

#: Values are small integers, so every answer is exact; the tolerance only absorbs typing of decimals.
TOL = {"abs": 1e-6, "rel": 1e-9}


def ints(rng: np.random.Generator, shape: tuple[int, ...] | tuple[()], hi: int) -> np.ndarray:
    """Return non-zero integers in [-hi, hi] as floats (a 0-d array for ``shape == ()``)."""
    mags = rng.integers(1, hi + 1, size=shape)
    signs = rng.choice(np.array([-1, 1]), size=shape)
    return np.asarray(mags * signs, dtype=float)


def tex(value: Any) -> str:
    """Return a value as display math: a number, or a ``bmatrix`` for an array."""
    v = to_json(value)
    return bmatrix(v) if isinstance(v, list) else tex_num(v)


def same(a: Any, b: Any) -> bool:
    """Return whether two values have the same shape and (nearly) the same entries."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, atol=1e-9, rtol=0))


def wrongs(correct: Any, candidates: Iterable[tuple[Any, str, str]]) -> list[WrongAnswer] | None:
    """Return the known wrong answers, or None when one of them equals the correct answer.

    Candidates whose value is None (the formula does not apply to these shapes) are dropped, and a
    candidate equal to an earlier one is dropped so each value has one feedback.
    """
    out: list[WrongAnswer] = []
    seen: list[Any] = []
    for value, tag, feedback in candidates:
        if value is None:
            continue
        if same(value, correct):
            return None
        if any(same(value, s) for s in seen):
            continue
        seen.append(value)
        out.append(WrongAnswer(value=to_json(value), tag=tag, feedback=feedback))
    return out


def safe(fn) -> Any:
    """Return ``fn()``, or None when its shapes do not fit (a formula that does not apply)."""
    try:
        return fn()
    except ValueError:
        return None


def dL(name: str) -> str:
    """Return the TeX of ``dL/d<name>``."""
    return rf"\frac{{\partial L}}{{\partial {name}}}"


def kind_of(value: Any) -> KindName:
    return SCALAR if np.asarray(value).ndim == 0 else MATRIX


def asked(scalar: str, array: str, value: Any, **values: Any) -> str:
    """Return a prompt asking for ``value``, translated: the ``scalar`` message, or for an array the ``array``
    message, which also gets its shape as ``%(rows)d`` and ``%(cols)d`` (both messages marked with ``N_``)."""
    arr = np.asarray(value)
    if arr.ndim == 0:
        return _(scalar) % values
    return _(array) % {**values, "rows": arr.shape[0], "cols": arr.shape[1]}
