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
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from exgen.expr.parser import Node
from exgen.expr.stable import stable
from exgen.records import Record

if TYPE_CHECKING:
    from fractions import Fraction

#: Unit roundoff of double precision, and the allowance for one library function call (a few ulps).
U = 2.0 ** -53
LIB = 4 * U
#: Results this small may have lost their relative precision to underflow; this large, to overflow later.
TINY = 1e-290
BIG = 1e300

_CONSTANTS = {"e": math.e, "pi": math.pi}

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]  # value, error bound, undefined


class Bounded(Record):
    """A formula's values at points, with absolute error bounds and the points outside its domain.

    ``known`` marks the points with a value and a finite error bound (neither undefined nor unknown).
    """

    __slots__ = ("value", "error", "undefined", "known")
    value: np.ndarray
    error: np.ndarray
    undefined: np.ndarray
    known: np.ndarray


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
        # the argument's error may reach a zero of the denominator (|sin'|, |cos'| <= 1): then nothing is known
        near_pole = (np.abs(den) <= ea) & ~bad
        return r, _uncertain(near_pole | (slope * ea > 0.1 * (1 + np.abs(r))), slope * ea + LIB * np.abs(r)), bad
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


def _pow_whole(a: np.ndarray, ea: np.ndarray, n: float, exact: bool, no: np.ndarray) -> Arrays:
    """a^n for a constant whole exponent n (any base); ``exact`` says the base has no error."""
    if n < 0:
        bad = (a == 0) & (ea == 0)
        if bad.any():
            r = np.power(np.where(bad, 1.0, a), n)
        else:
            bad = no
            r = np.power(a, n)
    else:
        bad = no
        r = np.power(a, n)
    rounding = 2 * LIB * np.abs(r)
    if exact:
        return _finish(r, rounding, bad)
    aa = np.abs(a)
    if n >= 0:  # mean value theorem on [|a| - ea, |a| + ea]
        err = abs(n) * np.power(aa + ea, n - 1) * ea if n != 0 else np.zeros_like(a)
    else:
        err = np.where(aa > 2 * ea, abs(n) * np.abs(r) * ea / np.maximum(aa - ea, TINY), np.inf)
    return _finish(r, err + rounding, bad)


def _pow(a: np.ndarray, ea: np.ndarray, b: np.ndarray, eb: np.ndarray) -> Arrays:
    """a^b for an exponent that varies or is not whole: real only for a > 0, or a < 0 and b whole."""
    aa = np.abs(a)
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


Step = tuple  # one operation of a compiled formula: (op, operands...)


@lru_cache(maxsize=4096)
def _compile(node: Node) -> tuple[Step, ...]:
    """Return the formula as a list of operations in evaluation order: repeated subformulas are computed
    once, variable-free subtrees are folded to constants, and each operation knows whether it lies inside
    an exponent (where sums and products need their exact rounding: whether 2 * 0.5 is exactly 1 decides
    whether a negative base has a real power)."""
    steps: list[Step] = []
    seen: dict[tuple[Node, bool], int] = {}

    def emit(n: Node, exact: bool) -> int:
        key = (n, exact)
        if key in seen:
            return seen[key]
        op = n.op
        if op == "num":
            v = n.number
            step: Step = ("leaf", v, 0.0 if (v == int(v) and abs(v) < 2 ** 53) else U * abs(v), False)
        elif op == "const":
            v = _CONSTANTS[str(n.value)]
            step = ("leaf", v, U * v, False)
        elif op == "var":
            step = ("var", str(n.value))
        elif not n.variables():
            step = ("leaf", *_fold(n))
        elif op == "neg":
            step = ("neg", emit(n.args[0], exact))
        elif op == "call" and n.value in ("max", "min"):
            step = ("extreme", n.value, tuple(emit(a, exact) for a in n.args))
        elif op == "call":
            step = ("call", str(n.value), emit(n.args[0], exact))
        elif op == "pow":
            whole = None
            if not n.args[1].variables():
                v, e, _ = _fold(n.args[1])
                if e == 0 and math.isfinite(v) and v == round(v):
                    whole = v
            if whole is not None:
                step = ("pow_whole", emit(n.args[0], exact), whole)
            else:
                step = ("pow", emit(n.args[0], exact), emit(n.args[1], True))
        else:
            step = (op, emit(n.args[0], exact), emit(n.args[1], exact), exact)
        steps.append(step)
        seen[key] = len(steps) - 1
        return seen[key]

    emit(node, False)
    return tuple(steps)


def _or(a: np.ndarray, b: np.ndarray, none: np.ndarray) -> np.ndarray:
    """a | b, without an array operation when either is the shared all-false array."""
    if a is none:
        return b
    if b is none:
        return a
    return a | b


