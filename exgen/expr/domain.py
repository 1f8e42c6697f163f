"""Where to sample a formula: the box the part gives, narrowed to where the key can be defined.

A key ``log(2x + 3)`` on ``x in [-2, 2]`` is undefined for x <= -1.5; sampling the whole box would waste
points (and, before, let a verdict depend on which points happened to be defined). Arguments of
logarithms, square roots, fractional powers and inverse trigonometric functions that are affine in one
variable (``c*v + d``) narrow that variable's interval exactly; anything else is left to rejection
sampling, which keeps drawing until enough defined points exist.

Points are drawn at several scales: half uniformly in each interval, half with a log-uniform magnitude, so
that a wide interval such as [-50, 50] still has points near 0, where ``x^10 + 1000`` and ``x^10`` differ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from exgen.expr.parser import Node
from exgen.expr.stream import Stream

Box = tuple[tuple[str, float, float], ...]

#: The interval a variable gets when the part names none.
DEFAULT_INTERVAL = (-2.0, 2.0)
#: The smallest magnitude of the log-scale half, relative to the interval's largest.
LOG_SPAN = 1e-3
_OPEN = 1e-12


def box_of(domain: Mapping[str, Sequence[float]], variables) -> Box:
    """Return the sampling box ({variable: [lo, hi]}) as a hashable, sorted tuple."""
    out = []
    for v in sorted(variables):
        lo, hi = domain.get(v, DEFAULT_INTERVAL)
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo:
            lo, hi = DEFAULT_INTERVAL
        out.append((v, lo, hi))
    return tuple(out)


def _constant(node: Node) -> float | None:
    if node.variables():
        return None
    from exgen.expr.evaluate import evaluate_scalar

    return evaluate_scalar(node, {})


def _affine(node: Node) -> tuple[str, float, float] | None:
    """Return (variable, c, d) when node is c*v + d for one variable v and constants c != 0, d."""
    op = node.op
    if op == "var":
        return str(node.value), 1.0, 0.0
    if op == "neg":
        inner = _affine(node.args[0])
        return (inner[0], -inner[1], -inner[2]) if inner else None
    if op in ("add", "sub"):
        a, b = node.args
        ka, kb = _constant(a), _constant(b)
        sign = 1.0 if op == "add" else -1.0
        if ka is not None:
            inner = _affine(b)
            return (inner[0], sign * inner[1], ka + sign * inner[2]) if inner else None
        if kb is not None:
            inner = _affine(a)
            return (inner[0], inner[1], inner[2] + sign * kb) if inner else None
        return None
    if op in ("mul", "div"):
        a, b = node.args
        kb = _constant(b)
        if kb is not None and kb != 0:
            inner = _affine(a)
            f = kb if op == "mul" else 1.0 / kb
            return (inner[0], inner[1] * f, inner[2] * f) if inner else None
        ka = _constant(a)
        if op == "mul" and ka is not None:
            inner = _affine(b)
            return (inner[0], inner[1] * ka, inner[2] * ka) if inner else None
    return None


def _requirements(node: Node, out: list[tuple[Node, float, float]]) -> None:
    """Collect (argument, lo, hi): the argument must lie in (lo, hi) for the formula to be defined."""
    if node.op == "call":
        name = node.value
        arg = node.args[0]
        if name in ("log", "log10", "log2"):
            out.append((arg, _OPEN, math.inf))
        elif name == "sqrt":
            out.append((arg, 0.0, math.inf))
        elif name == "acosh":
            out.append((arg, 1.0, math.inf))
        elif name in ("asin", "acos"):
            out.append((arg, -1.0, 1.0))
        elif name == "atanh":
            out.append((arg, -1.0 + _OPEN, 1.0 - _OPEN))
    elif node.op == "pow":
        expo = _constant(node.args[1])
        if expo is not None and expo != round(expo):
            out.append((node.args[0], _OPEN if expo < 0 else 0.0, math.inf))
    for a in node.args:
        _requirements(a, out)


@lru_cache(maxsize=2048)
def implied_box(reference: Node, box: Box) -> Box:
    """Return ``box`` narrowed by the key's affine domain requirements (unchanged where they do not apply)."""
    needs: list[tuple[Node, float, float]] = []
    _requirements(reference, needs)
    limits = {v: [lo, hi] for v, lo, hi in box}
    for arg, lo, hi in needs:
        found = _affine(arg)
        if found is None or found[0] not in limits or found[1] == 0:
            continue
        var, c, d = found
        a, b = sorted(((lo - d) / c, (hi - d) / c))
        cur = limits[var]
        new_lo, new_hi = max(cur[0], a), min(cur[1], b)
        if new_hi - new_lo > 1e-9 * max(1.0, abs(new_lo), abs(new_hi)):
            limits[var] = [new_lo, new_hi]
    return tuple((v, lo, hi) for v, (lo, hi) in sorted(limits.items()))


