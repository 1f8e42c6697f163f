"""A whitelist parser for formula answers: text -> small immutable AST. Never evaluates text.

Grammar (``^`` and ``**`` are the same right-associative power, binding tighter than unary minus)::

    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/') unary | <implicit> power)*
    unary   := ('+' | '-') unary | power
    power   := primary (('^' | '**') unary)?
    primary := NUMBER | CONSTANT | VARIABLE | FUNCTION '(' expr ')' | '(' expr ')'

Implicit multiplication (when enabled) is juxtaposition where the right factor starts with a name or
``(``: ``2x``, ``3(x+1)``, ``x sin(x)``, ``(x+1)(x-1)``; it has the precedence of ``*``. A run of
declared one-letter variables such as ``xy`` reads as ``x*y``.

Every input is bounded before any work: length, parenthesis depth, node count and the magnitude of a
constant exponent; each refusal is a ``FormatError`` naming the limit.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from exgen.errors import FormatError

MAX_EXPR_CHARS = 1000
MAX_DEPTH = 40
MAX_NODES = 400
MAX_EXPONENT = 100.0
MAX_NUMBER_CHARS = 40

#: Functions a student may call (all take one argument); ``ln`` is the natural log, like ``log``.
FUNCTIONS = ("exp", "log", "ln", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sigmoid",
             "relu", "abs")
CONSTANTS = ("e", "pi")
_ALIASES = {"ln": "log"}
# Typographic characters students paste from documents; they mean these ASCII operators.
_LOOKALIKES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u22c5": "*", "\u00b7": "*",
                             "\u00a0": " ", "\u2009": " "})
_NUMBER_RE = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_OPS = ("**", "+", "-", "*", "/", "^", "(", ")", ",")


@dataclass(frozen=True)
class Node:
    """One AST node: ``op`` is num, const, var, neg, add, sub, mul, div, pow or call.

    ``value`` holds the number (num), the name (const, var) or the function name (call); ``args`` the
    operands.
    """

    op: str
    args: tuple[Node, ...] = ()
    value: float | str | None = None

    @property
    def number(self) -> float:
        """Return the value of a ``num`` node."""
        if not isinstance(self.value, (int, float)):
            raise TypeError(f"{self.op} node has no number")
        return float(self.value)

    def variables(self) -> frozenset[str]:
        """Return the variable names used in this expression."""
        found: set[str] = set()
        stack = [self]
        while stack:
            node = stack.pop()
            if node.op == "var":
                found.add(str(node.value))
            stack.extend(node.args)
        return frozenset(found)


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    pos: int


def _describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"{ch!r} ({code} {name})" if name else f"{ch!r} ({code})"


def tokenize(text: str) -> list[Token]:
    """Split text into tokens; raises FormatError naming the first character outside the whitelist."""
    out: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        ch = text[pos]
        if ch in " \t\r\n":
            pos += 1
            continue
        m = _NUMBER_RE.match(text, pos)
        if m:
            if len(m.group()) > MAX_NUMBER_CHARS:
                raise FormatError(f"number at position {pos + 1} is too long (at most {MAX_NUMBER_CHARS} characters)")
            out.append(Token("num", m.group(), pos))
            pos = m.end()
            continue
        m = _NAME_RE.match(text, pos)
        if m:
            out.append(Token("name", m.group(), pos))
            pos = m.end()
            continue
        op = "**" if text.startswith("**", pos) else ch
        if op in _OPS:
            out.append(Token("op", op, pos))
            pos += len(op)
            continue
        if ch.isascii():
            raise FormatError(f"character {ch!r} at position {pos + 1} is not allowed in a formula")
        raise FormatError(f"character {_describe_char(ch)} at position {pos + 1} is not allowed; "
                          "type formulas with ASCII letters, digits and + - * / ^ ( )")
    out.append(Token("end", "", n))
    return out


def _check_depth(tokens: Sequence[Token]) -> None:
    depth = 0
    for tok in tokens:
        if tok.text == "(" and tok.kind == "op":
            depth += 1
            if depth > MAX_DEPTH:
                raise FormatError(f"parentheses are nested more than {MAX_DEPTH} levels deep")
        elif tok.text == ")" and tok.kind == "op":
            depth -= 1
            if depth < 0:
                raise FormatError(f"unmatched ')' at position {tok.pos + 1}")
    if depth > 0:
        raise FormatError(f"{depth} unclosed '(' (missing ')')")


class _Parser:
    def __init__(self, tokens: list[Token], variables: frozenset[str], implicit: bool):
        self.tokens = tokens
        self.i = 0
        self.variables = variables
        self.implicit = implicit
        self.nodes = 0
        self.depth = 0

    # -- helpers -----------------------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.text in ops

    def node(self, op: str, args: tuple[Node, ...] = (), value=None) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormatError(f"formula is too long (more than {MAX_NODES} numbers, names and operations)")
        return Node(op, args, value)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormatError(f"formula is nested more than {MAX_DEPTH} levels deep")

    def allowed(self) -> str:
        names = sorted(self.variables) + list(FUNCTIONS) + list(CONSTANTS)
        return ", ".join(names)

    # -- grammar -----------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise FormatError("empty formula")
        tree = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            if tok.text == ")":
                raise FormatError(f"unmatched ')' at position {tok.pos + 1}")
            raise FormatError(f"unexpected {tok.text!r} at position {tok.pos + 1}")
        return tree

    def expr(self) -> Node:
        left = self.term()
        while self.is_op("+", "-"):
            op = "add" if self.take().text == "+" else "sub"
            left = self.node(op, (left, self.term()))
        return left

    def term(self) -> Node:
        left = self.unary()
        while True:
            tok = self.peek()
            if self.is_op("*", "/"):
                op = "mul" if self.take().text == "*" else "div"
                left = self.node(op, (left, self.unary()))
            elif tok.kind == "name" or (tok.kind == "op" and tok.text == "("):
                if not self.implicit:
                    raise FormatError(f"missing '*' before {tok.text!r} at position {tok.pos + 1}")
                left = self.node("mul", (left, self.power()))
            elif tok.kind == "num":
                raise FormatError(f"missing operator before the number {tok.text!r} at position {tok.pos + 1}")
            else:
                return left

    def unary(self) -> Node:
        if self.is_op("+", "-"):
            sign = self.take().text
            self.enter()
            operand = self.unary()
            self.depth -= 1
            return operand if sign == "+" else self.node("neg", (operand,))
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        if self.is_op("^", "**"):
            tok = self.take()
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            _check_exponent(exponent, tok.pos)
            return self.node("pow", (base, exponent))
        return base

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            value = float(tok.text)
            if not math.isfinite(value):
                raise FormatError(f"number {tok.text[:20]!r} is too large")
            return self.node("num", value=value)
        if tok.kind == "op" and tok.text == "(":
            self.enter()
            inner = self.expr()
            self.depth -= 1
            if not self.is_op(")"):
                raise FormatError(f"missing ')' for the '(' at position {tok.pos + 1}")
            self.take()
            return inner
        if tok.kind == "name":
            return self.name(tok)
        if tok.kind == "end":
            raise FormatError("formula ends too early (an operand is missing)")
        raise FormatError(f"unexpected {tok.text!r} at position {tok.pos + 1}")

    def name(self, tok: Token) -> Node:
        name = tok.text
        if name in FUNCTIONS:
            if not self.is_op("("):
                raise FormatError(f"function '{name}' needs parentheses, like {name}(x)")
            self.take()
            self.enter()
            arg = self.expr()
            self.depth -= 1
            if self.is_op(","):
                raise FormatError(f"function '{name}' takes one argument")
            if not self.is_op(")"):
                raise FormatError(f"missing ')' after the argument of '{name}'")
            self.take()
            return self.node("call", (arg,), _ALIASES.get(name, name))
        if name in self.variables:
            return self.node("var", value=name)
        if name in CONSTANTS:
            return self.node("const", value=name)
        if self.implicit and all(ch in self.variables for ch in name):
            node = self.node("var", value=name[0])
            for ch in name[1:]:
                node = self.node("mul", (node, self.node("var", value=ch)))
            return node
        shown = name if len(name) <= 20 else name[:17] + "..."
        raise FormatError(f"unknown variable or function '{shown}'; allowed: {self.allowed()}")


def _constant_value(node: Node) -> float | None:
    """Return the value of a variable-free subtree (None when it has variables or is undefined)."""
    if node.variables():
        return None
    from exgen.expr.evaluate import evaluate_scalar

    return evaluate_scalar(node, {})


def _check_exponent(exponent: Node, pos: int) -> None:
    if exponent.op == "var" or exponent.variables():
        return
    value = _constant_value(exponent)
    if value is None or abs(value) > MAX_EXPONENT:
        raise FormatError(f"exponent at position {pos + 1} is too large (a constant exponent must be at most "
                          f"{MAX_EXPONENT:g} in magnitude)")


def parse(text: str, variables: Sequence[str] = ("x",), *, implicit_multiplication: bool = True) -> Node:
    """Parse a formula typed by a student.

    Args:
        text: the formula; ``^`` or ``**`` for powers; the whitelisted functions and constants only.
        variables: the variable names the formula may use.
        implicit_multiplication: accept ``2x`` and ``3(x+1)`` for ``2*x`` and ``3*(x+1)``.

    Returns:
        The expression as an immutable ``Node`` tree.

    Raises:
        FormatError: the text is too long, too deep, uses an unknown name or character, or is malformed.
    """
    if not isinstance(text, str):
        raise FormatError(f"expected a formula as text, got {type(text).__name__}")
    if len(text) > MAX_EXPR_CHARS:
        raise FormatError(f"formula is too long ({len(text)} characters; at most {MAX_EXPR_CHARS})")
    return _parse_cached(text, tuple(sorted(variables)), bool(implicit_multiplication))


@lru_cache(maxsize=4096)
def _parse_cached(text: str, variables: tuple[str, ...], implicit: bool) -> Node:
    text = text.translate(_LOOKALIKES).strip()
    if not text:
        raise FormatError("empty formula")
    tokens = tokenize(text)
    _check_depth(tokens)
    return _Parser(tokens, frozenset(variables), implicit).parse()
