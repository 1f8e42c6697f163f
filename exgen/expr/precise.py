"""Evaluate a parsed formula at one point in arbitrary precision (mpmath), for the points floats cannot decide.

Double precision fails in three ways that matter for grading: overflow (``(x-a)^6000``, ``2^1000 x``),
underflow (``exp(-800)``) and cancellation (``z - log(1 + exp(z))`` at z = 784, whose value is -e^-784).
mpmath numbers have an unbounded exponent, so magnitudes are kept exactly "in logs"; and, as in the float
evaluator, every value carries a bound on its absolute error (each operation is correctly rounded at the
working precision; errors of the operands propagate to first order). Agreement between two precisions
would not do: an exact cancellation gives the same wrong 0 at every precision. The working precision is
raised until the bound is small against the value; a value that never settles (zero by cancellation, as
``sin(x)^2 + cos(x)^2 - 1``) comes back with its bound at the highest precision, and the caller decides
what such a point shows. Guards bound the work: a power or exponential whose exponent would exceed about 10^15, or a
trigonometric function of an argument beyond 10^30, is unknown, never computed.

The tree comes from our parser (student text is never evaluated); only our own node types are visited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import mpmath

from exgen.expr.parser import Node

#: Working precisions tried in turn (decimal digits).
PRECISIONS = (30, 80, 200, 500)
#: A value has settled when its error bound is this small against it.
SETTLED = 1e-20
#: Beyond these magnitudes a result is "unknown": the work to compute it would not be bounded.
LOG_GUARD = 1e15
TRIG_GUARD = 1e30

UNDEFINED = "undefined"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Precise:
    """A value known to within ``error`` (absolute); ``scale`` is the largest magnitude met computing it."""

    value: mpmath.mpf
    error: mpmath.mpf
    scale: mpmath.mpf


class _Undefined(Exception):
    """The point is outside the formula's domain."""


class _Unknown(Exception):
    """The value cannot be decided within the guards at this precision."""


