"""Formulas as text: the canonical string of a parsed formula, and the canonical string and LaTeX of the
sympy formulas our generators build.

The canonical string uses ``*`` for every product and ``^`` for powers, parenthesises only where needed,
and parses back (with ``parser.parse``) to the same tree. sympy is imported inside functions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from exgen.expr.parser import Node, parse
from exgen.formatting import exact

_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_SYMBOL = {"add": " + ", "sub": " - ", "mul": "*", "div": "/"}


def _prec(node: Node) -> int:
    return _PREC.get(node.op, 5)


def to_text(node: Node) -> str:
    """Return the canonical text of a formula (parses back to the same tree)."""
    op = node.op
    if op == "num":
        return exact(node.number)
    if op in ("var", "const"):
        return str(node.value)
    if op == "call":
        return f"{node.value}({', '.join(to_text(a) for a in node.args)})"
    if op == "neg":
        (a,) = node.args
        inner = to_text(a)
        return "-" + (f"({inner})" if _prec(a) <= 3 else inner)
    a, b = node.args
    left, right = to_text(a), to_text(b)
    if op == "pow":
        if _prec(a) <= 4 or (a.op == "num" and "e" in left):
            left = f"({left})"
        if _prec(b) < 3:
            right = f"({right})"
        return f"{left}^{right}"
    p = _PREC[op]
    if _prec(a) < p:
        left = f"({left})"
    if _prec(b) <= p:
        right = f"({right})"
    return f"{left}{_SYMBOL[op]}{right}"


def _sympy_functions() -> dict:
    import sympy as sp

    from exgen.expr.symbolic import sigmoid

    return {
        "exp": sp.exp, "log": sp.log, "log10": lambda z: sp.log(z, 10), "log2": lambda z: sp.log(z, 2),
        "sqrt": sp.sqrt, "cbrt": lambda z: sp.sign(z) * sp.Abs(z) ** sp.Rational(1, 3), "abs": sp.Abs,
        "sign": sp.sign, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sec": sp.sec, "csc": sp.csc,
        "cot": sp.cot, "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh,
        "tanh": sp.tanh, "sech": sp.sech, "csch": sp.csch, "coth": sp.coth, "asinh": sp.asinh,
        "acosh": sp.acosh, "atanh": sp.atanh, "sigmoid": sigmoid,
        "logsigmoid": lambda z: -sp.log(1 + sp.exp(-z)), "softplus": lambda z: sp.log(1 + sp.exp(z)),
        "relu": lambda z: sp.Max(z, 0), "max": sp.Max, "min": sp.Min,
    }


def to_sympy(node: Node, *, real: bool = False):
    """Return a parsed formula as a sympy expression (``sigmoid`` as our sympy function).

    For our own formulas and for benchmarks only: the grader never hands student text to sympy.
    ``real`` makes every variable a real sympy symbol.
    """
    import sympy as sp

    funcs = _sympy_functions()

    def build(n: Node):
        if n.op == "num":
            v = n.number
            return sp.Integer(int(v)) if v == int(v) and abs(v) < 1e15 else sp.Float(v)
        if n.op == "const":
            return sp.E if n.value == "e" else sp.pi
        if n.op == "var":
            return sp.Symbol(str(n.value), real=True) if real else sp.Symbol(str(n.value))
        args = [build(a) for a in n.args]
        if n.op == "neg":
            return -args[0]
        if n.op == "call":
            return funcs[str(n.value)](*args)
        a, b = args
        return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
                "div": lambda: a / b, "pow": lambda: a ** b}[n.op]()

    return build(node)


@lru_cache(maxsize=1)
def _printer():
    from sympy.printing.str import StrPrinter

    class _ExgenPrinter(StrPrinter):
        def _print_Exp1(self, expr):
            return "e"

        def _print_Abs(self, expr):
            return f"abs({self._print(expr.args[0])})"

        def _print_Rational(self, expr):
            return f"({expr.p}/{expr.q})" if expr.q != 1 else str(expr.p)

    return _ExgenPrinter({"order": "lex"})


def sympy_to_text(expr, variables: Sequence[str]) -> str:
    """Return the canonical text of one of our sympy formulas (checked to parse with ``variables``)."""
    text = _printer().doprint(expr).replace("**", "^")
    return to_text(parse(text, variables, implicit_multiplication=False))


def sympy_latex(expr) -> str:
    """Return LaTeX for one of our sympy formulas (natural log written ``\\ln``)."""
    import sympy as sp

    return sp.latex(expr, ln_notation=True)


def formula(expr, variables: Sequence[str]) -> dict:
    """Return the stored form of a formula answer: ``{"expr": canonical text, "latex": LaTeX}``."""
    return {"expr": sympy_to_text(expr, variables), "latex": sympy_latex(expr)}
