"""Evaluate a parsed formula at many points at once in double precision, with an error bound per point.

Each node yields three arrays: the value, a bound on its absolute rounding error (first-order propagation
of the inputs' errors plus each operation's own rounding) and whether the point is outside the formula's
domain (a logarithm of a negative number, a division by exactly zero, ...). Overflow, underflow and
cancellation do not raise and are not "undefined": they make the error bound large (or infinite), which
tells the equivalence check to decide that point in higher precision (``exgen.expr.precise``) instead.

Formulas are first rewritten into numerically stable forms (``exgen.expr.stable``), and sigmoid,
log-sigmoid, softplus and tanh are computed so that no digit is lost at large |z|. Variable-free
subtrees are folded once, exactly, by the precise evaluator.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from exgen.expr import precise
from exgen.expr.parser import Node
from exgen.expr.stable import stable

#: Unit roundoff of double precision, and the allowance for one library function call (a few ulps).
U = 2.0 ** -53
LIB = 4 * U
#: Results this small may have lost their relative precision to underflow; this large, to overflow later.
TINY = 1e-290
BIG = 1e300

_CONSTANTS = {"e": math.e, "pi": math.pi}

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]  # value, error bound, undefined


@dataclass(frozen=True)
class Bounded:
    """A formula's values at points, with absolute error bounds and the points outside its domain."""

    value: np.ndarray
    error: np.ndarray
    undefined: np.ndarray


# -- numerically stable building blocks ------------------------------------------------------------------

def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) through exp(-|z|), so that neither tail overflows or cancels."""
    t = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + t), t / (1.0 + t))


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + exp(z)) as max(z, 0) + log1p(exp(-|z|)) (numpy's logaddexp(0, z))."""
    return np.logaddexp(0.0, z)


def logsigmoid(z: np.ndarray) -> np.ndarray:
    """log(sigmoid(z)) = -softplus(-z)."""
    return -np.logaddexp(0.0, -z)


def sech2(z: np.ndarray) -> np.ndarray:
    """1 - tanh(z)^2 = sech(z)^2 = 4 e^-2|z| / (1 + e^-2|z|)^2, exact in both tails."""
    t = np.exp(-2.0 * np.abs(z))
    return 4.0 * t / (1.0 + t) ** 2


def _sech(z: np.ndarray) -> np.ndarray:
    t = np.exp(-np.abs(z))
    return 2.0 * t / (1.0 + t * t)


# -- the error-bounded evaluator ---------------------------------------------------------------------------

def _finish(r: np.ndarray, e: np.ndarray, bad: np.ndarray) -> Arrays:
    """Mark underflow on a result: a value below TINY may have lost its relative precision (its error bound
    becomes at least TINY). Overflow needs no mark: an infinite value makes its error bound infinite or nan,
    which propagates; ``evaluate_bounded`` reads both as unknown."""
    tiny = np.abs(r) < TINY
    if tiny.any():
        e = np.where(tiny, np.maximum(e, TINY), e)
    return r, e, bad


def _uncertain(mask: np.ndarray, e: np.ndarray) -> np.ndarray:
    return np.where(mask, np.inf, e)


