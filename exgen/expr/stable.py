"""Rewrite the deep-learning idioms that lose precision in floating point into equal, stable forms.

``1 - sigmoid(z)`` is 0 in double precision for z > 37 although its value is about e^-z; ``1 - tanh(z)^2``
is 0 for |z| > 19 although it is about 4e^-2|z|; ``log(1 + exp(z))`` overflows for z > 709. The rewritten
forms are mathematically identical (``sigmoid(-z)``, ``sech(z)^2``, ``softplus(z)``), so a formula keeps
its meaning and gains correct digits on wide logit domains. Only evaluation uses the rewritten tree; what a
student typed is never shown rewritten.
"""

from __future__ import annotations

from functools import lru_cache

from exgen.expr.parser import Node

_ONE = Node("num", (), 1.0)


def _is_one(node: Node) -> bool:
    return node.op == "num" and node.value == 1.0


def _call(name: str, arg: Node) -> Node:
    return Node("call", (arg,), name)


def _neg(node: Node) -> Node:
    return node.args[0] if node.op == "neg" else Node("neg", (node,))


def _is_call(node: Node, name: str) -> bool:
    return node.op == "call" and node.value == name


def _square_of(node: Node, name: str) -> Node | None:
    """Return u when node is name(u)^2."""
    if node.op == "pow" and node.args[1].op == "num" and node.args[1].value == 2.0 and _is_call(node.args[0], name):
        return node.args[0].args[0]
    return None


def _one_plus(node: Node) -> Node | None:
    """Return u when node is 1 + u or u + 1."""
    if node.op == "add":
        a, b = node.args
        if _is_one(a):
            return b
        if _is_one(b):
            return a
    return None


def _rewrite(node: Node) -> Node:
    op = node.op
    if op == "sub" and _is_one(node.args[0]):
        b = node.args[1]
        if _is_call(b, "sigmoid"):  # 1 - sigmoid(u) = sigmoid(-u)
            return _call("sigmoid", _neg(b.args[0]))
        u = _square_of(b, "tanh")
        if u is not None:  # 1 - tanh(u)^2 = sech(u)^2
            return Node("pow", (_call("sech", u), Node("num", (), 2.0)))
        if _is_call(b, "tanh"):  # 1 - tanh(u) = 2 sigmoid(-2u)
            return Node("mul", (Node("num", (), 2.0), _call("sigmoid", Node("mul", (Node("num", (), -2.0), b.args[0])))))
        if _is_call(b, "exp"):  # 1 - exp(u) = -expm1(u)
            return Node("neg", (_call("expm1", b.args[0]),))
    if op == "sub" and _is_call(node.args[0], "exp") and _is_one(node.args[1]):  # exp(u) - 1
        return _call("expm1", node.args[0].args[0])
    if op == "call" and node.value == "log" and len(node.args) == 1:
        arg = node.args[0]
        u = _one_plus(arg)
        if u is not None and _is_call(u, "exp"):  # log(1 + exp(u)) = softplus(u)
            return _call("softplus", u.args[0])
        if u is not None:  # log(1 + u) = log1p(u)
            return _call("log1p", u)
        if _is_call(arg, "sigmoid"):  # log(sigmoid(u)) = logsigmoid(u)
            return _call("logsigmoid", arg.args[0])
        if arg.op == "sub" and _is_one(arg.args[0]):
            b = arg.args[1]
            if _is_call(b, "sigmoid"):  # log(1 - sigmoid(u)) = logsigmoid(-u)
                return _call("logsigmoid", _neg(b.args[0]))
            return _call("log1p", _neg(b))
        if _is_call(arg, "exp"):  # log(exp(u)) = u
            return arg.args[0]
    if op == "div":
        u = _one_plus(node.args[1])
        if u is not None and _is_call(u, "exp"):
            if _is_one(node.args[0]):  # 1/(1 + exp(u)) = sigmoid(-u)
                return _call("sigmoid", _neg(u.args[0]))
            if node.args[0] == u:  # exp(u)/(1 + exp(u)) = sigmoid(u)
                return _call("sigmoid", u.args[0])
    return node


@lru_cache(maxsize=4096)
def stable(node: Node) -> Node:
    """Return an equal formula in which the known unstable idioms are replaced by stable functions."""
    if node.args:
        args = tuple(stable(a) for a in node.args)
        if args != node.args:
            node = Node(node.op, args, node.value)
    rewritten = _rewrite(node)
    return stable(rewritten) if rewritten is not node else node