class _Eval:
    def __init__(self, env: Mapping[str, object]):
        self.env = env
        self.eps = mpmath.mpf(2) ** (1 - mpmath.mp.prec)
        self.lib = 4 * self.eps
        self.scale = mpmath.mpf(0)

    def done(self, r, e):
        a = abs(r)
        if a > self.scale:
            self.scale = a
        return r, e

    # -- nodes -------------------------------------------------------------------------------------
    def eval(self, node: Node):
        op = node.op
        if op == "num":
            v = mpmath.mpf(node.number)  # exactly the float the parser read
            return self.done(v, mpmath.mpf(0))
        if op == "const":
            v = mpmath.e if node.value == "e" else mpmath.pi
            v = +v
            return self.done(v, self.eps * v)
        if op == "var":
            return self.done(self.env[str(node.value)], mpmath.mpf(0))
        if op == "pow":
            (a, ea), (b, eb) = self.eval(node.args[0]), self.eval(node.args[1])
            return self.done(*self.power(a, ea, b, eb))
        args = [self.eval(a) for a in node.args]
        if op == "neg":
            return args[0][0] * -1, args[0][1]
        if op == "call":
            name = str(node.value)
            if name in ("max", "min"):
                pick = max if name == "max" else min
                return self.done(pick(v for v, _ in args), max(e for _, e in args))
            return self.done(*self.unary(name, *args[0]))
        (a, ea), (b, eb) = args
        if op in ("add", "sub", "mul"):
            if op == "mul" or _near(a, b):
                # the exact result is cheap in mpmath (a product has at most twice the working bits; a sum of
                # numbers of similar size a few more); its rounding is then known exactly (0 for 2 * 0.5)
                exact = {"add": mpmath.fadd, "sub": mpmath.fsub, "mul": mpmath.fmul}[op](a, b, exact=True)
                r = +exact
                rounding = abs(exact - r)
            else:
                r = a + b if op == "add" else a - b
                rounding = self.eps * abs(r)
            if op == "mul":
                return self.done(r, abs(a) * eb + abs(b) * ea + ea * eb + rounding)
            return self.done(r, ea + eb + rounding)
        if op == "div":
            if b == 0 and eb == 0:
                raise _Undefined
            if abs(b) <= eb:
                raise _Unknown
            r = a / b
            return self.done(r, (ea + abs(r) * eb) / (abs(b) - eb) + self.eps * abs(r))
        raise ValueError(f"unknown node {op!r}")  # pragma: no cover - the parser makes no others

    def power(self, a, ea, b, eb):
        whole = eb == 0 and b == mpmath.floor(b)
        if a == 0 and ea == 0:
            if b > 0:
                return mpmath.mpf(0), mpmath.mpf(0)
            if b == 0:
                return mpmath.mpf(1), mpmath.mpf(0)
            raise _Undefined
        if a < -ea and not whole:
            if abs(b - mpmath.nint(b)) > eb:
                raise _Undefined
            raise _Unknown
        if abs(a) <= ea:
            raise _Unknown
        log_a = mpmath.log(abs(a))
        if abs(b * log_a) > LOG_GUARD:
            raise _Unknown
        r = mpmath.power(a, int(b)) if whole and abs(b) < 2 ** 62 else mpmath.power(a, b)
        err = abs(r) * (abs(b) * ea / (abs(a) - ea) + abs(log_a) * eb)
        return r, err + self.lib * abs(r) * (1 + abs(b * log_a))

    def unary(self, name: str, x, ex):
        lib = self.lib
        ax = abs(x)
        if name in ("exp", "expm1"):
            if x > LOG_GUARD or (name == "exp" and x < -LOG_GUARD):
                raise _Unknown
            r = mpmath.exp(x) if name == "exp" else mpmath.expm1(x)
            return r, mpmath.exp(x) * mpmath.expm1(ex) + lib * abs(r)
        if name in ("log", "log10", "log2", "log1p"):
            arg = x + 1 if name == "log1p" else x
            if arg < -ex or (arg == 0 and ex == 0):
                raise _Undefined
            if abs(arg) <= ex:
                raise _Unknown
            r = {"log": mpmath.log, "log1p": mpmath.log1p}.get(name, lambda v: mpmath.log(v, 10 if name == "log10" else 2))(x)
            return r, ex / (abs(arg) - ex) + lib * abs(r)
        if name == "sqrt":
            if x < -ex:
                raise _Undefined
            r = mpmath.sqrt(x) if x > 0 else mpmath.mpf(0)
            if ex == 0:
                return r, lib * r
            err = ex / (2 * mpmath.sqrt(x - ex)) if x > 2 * ex else mpmath.sqrt(ax + ex)
            return r, err + lib * r
        if name == "cbrt":
            r = mpmath.sign(x) * mpmath.cbrt(ax)
            if ex == 0:
                return r, lib * abs(r)
            err = ex / (3 * mpmath.cbrt(ax - ex) ** 2) if ax > 2 * ex else 2 * mpmath.cbrt(ax + ex)
            return r, err + lib * abs(r)
        if name == "abs":
            return ax, ex
        if name == "relu":
            return (x if x > 0 else mpmath.mpf(0)), ex
        if name == "sign":
            if 0 < ax <= ex:
                raise _Unknown
            return mpmath.sign(x), mpmath.mpf(0)
        if name in ("sin", "cos", "tan", "sec", "csc", "cot"):
            if ax > TRIG_GUARD:
                raise _Unknown
            s, c = mpmath.sin(x), mpmath.cos(x)
            if name in ("sin", "cos"):
                r = s if name == "sin" else c
                return r, min(ex, 2) + lib * abs(r)
            den = c if name in ("tan", "sec") else s
            if den == 0 and ex == 0:
                raise _Undefined
            if abs(den) <= ex:
                raise _Unknown
            r = {"tan": s / den, "sec": 1 / den, "csc": 1 / den, "cot": c / den}[name]
            slope = 1 + r * r if name in ("tan", "cot") else abs(r * (s if name == "sec" else c) / den)
            bound = slope * ex / (1 - ex / abs(den)) if ex < abs(den) / 2 else mpmath.inf
            return r, bound + lib * abs(r)
        if name in ("asin", "acos"):
            if ax > 1 + ex:
                raise _Undefined
            if ax > 1:
                raise _Unknown
            r = mpmath.asin(x) if name == "asin" else mpmath.acos(x)
            room = 1 - min(ax + ex, mpmath.mpf(1))
            err = ex / mpmath.sqrt(room * (2 - room)) if room > 0 else 2 * mpmath.sqrt(2 * ex + self.eps)
            return r, (err if ex else 0) + lib * abs(r)
        if name == "atan":
            r = mpmath.atan(x)
            return r, ex / (1 + x * x) + lib * abs(r)
        if name in ("sinh", "cosh", "tanh", "sech", "csch", "coth"):
            if ax > LOG_GUARD:
                if name in ("tanh", "coth"):
                    return mpmath.sign(x), mpmath.mpf(0)
                raise _Unknown
            if name in ("csch", "coth") and x == 0:
                raise _Undefined
            if name in ("csch", "coth") and ax <= ex:
                raise _Unknown
            fn = {"sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh, "sech": mpmath.sech,
                  "csch": mpmath.csch, "coth": mpmath.coth}[name]
            r = fn(x)
            slope = {"sinh": mpmath.cosh(x), "cosh": mpmath.cosh(x), "tanh": mpmath.sech(x) ** 2,
                     "sech": abs(r * mpmath.tanh(x))}.get(name)
            if slope is None:  # csch, coth: steep near 0
                slope = abs(r) * mpmath.coth(ax) if name == "csch" else 1 / mpmath.sinh(x) ** 2
                slope = slope / (1 - ex / ax) ** 2
            return r, slope * mpmath.exp(ex) * ex + lib * abs(r)
        if name == "asinh":
            r = mpmath.asinh(x)
            return r, ex / mpmath.sqrt(1 + x * x) + lib * abs(r)
        if name == "acosh":
            if x < 1 - ex:
                raise _Undefined
            if x < 1:
                raise _Unknown
            r = mpmath.acosh(x)
            err = ex / mpmath.sqrt((x - ex) ** 2 - 1) if x - 1 > 2 * ex else 2 * mpmath.sqrt(2 * ex + self.eps)
            return r, (err if ex else 0) + lib * r
        if name == "atanh":
            if ax >= 1 + ex or (ax == 1 and ex == 0):
                raise _Undefined
            if ax + ex >= 1:
                raise _Unknown
            r = mpmath.atanh(x)
            return r, ex / (1 - (ax + ex) ** 2) + lib * abs(r)
        if name in ("sigmoid", "softplus", "logsigmoid"):
            if ax > LOG_GUARD:
                raise _Unknown
            t = mpmath.exp(-ax)  # e^-|x|: neither tail overflows
            s_pos = 1 / (1 + t)  # sigmoid(|x|)
            s = s_pos if x >= 0 else t / (1 + t)  # sigmoid(x)
            s_neg = 1 - s if x < 0 else t / (1 + t)  # sigmoid(-x)
            if name == "sigmoid":
                return s, s * s_neg * ex + lib * s
            lp = mpmath.log1p(t)
            if name == "softplus":
                r = (x if x > 0 else 0) + lp
                return r, s * ex + lib * abs(r)
            r = -((-x if x < 0 else 0) + lp)
            return r, s_neg * ex + lib * abs(r)
        raise ValueError(f"unknown function {name!r}")  # pragma: no cover - the parser makes no others