def _run(steps: tuple[Step, ...], env: Mapping[str, np.ndarray], size: int) -> Arrays:
    zero, no = _filled(0.0, size), _no(size)
    vals: list[np.ndarray] = []
    errs: list[np.ndarray] = []
    bads: list[np.ndarray] = []
    for step in steps:
        op = step[0]
        if op == "leaf":
            _, v, e, undefined = step
            r, err, bad = _filled(v, size), _filled(e, size), (_filled_bool(size) if undefined else no)
        elif op == "var":
            r, err, bad = np.asarray(env[step[1]], dtype=float), zero, no
        elif op == "neg":
            i = step[1]
            r, err, bad = -vals[i], errs[i], bads[i]
        elif op == "call":
            i = step[2]
            r, err, dom = _unary(step[1], vals[i], errs[i])
            r, err, bad = _finish(r, err, _or(bads[i], dom if dom.any() else no, no))
        elif op == "pow_whole":
            i = step[1]
            r, err, dom = _pow_whole(vals[i], errs[i], step[2], errs[i] is zero, no)
            bad = _or(bads[i], dom, no)
        elif op == "extreme":
            idx = step[2]
            stacked = np.stack([vals[i] for i in idx])
            r = stacked.max(axis=0) if step[1] == "max" else stacked.min(axis=0)
            err = np.stack([errs[i] for i in idx]).max(axis=0)
            bad = no
            for i in idx:
                bad = _or(bad, bads[i], no)
        else:
            i, j = step[1], step[2]
            a, ea, b, eb = vals[i], errs[i], vals[j], errs[j]
            bad = _or(bads[i], bads[j], no)
            exact_inputs = ea is zero and eb is zero
            if op in ("add", "sub"):
                r = a + b if op == "add" else a - b
                rounding = _rounding_of_sum(a, b if op == "add" else -b, r) if step[3] else U * np.abs(r)
                err = rounding if exact_inputs else ea + eb + rounding
            elif op == "mul":
                r = a * b
                rounding = _rounding_of_product(a, b, r) if step[3] else U * np.abs(r)
                if exact_inputs:
                    err = rounding
                elif eb is zero:
                    err = np.abs(b) * ea + rounding
                elif ea is zero:
                    err = np.abs(a) * eb + rounding
                else:
                    err = np.abs(a) * eb + np.abs(b) * ea + ea * eb + rounding
                r, err, bad = _finish(r, err, bad)
            elif op == "div":
                divisor_zero = (b == 0) & (eb == 0)
                near = ~divisor_zero & (np.abs(b) <= eb)
                safe = np.where(divisor_zero | near, 1.0, b)
                r = a / safe
                err = (ea + np.abs(r) * eb) / np.maximum(np.abs(safe) - eb, TINY) + U * np.abs(r)
                r, err, bad = _finish(r, _uncertain(near, err), _or(bad, divisor_zero, no))
            elif op == "pow":
                r, err, dom = _pow(a, ea, b, eb)
                bad = _or(bad, dom, no)
            else:  # pragma: no cover - the parser makes no other nodes
                raise ValueError(f"unknown operation {op!r}")
        vals.append(r)
        errs.append(err)
        bads.append(bad)
    return vals[-1], errs[-1], bads[-1]


@lru_cache(maxsize=64)
def _filled_bool(size: int) -> np.ndarray:
    out = np.ones(size, dtype=bool)
    out.flags.writeable = False
    return out


_MAX_BITS = 4000


def _rational(node: Node) -> Fraction | None:
    """The exact value of a variable-free subtree of + - * / and whole powers of numbers, or None."""
    from fractions import Fraction  # only for constants: not on the start-up path of a graded submission

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
    if node.op == "num":  # a number is its own value (no rational arithmetic to load for it)
        return float(node.number), 0.0, False
    from fractions import Fraction

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
    from exgen.expr import precise  # mpmath: imported only when a constant is not rational

    return precise.constant_with_error(node)


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
        return bounded(node, env, size)


def bounded(node: Node, env: Mapping[str, np.ndarray], size: int) -> Bounded:
    """``evaluate_bounded`` for callers that have already silenced numpy's floating-point warnings."""
    v, e, bad = _run(_compile(stable(node)), env, size)
    fine = (e < np.inf) & (np.abs(v) <= BIG)  # not overflowed, nor close enough that later steps might
    if not fine.all():
        e = np.where(fine, e, np.inf)
    if bad.any():
        v = np.where(bad, np.nan, v)
        fine &= ~bad
    return Bounded(v, e, bad, fine)


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