def _unary(name: str, a: np.ndarray, ea: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (value, error, domain error) of a one-argument function."""
    no = np.zeros(a.shape, dtype=bool)
    aa = np.abs(a)
    if name == "exp":
        r = np.exp(a)
        return r, r * np.expm1(ea) + LIB * r, no
    if name == "expm1":
        r = np.expm1(a)
        return r, np.exp(a) * np.expm1(ea) + LIB * np.abs(r), no
    if name in ("log", "log10", "log2", "log1p"):
        arg = a + 1.0 if name == "log1p" else a
        ea_ = ea + (U * np.abs(arg) if name == "log1p" else 0.0)
        bad = (arg < -ea_) | ((arg == 0) & (ea_ == 0))
        near = ~bad & (np.abs(arg) <= ea_)
        scale = {"log": 1.0, "log10": 1.0 / math.log(10), "log2": 1.0 / math.log(2), "log1p": 1.0}[name]
        fn = {"log": np.log, "log10": np.log10, "log2": np.log2, "log1p": np.log1p}[name]
        r = fn(np.where(bad | near, 1.0, a))
        return r, _uncertain(near, scale * ea / np.maximum(np.abs(arg) - ea_, TINY) + LIB * np.abs(r)), bad
    if name == "sqrt":
        bad = a < -ea
        r = np.sqrt(np.maximum(a, 0.0))
        err = np.where(a > 2 * ea, ea / (2 * np.sqrt(np.maximum(a - ea, TINY))), np.sqrt(np.maximum(aa + ea, 0.0)))
        return r, np.where(ea == 0, LIB * r, err + LIB * r), bad
    if name == "cbrt":
        r = np.cbrt(a)
        err = np.where(aa > 2 * ea, ea / (3 * np.cbrt(np.maximum(aa - ea, TINY)) ** 2), 2 * np.cbrt(aa + ea))
        return r, np.where(ea == 0, LIB * np.abs(r), err + LIB * np.abs(r)), no
    if name == "abs":
        return aa, ea, no
    if name == "relu":
        return np.maximum(a, 0.0), ea, no
    if name == "sign":
        r = np.sign(a)
        return r, _uncertain((aa <= ea) & (ea > 0), np.zeros_like(a)), no
    if name in ("sin", "cos"):
        r = np.sin(a) if name == "sin" else np.cos(a)
        return r, np.minimum(ea, 2.0) + LIB * np.abs(r), no
    if name == "tan":
        r = np.tan(a)
        d = 1.0 + r * r
        return r, _uncertain(d * ea > 0.1, d * ea + LIB * np.abs(r)), no
    if name in ("sec", "csc", "cot"):
        s, c = np.sin(a), np.cos(a)
        den = c if name == "sec" else s
        bad = (den == 0) & (ea == 0)
        safe = np.where(den == 0, 1.0, den)
        r = 1.0 / safe if name != "cot" else c / safe
        slope = np.abs(r * (s if name == "sec" else c) / safe) if name != "cot" else 1.0 + r * r
        return r, _uncertain(slope * ea > 0.1 * (1 + np.abs(r)), slope * ea + LIB * np.abs(r)), bad
    if name in ("asin", "acos"):
        bad = aa > 1.0 + ea
        x = np.clip(a, -1.0, 1.0)
        r = np.arcsin(x) if name == "asin" else np.arccos(x)
        room = 1.0 - np.minimum(aa + ea, 1.0)
        err = np.where(room > 0, ea / np.sqrt(np.maximum(room * (2 - room), TINY)), 2 * np.sqrt(2 * ea + U))
        return r, np.where(ea == 0, LIB * np.abs(r), err + LIB * np.abs(r)), bad
    if name == "atan":
        r = np.arctan(a)
        return r, ea / (1.0 + a * a) + LIB * np.abs(r), no
    if name in ("sinh", "cosh"):
        r = np.sinh(a) if name == "sinh" else np.cosh(a)
        return r, np.cosh(a) * np.expm1(ea) + LIB * np.abs(r), no
    if name == "tanh":
        r = np.tanh(a)
        return r, sech2(a) * ea + LIB * np.abs(r), no
    if name == "sech":
        r = _sech(a)
        return r, r * np.abs(np.tanh(a)) * ea + LIB * r, no
    if name in ("csch", "coth"):
        bad = (a == 0) & (ea == 0)
        sh = np.sinh(np.where(a == 0, 1.0, a))
        r = 1.0 / sh if name == "csch" else np.cosh(a) / sh
        slope = np.abs(r / np.tanh(np.where(a == 0, 1.0, a))) if name == "csch" else 1.0 / (sh * sh)
        return r, _uncertain(aa <= ea, slope * ea + LIB * np.abs(r)), bad
    if name == "asinh":
        r = np.arcsinh(a)
        return r, ea / np.sqrt(1.0 + a * a) + LIB * np.abs(r), no
    if name == "acosh":
        bad = a < 1.0 - ea
        x = np.maximum(a, 1.0)
        r = np.arccosh(x)
        room = x - 1.0
        err = np.where(room > 2 * ea, ea / np.sqrt(np.maximum((x - ea) ** 2 - 1.0, TINY)), 2 * np.sqrt(2 * ea + U))
        return r, np.where(ea == 0, LIB * r, err + LIB * r), bad
    if name == "atanh":
        bad = aa >= 1.0 + ea
        near = ~bad & (aa + ea >= 1.0)
        x = np.where(bad | near, 0.0, a)
        r = np.arctanh(x)
        return r, _uncertain(near, ea / np.maximum(1.0 - (aa + ea) ** 2, TINY) + LIB * np.abs(r)), bad | ((aa == 1) & (ea == 0))
    if name == "sigmoid":
        r = sigmoid(a)
        return r, r * sigmoid(-a) * ea + LIB * r, no
    if name == "logsigmoid":
        r = logsigmoid(a)
        return r, sigmoid(-a) * ea + LIB * np.abs(r), no
    if name == "softplus":
        r = softplus(a)
        return r, sigmoid(a) * ea + LIB * r, no
    raise ValueError(f"unknown function {name!r}")  # pragma: no cover - the parser makes no others


def _pow(a: np.ndarray, ea: np.ndarray, b: np.ndarray, eb: np.ndarray, int_exponent: bool) -> Arrays:
    aa = np.abs(a)
    if int_exponent:  # a constant whole exponent: any base
        n = b
        bad = (a == 0) & (ea == 0) & (n < 0)
        safe = np.where(bad, 1.0, a)
        r = np.power(safe, n)
        reach = aa + ea
        err = np.abs(n) * np.power(np.where(reach == 0, 1.0, reach), n - 1) * ea
        err = np.where(n < 0, np.where(aa > 2 * ea, np.abs(n) * np.abs(r) * ea / np.maximum(aa - ea, TINY), np.inf), err)
        err = np.where(ea == 0, 0.0, err) + 2 * LIB * np.abs(r)
        return _finish(r, np.where(bad, 0.0, err), bad)
    frac = np.abs(b - np.round(b))
    surely_int = (frac == 0) & (eb == 0)
    surely_not = frac > eb
    neg = a < -ea
    zero = (a == 0) & (ea == 0)
    bad = (neg & surely_not) | (zero & (b < 0))
    unsure = ~bad & ((neg & ~surely_int & ~surely_not) | ((aa <= ea) & ~zero))
    base = np.where(bad | unsure, 1.0, a)
    r = np.power(base, np.where(bad | unsure, 1.0, b))
    r = np.where(zero & (b > 0), 0.0, np.where(zero & (b == 0), 1.0, r))
    log_a = np.log(np.where(aa > 0, aa, 1.0))
    err = np.abs(r) * (np.abs(b) * ea / np.maximum(aa - ea, TINY) + np.abs(log_a) * eb) + 2 * LIB * np.abs(r) * (1 + np.abs(b * log_a))
    err = np.where(zero & (b > 0) & (eb < b), 0.0, err)
    return _finish(r, _uncertain(unsure, err), bad)


@lru_cache(maxsize=1024)
def _filled(value: float, size: int) -> np.ndarray:
    """A shared read-only array of one value (leaves are evaluated often; nothing writes into arrays)."""
    out = np.full(size, value)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def _no(size: int) -> np.ndarray:
    out = np.zeros(size, dtype=bool)
    out.flags.writeable = False
    return out


def _rounding_of_sum(a: np.ndarray, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The exact rounding error of r = a + b (Knuth's TwoSum)."""
    bb = r - a
    return np.abs((a - (r - bb)) + (b - bb))


def _rounding_of_product(a: np.ndarray, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The exact rounding error of r = a * b (Dekker's TwoProduct); inf where the split overflows."""
    split = 134217729.0  # 2^27 + 1
    ca, cb = split * a, split * b
    ahi, bhi = ca - (ca - a), cb - (cb - b)
    alo, blo = a - ahi, b - bhi
    err = np.abs(((ahi * bhi - r) + ahi * blo + alo * bhi) + alo * blo)
    return np.where(np.isfinite(err), err, np.inf)


def _eval(node: Node, env: Mapping[str, np.ndarray], size: int, exact: bool = False) -> Arrays:
    """Evaluate a node; ``exact`` asks for the exact rounding error of sums and products (inside exponents,
    where whether 2 * 0.5 is exactly 1 decides whether a negative base has a real power)."""
    op = node.op
    if op == "num":
        v = node.number
        err = 0.0 if (v == int(v) and abs(v) < 2 ** 53) else U * abs(v)
        return _filled(v, size), _filled(err, size), _no(size)
    if op == "var":
        values = np.asarray(env[str(node.value)], dtype=float)
        return values, _filled(0.0, size), _no(size)
    if op != "const" and not node.variables():
        return _folded(node, size)
    if op == "const":
        v = _CONSTANTS[str(node.value)]
        return np.full(size, v), np.full(size, U * v), np.zeros(size, dtype=bool)
    if op == "pow" and not node.args[1].variables():
        (a, ea, ba) = _eval(node.args[0], env, size, exact)
        b, eb, bb = _eval(node.args[1], env, size, True)
        whole = bool(eb[0] == 0 and np.isfinite(b[0]) and b[0] == round(b[0]))
        r, e, dom = _pow(a, ea, b, eb, whole)
        return r, e, dom | ba | bb
    parts = [_eval(a, env, size, exact or (op == "pow" and i == 1)) for i, a in enumerate(node.args)]
    bad = parts[0][2]
    for p in parts[1:]:
        bad = bad | p[2]
    if op == "neg":
        a, ea, _ = parts[0]
        return -a, ea, bad
    if op == "call":
        name = str(node.value)
        if name in ("max", "min"):
            values = np.stack([p[0] for p in parts])
            r = values.max(axis=0) if name == "max" else values.min(axis=0)
            e = np.stack([p[1] for p in parts]).max(axis=0)
            return r, e, bad
        a, ea, _ = parts[0]
        r, e, dom = _unary(name, a, ea)
        return _finish(r, e, bad | dom)
    (a, ea, _), (b, eb, _) = parts
    if op in ("add", "sub"):
        r = a + b if op == "add" else a - b
        rounding = _rounding_of_sum(a, b if op == "add" else -b, r) if exact else U * np.abs(r)
        return r, ea + eb + rounding, bad
    if op == "mul":
        r = a * b
        rounding = _rounding_of_product(a, b, r) if exact else U * np.abs(r)
        return _finish(r, np.abs(a) * eb + np.abs(b) * ea + ea * eb + rounding, bad)
    if op == "div":
        zero = (b == 0) & (eb == 0)
        near = ~zero & (np.abs(b) <= eb)
        safe = np.where(zero | near, 1.0, b)
        r = a / safe
        e = (ea + np.abs(r) * eb) / np.maximum(np.abs(safe) - eb, TINY) + U * np.abs(r)
        return _finish(r, _uncertain(near, e), bad | zero)
    if op == "pow":
        r, e, dom = _pow(a, ea, b, eb, False)
        return r, e, bad | dom
    raise ValueError(f"unknown node {op!r}")  # pragma: no cover - the parser makes no other nodes


_MAX_BITS = 4000


def _rational(node: Node) -> Fraction | None:
    """The exact value of a variable-free subtree of + - * / and whole powers of numbers, or None."""
    op = node.op
    if op == "num":
        return Fraction(node.number)
    if op == "neg":
        inner = _rational(node.args[0])
        return -inner if inner is not None else None
    if op in ("add", "sub", "mul", "div", "pow"):
        a = _rational(node.args[0])
        b = _rational(node.args[1]) if a is not None else None
        if a is None or b is None:
            return None
        if op == "div" and b == 0:
            raise ZeroDivisionError
        if op == "pow":
            if b.denominator != 1 or abs(b.numerator) > 64 or (a == 0 and b < 0):
                return None
            out = Fraction(a ** int(b))
        elif op == "div":
            out = a / b
        else:
            out = a + b if op == "add" else a - b if op == "sub" else a * b
        if out.numerator.bit_length() > _MAX_BITS or out.denominator.bit_length() > _MAX_BITS:
            return None
        return out
    return None


@lru_cache(maxsize=4096)
def _fold(node: Node) -> tuple[float, float, bool]:
    """Return (float value, its error, undefined) of a variable-free subtree, computed exactly: in rational
    arithmetic when it is one, else by the precise evaluator."""
    try:
        exact = _rational(node)
    except ZeroDivisionError:
        return math.nan, 0.0, True
    if exact is not None:
        try:
            value = float(exact)
        except OverflowError:
            return math.nan, math.inf, False
        return value, float(abs(exact - Fraction(value))), False
    return precise.constant_with_error(node)


def _folded(node: Node, size: int) -> Arrays:
    v, e, bad = _fold(node)
    return np.full(size, v), np.full(size, e), np.full(size, bad)


def evaluate_bounded(node: Node, env: Mapping[str, np.ndarray], size: int) -> Bounded:
    """Return a formula's values at ``size`` points with error bounds and its undefined points.

    Values are ``nan`` where undefined; the error bound is ``inf`` where the value is unknown in double
    precision (overflow, or beyond 1e300).

    Args:
        node: a parsed formula.
        env: each variable's values, float arrays of length ``size``.
        size: the number of points.
    """
    with np.errstate(all="ignore"):
        v, e, bad = _eval(stable(node), env, size)
        unknown = ~(e < np.inf) | ~(np.abs(v) <= BIG)  # overflow, or close enough that later steps might
        if unknown.any():
            e = np.where(unknown, np.inf, e)
        if bad.any():
            v = np.where(bad, np.nan, v)
    return Bounded(v, e, bad)


def evaluate(node: Node, env: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    """Return the formula's values at ``size`` points: ``nan`` where undefined, ``inf`` where too large.

    Args:
        node: a parsed formula.
        env: each variable's values, arrays of length ``size``.
        size: the number of points.

    Returns:
        A float array of length ``size``.
    """
    b = evaluate_bounded(node, env, size)
    return np.where(b.undefined, np.nan, np.where(np.abs(b.value) > BIG, np.inf, b.value))


def evaluate_scalar(node: Node, env: Mapping[str, float]) -> float | None:
    """Return the formula's value at one point, or None where it is undefined or too large."""
    arrays = {k: np.array([float(v)]) for k, v in env.items()}
    value = float(evaluate(node, arrays, 1)[0])
    return value if math.isfinite(value) else None
