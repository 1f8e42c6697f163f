"""A whitelist parser for formula answers: text -> small immutable AST. Never evaluates text.

Reading follows written mathematics (the full list of decisions is in ``docs/submissions.md``)::

    expr     := term (('+' | '-') term)*
    term     := signed (('*' | '/') signed | <juxtaposition> factor)*
    signed   := ('+' | '-') signed | factor
    factor   := atom ('^' exponent)?               ^ and ** are the same, right-associative
    exponent := ('+' | '-') exponent | atom ('^' exponent)?
    atom     := NUMBER | CONSTANT | VARIABLE | '(' expr ')' | '|' expr '|' | application
    application := FUNCTION ('^' n)? ( '(' expr (',' expr)* ')' | bare-argument )

- Juxtaposition is a product with the precedence of ``*`` and ``/`` (left to right): ``2x^2`` is
  ``2*x^2``, ``1/2x`` is ``(1/2)*x``, ``3(x+1)`` is ``3*(x+1)``. A power belongs to its own factor:
  ``xy^2`` is ``x*y^2`` and ``nm^(-1)`` is ``n*m^(-1)``: a run of letters is split into the declared
  variables, constants and functions it is made of (``xsin(x)`` is ``x*sin(x)``) before anything else.
- A function may take its argument without parentheses: the argument is the product that follows, up to
  the next function name or explicit operator: ``sin 2x`` is ``sin(2x)``, ``sin x cos x`` is
  ``sin(x)*cos(x)``, ``sin x^2`` is ``sin(x^2)``, ``sin 2x/3`` is ``sin(2x)/3``. ``sin^2 x`` and
  ``sin^2(x)`` are ``sin(x)^2``.
- ``|x|`` is ``abs(x)``; a bar after an operand closes the innermost open bar unless only opening it
  balances the bars (``a|x+b|y||`` is ``a*abs(x + b*abs(y))``).

Every input is bounded before any work: length, nesting depth, node count and the size of a constant
exponent; each refusal is a ``FormatError`` with a one-line reason naming the position (1-based, in the
text as typed).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from exgen.errors import FormatError
from exgen.expr.functions import ALIASES, ARITY, COMMON, CONSTANTS, canonical
from exgen.expr.normalise import normalise
from exgen.i18n import _, ngettext

MAX_EXPR_CHARS = 1000
MAX_DEPTH = 40
MAX_NODES = 400
#: Constant exponents up to this magnitude are read (and evaluated exactly where floats overflow).
MAX_EXPONENT = 1_000_000.0
MAX_NUMBER_CHARS = 40
MAX_NAME_CHARS = 60
MAX_BARS = 100

#: Canonical names of the functions a student may call (aliases such as ``ln`` map onto these).
FUNCTIONS = tuple(ARITY)



class Node:
    """One AST node: ``op`` is num, const, var, neg, add, sub, mul, div, pow or call.

    ``value`` holds the number (num), the name (const, var) or the canonical function name (call); ``args``
    the operands (a call has one argument, or two or more for max and min). Two trees are equal when they
    have the same structure and values.
    """

    __slots__ = ("op", "args", "value", "_hash")
    op: str
    args: tuple[Node, ...]
    value: float | str | None
    _hash: int

    def __init__(self, op: str, args: tuple[Node, ...] = (), value: float | str | None = None):
        # A plain immutable class (a dataclass costs every graded submission's start-up to build). Trees are
        # keys of several caches: a hash computed once, and compared before the structure, keeps every lookup
        # O(1) instead of a walk over the whole tree.
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "_hash", hash((op, args, value)))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Node is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Node is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple:
        return (Node, (self.op, self.args, self.value))

    def __repr__(self) -> str:
        return f"Node(op={self.op!r}, args={self.args!r}, value={self.value!r})"

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Node):
            return NotImplemented
        return (self._hash == other._hash and self.op == other.op
                and self.value == other.value and self.args == other.args)

    @property
    def number(self) -> float:
        """Return the value of a ``num`` node."""
        if not isinstance(self.value, (int, float)):
            raise TypeError(f"{self.op} node has no number")
        return float(self.value)

    def variables(self) -> frozenset[str]:
        """Return the variable names used in this expression."""
        return _variables(self)


@lru_cache(maxsize=8192)
def _variables(node: Node) -> frozenset[str]:
    if node.op == "var":
        return frozenset((str(node.value),))
    found: frozenset[str] = frozenset()
    for a in node.args:
        found |= _variables(a)
    return found


class Token:
    """One token: ``kind`` is num, var, const, func, op or end; ``text`` the token as normalised (a canonical
    name for func; "|(" / "|)" for resolved bars); ``pos`` its index in the normalised text; ``shown`` the
    token as typed, for messages."""

    __slots__ = ("kind", "text", "pos", "shown")

    def __init__(self, kind: str, text: str, pos: int, shown: str = ""):
        self.kind, self.text, self.pos, self.shown = kind, text, pos, shown

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return (self.kind, self.text, self.pos, self.shown) == (other.kind, other.text, other.pos, other.shown)

    # mutable, as the dataclass it replaced: not hashable
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Token(kind={self.kind!r}, text={self.text!r}, pos={self.pos!r}, shown={self.shown!r})"


class _Source:
    """The text as typed and as normalised, mapping positions back for messages."""

    def __init__(self, typed: str):
        self.typed = typed
        self.text, self.origin = normalise(typed)

    def where(self, pos: int) -> int:
        """Return the 1-based position in the typed text of normalised index ``pos``."""
        if self.origin is None:
            return pos + 1
        if pos >= len(self.origin):
            return len(self.typed) + 1
        return self.origin[pos] + 1

    def typed_slice(self, start: int, end: int) -> str:
        if self.origin is None:
            return self.text[start:end]
        a = self.origin[start]
        b = self.origin[end - 1] + 1 if end > start else a
        return self.typed[a:b]


def _describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"{ch!r} ({code} {name})" if name else f"{ch!r} ({code})"


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:17] + "..."


def _shown_name(text: str) -> str:
    shown = _short(text)
    extra = [f"U+{ord(c):04X} {unicodedata.name(c, '')}".strip() for c in text[:3] if not c.isascii()]
    return f"'{shown}'" + (f" ({', '.join(extra)})" if extra else "")


class _Names:
    """Splits a run of letters into the variables, constants and functions it is made of."""

    def __init__(self, variables: frozenset[str]):
        self.variables = variables
        self.vocabulary = sorted(variables | set(CONSTANTS) | set(ARITY) | set(ALIASES), key=len, reverse=True)

    def role(self, name: str) -> tuple[str, str] | None:
        if name in self.variables:
            return "var", name
        if name in CONSTANTS:
            return "const", name
        fn = canonical(name)
        if fn is not None:
            return "func", fn
        return None

    def split(self, name: str) -> list[tuple[int, int]] | None:
        """Return the fewest pieces (start, end) that are each a known name, or None."""
        n = len(name)
        best: list[tuple[int, int] | None] = [None] * (n + 1)  # (pieces, previous cut)
        best[0] = (0, -1)
        for k in range(n):
            if best[k] is None:
                continue
            rest = name[k:]
            low = rest.lower()
            for word in self.vocabulary:
                if rest.startswith(word) or (low.startswith(word) and canonical(word) is not None):
                    end = k + len(word)
                    cand = (best[k][0] + 1, k)  # type: ignore[index]
                    if best[end] is None or cand[0] < best[end][0]:  # type: ignore[index]
                        best[end] = cand
        if best[n] is None:
            return None
        cuts = []
        end = n
        while end > 0:
            start = best[end][1]  # type: ignore[index]
            cuts.append((start, end))
            end = start
        return cuts[::-1]


@lru_cache(maxsize=256)
def _names(variables: tuple[str, ...]) -> _Names:
    return _Names(frozenset(variables))


_TOKEN_RE = re.compile(r"[ \t\r\n]+|(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z][A-Za-z0-9]*)"
                       r"|(?P<op>\*\*|[-+*/^(),|])")


def tokenize(source: _Source, names: _Names, implicit: bool) -> list[Token]:
    """Split text into tokens; raises FormatError naming the first thing outside the whitelist."""
    text = source.text
    out: list[Token] = []
    pos, n = 0, len(text)
    match = _TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            raise _refusal(source, pos)
        kind, end = m.lastgroup, m.end()
        if kind == "num":
            if end - pos > MAX_NUMBER_CHARS:
                raise FormatError(_("number at position %(pos)d is too long (at most %(limit)d characters)")
                                  % {"pos": source.where(pos), "limit": MAX_NUMBER_CHARS})
            out.append(Token("num", m.group(), pos, source.typed_slice(pos, end)))
        elif kind == "name":
            out.extend(_name_tokens(m.group(), pos, source, names, implicit))
        elif kind == "op":
            text_op = m.group()
            out.append(Token("op", "^" if text_op == "**" else text_op, pos, text_op))
        pos = end
    out.append(Token("end", "", n, ""))
    return out


def _refusal(source: _Source, pos: int) -> FormatError:
    """The error for a character no token starts with."""
    where = source.where(pos)
    ch = source.text[pos]
    if ch == "=":
        return FormatError(_("'=' at position %(pos)d: type only the formula itself (the right-hand side)")
                           % {"pos": where})
    typed = source.typed[where - 1] if where - 1 < len(source.typed) else ch
    if typed.isascii():
        return FormatError(_("character %(char)s at position %(pos)d is not allowed in a formula")
                           % {"char": repr(typed), "pos": where})
    return FormatError(_("character %(char)s at position %(pos)d is not allowed; type formulas with letters, "
                         "digits and + - * / ^ ( )") % {"char": _describe_char(typed), "pos": where})


def _name_tokens(name: str, pos: int, source: _Source, names: _Names, implicit: bool) -> list[Token]:
    where = source.where(pos)
    typed = source.typed_slice(pos, pos + len(name))
    if len(name) > MAX_NAME_CHARS:
        raise FormatError(_("name at position %(pos)d is too long (at most %(limit)d letters)")
                          % {"pos": where, "limit": MAX_NAME_CHARS})
    role = names.role(name)
    if role is not None:
        return [Token(role[0], role[1], pos, typed)]
    pieces = names.split(name) if implicit else None
    if pieces is None:
        raise FormatError(_("unknown variable or function %(name)s at position %(pos)d; %(allowed)s")
                          % {"name": _shown_name(typed), "pos": where, "allowed": _allowed(names.variables)})
    out = []
    for start, end in pieces:
        kind, value = names.role(name[start:end]) or ("var", name[start:end])
        out.append(Token(kind, value, pos + start, source.typed_slice(pos + start, pos + end)))
    return out


def _allowed(variables: frozenset[str]) -> str:
    if not variables:
        return _("no variables; functions such as %(functions)s; constants: e, pi") % {"functions": ", ".join(COMMON)}
    return (_("variables: %(names)s; functions such as %(functions)s; constants: e, pi")
            % {"names": ", ".join(sorted(variables)), "functions": ", ".join(COMMON)})


def _check_parentheses(tokens: Sequence[Token], source: _Source) -> None:
    depth = 0
    opened: list[int] = []
    for tok in tokens:
        if tok.kind != "op":
            continue
        if tok.text == "(":
            depth += 1
            opened.append(tok.pos)
            if depth > MAX_DEPTH:
                raise FormatError(_("parentheses are nested more than %(limit)d levels deep (at position %(pos)d)")
                                  % {"limit": MAX_DEPTH, "pos": source.where(tok.pos)})
        elif tok.text == ")":
            depth -= 1
            if depth < 0:
                raise FormatError(_("unmatched ')' at position %(pos)d") % {"pos": source.where(tok.pos)})
            opened.pop()
    if depth > 0:
        raise FormatError(_("%(count)d unclosed '(' (the first at position %(pos)d; missing ')')")
                          % {"count": depth, "pos": source.where(opened[0])})


def _ends_operand(tok: Token) -> bool:
    return tok.kind in ("num", "var", "const") or (tok.kind == "op" and tok.text in (")", "|)"))


def _starts_operand(tok: Token) -> bool:
    return tok.kind in ("num", "var", "const", "func") or (tok.kind == "op" and tok.text in ("(", "|", "+", "-"))


def _resolve_bars(tokens: list[Token], source: _Source) -> None:
    """Mark each '|' as opening ('|(') or closing ('|)'), group by group of parentheses.

    A bar after an operand closes the innermost open bar when the rest can still balance; otherwise it
    opens a new one (an implicit product such as ``a|x|``). A dynamic program over (bar, depth) finds the
    first reading, in that order of preference, that balances every group.
    """
    bars = [i for i, t in enumerate(tokens) if t.kind == "op" and t.text == "|"]
    if not bars:
        return
    if len(bars) > MAX_BARS:
        raise FormatError(_("too many '|' bars (at most %(limit)d; the next is at position %(pos)d)")
                          % {"limit": MAX_BARS, "pos": source.where(tokens[bars[MAX_BARS]].pos)})
    group_of: dict[int, int] = {}
    stack = [-1]
    for i, t in enumerate(tokens):
        if t.kind == "op" and t.text == "(":
            stack.append(i)
        elif t.kind == "op" and t.text == ")":
            stack.pop()
        elif t.kind == "op" and t.text == "|":
            group_of[i] = stack[-1]
    groups: dict[int, list[int]] = {}
    for i in bars:
        groups.setdefault(group_of[i], []).append(i)
    for members in groups.values():
        _resolve_group(tokens, members, source)


def _bar_table(tokens: list[Token], members: list[int], limit: int):
    """Return (options, ok): the readings open to each bar, and which (bar, depth, previous) can balance."""
    n = len(members)
    # prev_fixed[k]: None when the token before bar k is bar k-1 (its reading decides), else whether it ends
    # an operand.
    prev_fixed: list[bool | None] = []
    can_open: list[bool] = []
    for k, i in enumerate(members):
        before = tokens[i - 1] if i > 0 else None
        if k > 0 and members[k - 1] == i - 1:
            prev_fixed.append(None)
        else:
            prev_fixed.append(before is not None and _ends_operand(before))
        can_open.append(_starts_operand(tokens[i + 1]))

    def options(k: int, d: int, p: int) -> list[tuple[str, int]]:
        ends = prev_fixed[k] if prev_fixed[k] is not None else bool(p)
        found = []
        if ends and d > 0:
            found.append(("|)", d - 1))
        if can_open[k] and d < limit:
            found.append(("|(", d + 1))
        return found

    # ok[k][d][p]: bars k.. can balance from depth d, where p says the previous bar closed (1) or opened (0)
    ok = [[[False, False] for _ in range(limit + 2)] for _ in range(n + 1)]
    ok[n][0] = [True, True]
    for k in range(n - 1, -1, -1):
        for d in range(limit + 1):
            for p in (0, 1):
                ok[k][d][p] = any(ok[k + 1][d2][1 if kind == "|)" else 0] for kind, d2 in options(k, d, p))
    return options, ok


def _resolve_group(tokens: list[Token], members: list[int], source: _Source) -> None:
    n = len(members)
    options, ok = _bar_table(tokens, members, min(MAX_DEPTH, n))
    if not ok[0][0][0]:
        first = tokens[members[0]]
        if n > MAX_DEPTH and _bar_table(tokens, members, n)[1][0][0][0]:
            raise FormatError(_("'|' bars are nested more than %(limit)d levels deep (from position %(pos)d)")
                              % {"limit": MAX_DEPTH, "pos": source.where(first.pos)})
        raise FormatError(_("the '|' bars do not pair up (the first is at position %(pos)d)")
                          % {"pos": source.where(first.pos)})
    d, p = 0, 0
    for k, i in enumerate(members):
        for kind, d2 in options(k, d, p):
            if ok[k + 1][d2][1 if kind == "|)" else 0]:
                tokens[i].text = kind
                d, p = d2, (1 if kind == "|)" else 0)
                break


class _Parser:
    def __init__(self, tokens: list[Token], source: _Source, implicit: bool):
        self.tokens = tokens
        self.source = source
        self.i = 0
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
        tok = self.tokens[self.i]
        return tok.kind == "op" and tok.text in ops

    def at(self, tok: Token) -> int:
        """Return the position (from 1, as typed) of a token, for messages."""
        return self.source.where(tok.pos)

    def node(self, op: str, args: tuple[Node, ...] = (), value=None) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormatError(_("formula is too long (more than %(limit)d numbers, names and operations, at "
                                "position %(pos)d)")
                              % {"limit": MAX_NODES, "pos": self.at(self.tokens[min(self.i, len(self.tokens) - 1)])})
        return Node(op, args, value)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormatError(_("formula is nested more than %(limit)d levels deep (at position %(pos)d)")
                              % {"limit": MAX_DEPTH, "pos": self.at(self.tokens[min(self.i, len(self.tokens) - 1)])})

    def leave(self) -> None:
        self.depth -= 1

    def expect_close(self, closer: str, opener: Token, what: str) -> None:
        if self.is_op(closer):
            self.take()
            return
        tok = self.peek()
        if tok.kind == "end":
            # Translators: %(what)s is what is missing, such as ')' or "closing '|'"; %(opener)s what it closes.
            raise FormatError(_("missing %(what)s for the %(opener)s at position %(pos)d")
                              % {"what": what, "opener": repr(opener.shown or opener.text), "pos": self.at(opener)})
        raise FormatError(_("unexpected %(token)s at position %(pos)d (expected %(what)s)")
                          % {"token": repr(tok.shown or tok.text), "pos": self.at(tok), "what": what})

    def starts_factor(self) -> bool:
        """Whether the next token begins a factor of an implicit product."""
        tok = self.peek()
        if tok.kind in ("var", "const", "func"):
            return True
        if tok.kind == "op" and tok.text in ("(", "|("):
            return True
        if tok.kind == "num":
            prev = self.tokens[self.i - 1]
            if prev.kind == "op" and prev.text in (")", "|)"):
                return True  # (x+2)3
            raise FormatError(_("missing operator before the number %(number)s at position %(pos)d")
                              % {"number": repr(tok.shown), "pos": self.at(tok)})
        return False

    # -- grammar -----------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise FormatError(_("empty formula"))
        tree = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            if tok.text == ")":
                raise FormatError(_("unmatched ')' at position %(pos)d") % {"pos": self.at(tok)})
            raise FormatError(_("unexpected %(token)s at position %(pos)d")
                              % {"token": repr(tok.shown or tok.text), "pos": self.at(tok)})
        return tree

    def expr(self) -> Node:
        left = self.term()
        while self.is_op("+", "-"):
            op = "add" if self.take().text == "+" else "sub"
            left = self.node(op, (left, self.term()))
        return left

    def term(self) -> Node:
        left = self.signed()
        while True:
            if self.is_op("*", "/"):
                op = "mul" if self.take().text == "*" else "div"
                left = self.node(op, (left, self.signed()))
            elif self.starts_factor():
                if not self.implicit:
                    tok = self.peek()
                    raise FormatError(_("missing '*' before %(token)s at position %(pos)d")
                                      % {"token": repr(tok.shown or tok.text), "pos": self.at(tok)})
                left = self.node("mul", (left, self.factor()))
            else:
                return left

    def signed(self) -> Node:
        if self.is_op("+", "-"):
            sign = self.take().text
            self.enter()
            operand = self.signed()
            self.leave()
            return operand if sign == "+" else self.node("neg", (operand,))
        return self.factor()

    def factor(self) -> Node:
        base = self.atom()
        if self.is_op("^"):
            tok = self.take()
            self.enter()
            exponent = self.exponent()
            self.leave()
            _check_exponent(exponent, self.source.where(tok.pos))
            return self.node("pow", (base, exponent))
        return base

    def exponent(self) -> Node:
        if self.is_op("+", "-"):
            sign = self.take().text
            self.enter()
            operand = self.exponent()
            self.leave()
            return operand if sign == "+" else self.node("neg", (operand,))
        return self.factor()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            value = float(tok.text)
            if not math.isfinite(value):
                raise FormatError(_("number %(number)s at position %(pos)d is too large")
                                  % {"number": repr(_short(tok.shown)), "pos": self.at(tok)})
            return self.node("num", value=value)
        if tok.kind == "var":
            return self.node("var", value=tok.text)
        if tok.kind == "const":
            return self.node("const", value=tok.text)
        if tok.kind == "func":
            return self.application(tok)
        if tok.kind == "op" and tok.text in ("(", "|("):
            self.enter()
            inner = self.expr()
            self.leave()
            if tok.text == "(":
                self.expect_close(")", tok, "')'")
                return inner
            self.expect_close("|)", tok, _("closing '|'"))
            return self.node("call", (inner,), "abs")
        if tok.kind == "end":
            raise FormatError(_("formula ends too early (an operand is missing at position %(pos)d)")
                              % {"pos": self.at(tok)})
        raise FormatError(_("unexpected %(token)s at position %(pos)d")
                          % {"token": repr(tok.shown or tok.text), "pos": self.at(tok)})

    def application(self, tok: Token) -> Node:
        name = tok.text
        shown = tok.shown or name
        arity = ARITY[name]
        power = None
        if self.is_op("^"):
            hat = self.take()
            self.enter()
            power = self.exponent()
            self.leave()
            _check_function_power(power, shown, self.source.where(hat.pos))
        if self.is_op("("):
            opener = self.take()
            self.enter()
            args = [self.expr()]
            while self.is_op(","):
                self.take()
                args.append(self.expr())
            self.leave()
            self.expect_close(")", opener, ngettext("')' after the argument of '%(name)s'",
                                                    "')' after the arguments of '%(name)s'", len(args))
                              % {"name": shown})
            if arity is None and len(args) < 2:
                raise FormatError(_("function '%(name)s' at position %(pos)d takes two or more arguments, like "
                                    "%(example)s") % {"name": shown, "pos": self.at(tok), "example": f"{name}(x, 0)"})
            if arity is not None and len(args) != arity:
                raise FormatError(_("function '%(name)s' at position %(pos)d takes one argument")
                                  % {"name": shown, "pos": self.at(tok)})
        else:
            if arity != 1 or not self.implicit:
                example = f"{name}(x, 0)" if arity is None else f"{name}(x)"
                raise FormatError(_("function '%(name)s' at position %(pos)d needs parentheses, like %(example)s")
                                  % {"name": shown, "pos": self.at(tok), "example": example})
            nxt = self.peek()
            if not (nxt.kind in ("num", "var", "const", "func") or (nxt.kind == "op" and nxt.text == "|(")):
                raise FormatError(_("function '%(name)s' at position %(pos)d needs its argument in parentheses, "
                                    "like %(example)s") % {"name": shown, "pos": self.at(tok), "example": f"{name}(x)"})
            self.enter()
            args = [self.bare_argument()]
            self.leave()
        call = self.node("call", tuple(args), name)
        return self.node("pow", (call, power)) if power is not None else call

    def bare_argument(self) -> Node:
        """The argument of ``sin 2x``: a product of factors up to the next function name or operator."""
        arg = self.factor()
        while self.peek().kind != "func" and self.starts_factor():
            arg = self.node("mul", (arg, self.factor()))
        return arg


def _constant_value(node: Node) -> float | None:
    """Return the value of a variable-free subtree (None when it has variables or is undefined)."""
    if node.op == "num":
        return node.number
    if node.op == "neg" and node.args[0].op == "num":
        return -node.args[0].number
    if node.variables():
        return None
    from exgen.expr.evaluate import evaluate_scalar

    value = evaluate_scalar(node, {})
    if value is None:
        from exgen.expr.precise import constant

        value = constant(node)
    return value


def _check_exponent(exponent: Node, where: int) -> None:
    if exponent.variables():
        return
    value = _constant_value(exponent)
    if value is None or abs(value) > MAX_EXPONENT:
        raise FormatError(_("exponent at position %(pos)d is too large (a constant exponent must be at most "
                            "%(limit)s in magnitude)") % {"pos": where, "limit": f"{MAX_EXPONENT:,.0f}"})


def _check_function_power(power: Node, shown: str, where: int) -> None:
    value = _constant_value(power)
    if value == -1:
        raise FormatError(_("'%(name)s^-1' at position %(pos)d is ambiguous: write a%(name)s(x) or arc%(name)s(x) "
                            "for the inverse function, or 1/%(name)s(x)") % {"name": shown, "pos": where})
    if value is None or value != int(value) or not 1 <= value <= 100:
        raise FormatError(_("the power on '%(name)s' at position %(pos)d must be a whole number from 1 to 100, "
                            "like %(name)s^2(x); otherwise write (%(name)s(x))^p") % {"name": shown, "pos": where})


def parse(text: str, variables: Sequence[str] = ("x",), *, implicit_multiplication: bool = True) -> Node:
    """Parse a formula typed by a student.

    Args:
        text: the formula; ``^`` or ``**`` for powers; the whitelisted functions and constants only.
        variables: the variable names the formula may use.
        implicit_multiplication: accept ``2x``, ``xy``, ``3(x+1)`` and ``sin x`` (juxtaposition) for
            ``2*x``, ``x*y``, ``3*(x+1)`` and ``sin(x)``.

    Returns:
        The expression as an immutable ``Node`` tree.

    Raises:
        FormatError: the text is too long, too deep, uses an unknown name or character, or is malformed;
            the message names the position.
    """
    if not isinstance(text, str):
        raise FormatError(_("expected a formula as text, got %(type)s") % {"type": type(text).__name__})
    if len(text) > MAX_EXPR_CHARS:
        raise FormatError(_("formula is too long (%(count)d characters; at most %(limit)d)")
                          % {"count": len(text), "limit": MAX_EXPR_CHARS})
    return _parse_cached(text, tuple(sorted(variables)), bool(implicit_multiplication))


@lru_cache(maxsize=4096)
def _parse_cached(text: str, variables: tuple[str, ...], implicit: bool) -> Node:
    if not text.strip():
        raise FormatError(_("empty formula"))
    source = _Source(text)
    names = _names(variables)
    tokens = tokenize(source, names, implicit)
    _check_parentheses(tokens, source)
    _resolve_bars(tokens, source)
    return _Parser(tokens, source, implicit).parse()