def _log_scale(u: np.ndarray, side: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map uniform u in [0, 1) to [lo, hi] with log-uniform magnitudes (so small scales get points too);
    ``side`` (uniform too) picks the sign when the interval contains 0."""
    if hi <= lo:
        return np.full(u.shape, lo)
    if lo >= 0 or hi <= 0:
        sign = 1.0 if hi > 0 else -1.0
        near, far = sorted((abs(lo), abs(hi)))
        near = max(near, far * LOG_SPAN)
        a, b = math.log(near), math.log(far)
        return np.clip(sign * np.exp(a + (b - a) * u), lo, hi)
    top_pos, top_neg = math.log(hi), math.log(-lo)
    bottom = math.log(max(hi, -lo) * LOG_SPAN)
    positive = side < hi / (hi - lo)
    pos = np.exp(bottom + (top_pos - bottom) * u) if top_pos > bottom else np.full(u.shape, hi)
    neg = -np.exp(bottom + (top_neg - bottom) * u) if top_neg > bottom else np.full(u.shape, lo)
    return np.clip(np.where(positive, pos, neg), lo, hi)


def draw(rng: Stream, box: Box, n: int) -> dict[str, np.ndarray]:
    """Return n points of ``box``: the first half uniform, the second half at log-uniform magnitudes."""
    half = n // 2
    u = rng.random((len(box), 2 * n - half))
    points = {}
    for row, (v, lo, hi) in enumerate(box):
        uniform = lo + (hi - lo) * u[row, :half]
        scaled = _log_scale(u[row, half:n], u[row, n:], lo, hi)
        points[v] = np.concatenate([uniform, scaled])
    return points


def exponent_variables(*nodes: Node) -> frozenset[str]:
    """Return the variables that occur inside an exponent of either formula."""
    found: set[str] = set()

    def walk(node: Node) -> None:
        if node.op == "pow":
            found.update(node.args[1].variables())
        for a in node.args:
            walk(a)

    for node in nodes:
        walk(node)
    return frozenset(found)


def lattice(rng: Stream, box: Box, exponents: frozenset[str], limit: int) -> dict[str, np.ndarray]:
    """Return points where the exponent variables run over whole and half-whole values (every combination,
    or ``limit`` of them) and the other variables are drawn uniformly: there a negative base has a real
    power, which exposes ``(a^b)^c`` against ``a^(b*c)`` (at a = -1.3, b = 2, c = 1/2: 1.3 against -1.3)."""
    grids = []
    for v, lo, hi in box:
        if v in exponents:
            steps = [k / 2 for k in range(-6, 7) if k and lo <= k / 2 <= hi] or [(lo + hi) / 2]
            grids.append(np.array(steps))
    mesh = np.array(np.meshgrid(*grids, indexing="ij")).reshape(len(grids), -1) if grids else np.zeros((0, 1))
    count = mesh.shape[1]
    if count > limit:
        mesh = mesh[:, np.sort(rng.choice(count, size=limit, replace=False))]
        count = limit
    points, row = {}, 0
    for v, lo, hi in box:
        if v in exponents:
            points[v] = mesh[row]
            row += 1
        else:
            points[v] = rng.uniform(lo, hi, size=count)
    return points
