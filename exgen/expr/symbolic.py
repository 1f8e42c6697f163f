"""sympy helpers for building our own formulas: a ``sigmoid`` function and the standard library of them.

Import this module only inside functions (it imports sympy, which is slow to load); the grader never
needs it.
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - the name is what students type and printers show
    """The logistic function 1 / (1 + exp(-z)), kept as one symbol so derivatives stay readable."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0]))).evalf(prec)

    def _latex(self, printer, exp=None):
        body = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


def explicit(expr: sp.Expr) -> sp.Expr:
    """Return ``expr`` with ``sigmoid`` rewritten through ``exp`` (for sympy.diff checks, lambdify)."""
    return expr.replace(sigmoid, lambda z: 1 / (1 + sp.exp(-z)))


def as_float(expr: sp.Expr, env: dict) -> float:
    """Return the value of one of our formulas at a point as a Python float."""
    return float(sp.N(explicit(expr).subs(env), 30))