def _near(a, b) -> bool:
    """Whether an exact sum of a and b stays small (their binary exponents are within 2000 bits)."""
    if a == 0 or b == 0:
        return True
    return abs(mpmath.mag(a) - mpmath.mag(b)) < 2000


def _once(node: Node, point: Mapping[str, float], dps: int):
    with mpmath.workdps(dps):
        ev = _Eval({k: mpmath.mpf(v) for k, v in point.items()})
        try:
            value, error = ev.eval(node)
        except _Undefined:
            return UNDEFINED
        except _Unknown:
            return UNKNOWN
        except (ZeroDivisionError, OverflowError, ValueError, MemoryError):  # beyond what we compute
            return UNKNOWN
        if not (mpmath.isfinite(value) and mpmath.isfinite(error)):
            return UNKNOWN
        return Precise(+value, +error, +max(ev.scale, abs(value)))


def value_at(node: Node, point: Mapping[str, float]):
    """Return the formula's value at a point as ``Precise``, or UNDEFINED, or UNKNOWN.

    The working precision is raised (``PRECISIONS``) until the error bound is at most ``SETTLED`` times
    the value, or the value is zero within its error bound and that bound is ``SETTLED`` times smaller
    than the largest intermediate value (zero by cancellation, as ``sin(x)^2 + cos(x)^2 - 1``). Otherwise
    the result at the highest precision is returned with its bound; callers decide what it shows.
    """
    result: Precise | str = UNKNOWN
    for dps in PRECISIONS:
        result = _once(node, point, dps)
        if result == UNDEFINED:
            return result
        if isinstance(result, Precise) and (settled(result) or zero(result)):
            return result
    return result


def settled(p: Precise) -> bool:
    """Whether the value is known to ``SETTLED`` relative precision."""
    return p.error == 0 or p.error <= SETTLED * abs(p.value)


def zero(p: Precise) -> bool:
    """Whether the value is zero within its error bound, which is tiny against the terms that made it."""
    return abs(p.value) <= p.error <= SETTLED * p.scale


def constant_with_error(node: Node) -> tuple[float, float, bool]:
    """Return a variable-free formula as (nearest float, error bound of that float, undefined).

    A value beyond the float range is (±inf or nan, inf, False): known to exist, too large for floats.
    """
    result = value_at(node, {})
    if result == UNDEFINED:
        return math.nan, 0.0, True
    if not isinstance(result, Precise):
        return math.nan, math.inf, False
    with mpmath.workdps(PRECISIONS[-1]):
        nearest = float(result.value)
        if not math.isfinite(nearest) or abs(nearest) > 1e300:
            return nearest, math.inf, False
        exact_error = abs(result.value - mpmath.mpf(nearest)) + result.error
        error = float(exact_error)
        if error == 0.0 and exact_error > 0:  # a bound below the float range is still not zero
            error = 5e-324
    return nearest, error, False


def constant(node: Node) -> float | None:
    """Return a variable-free formula's value as a float, or None when undefined or out of float range."""
    value, error, undefined = constant_with_error(node)
    if undefined or not math.isfinite(value) or not math.isfinite(error):
        return None
    return value
