"""Backward pass through one node: add, multiply, branch, repeat, sum, MatMul (topics.md section 7).

Forward values and an upstream gradient are drawn at random (small non-zero integers); the student finds
the gradients the node sends to its inputs. Each part lists the known mistakes (the multiply node's
inputs not swapped, branches not summed, averaging instead of summing over the batch, W instead of
W^T, the wrong order of a matrix product, an element-wise product for a matrix product, ...); a draw in
which one of them equals the correct answer is rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.i18n import N_, _
from exgen.instance import Part
from exgen.types._backprop import TOL, asked, dL, ints, kind_of, safe, tex, wrongs
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.graphs import Graph, Node, describe, edge, mark, to_json
from exgen.types.mistakes import BATCH_AVERAGED, ELEMENTWISE, FORWARD_VALUE, LOCAL_ONLY, TRANSPOSED, Mistake
from exgen.types.params import Choice, Int, IntRange, Subset

NODES = ("add", "multiply", "branch", "repeat", "sum", "matmul")
_GRAPH_OP = {"add": "add", "multiply": "mul", "repeat": "repeat", "sum": "sum", "matmul": "matmul"}
#: The statement of each node's exercise (the branch node has its own, with its number of consumers).
_INTROS = {
    "add": N_("The diagram shows an add node in a computational graph whose output feeds a scalar loss $L$. "
              "Forward values are above the arrows, gradients below."),
    "multiply": N_("The diagram shows a multiply node in a computational graph whose output feeds a scalar loss "
                   "$L$. Forward values are above the arrows, gradients below."),
    "repeat": N_("The diagram shows a repeat node in a computational graph whose output feeds a scalar loss $L$. "
                 "Forward values are above the arrows, gradients below."),
    "sum": N_("The diagram shows a sum node in a computational graph whose output feeds a scalar loss $L$. "
              "Forward values are above the arrows, gradients below."),
    "matmul": N_("The diagram shows a MatMul node in a computational graph whose output feeds a scalar loss $L$. "
                 "Forward values are above the arrows, gradients below."),
}


MISTAKES = (
    Mistake("add-as-multiply", N_("At an add node, multiplied the upstream gradient by the other input.")),
    LOCAL_ONLY,
    FORWARD_VALUE,
    Mistake("mul-not-swapped", N_("At a multiply node, multiplied the upstream gradient by the input itself.")),
    Mistake("mul-as-add", N_("At a multiply node, passed the upstream gradient through unchanged (the add rule).")),
    Mistake("matrix-product", N_("Used a matrix product where the node is element-wise.")),
    Mistake("branch-not-summed", N_("Kept the gradient from one consumer of a branching value instead of the sum.")),
    Mistake("branch-averaged", N_("Averaged the gradients coming back to a branching value instead of summing.")),
    BATCH_AVERAGED,
    Mistake("not-summed", N_("Did not sum the gradients of the copies made by a repeat node.")),
    Mistake("wrong-axis", N_("Summed over the wrong axis.")),
    Mistake("one-copy", N_("Kept the gradient of one copy of a repeated value only.")),
    Mistake("not-repeated", N_("Did not repeat the upstream gradient of a sum node for each row.")),
    Mistake("times-input", N_("Multiplied the upstream gradient of a sum node by its input.")),
    Mistake("no-transpose", N_("In a MatMul backward, multiplied by W instead of its transpose.")),
    Mistake("wrong-order", N_("Multiplied the factors of a MatMul backward in the wrong order.")),
    ELEMENTWISE,
    Mistake("used-W", N_("For the weight gradient, multiplied by the weights instead of the input.")),
    TRANSPOSED,
)


def _dims(*shape: int) -> str:
    return " \\times ".join(str(d) for d in shape)


def _transposed(answer: np.ndarray, name: str) -> tuple[np.ndarray, str, str]:
    """A transposed gradient (a 1 x 1 or symmetric one makes build draw again)."""
    return (answer.T, "transposed", _("This is the transpose of $%(grad)s$, which has the shape of $%(name)s$, "
                                      "$%(dims)s$.") % {"grad": dL(name), "name": name, "dims": _dims(*answer.shape)})


def _transposed_if_array(answer: np.ndarray, name: str) -> list[tuple[np.ndarray, str, str]]:
    return [_transposed(answer, name)] if answer.ndim == 2 else []


def _part(pid: str, wrt: str, answer: Any, wrong: list, solution: list[str]) -> Part:
    # Translators: a part's question; %(grad)s is a gradient such as dL/dx (TeX); the second form gives its shape.
    prompt = asked(N_("Find $%(grad)s$."), N_("Find $%(grad)s$ (a $%(rows)d \\times %(cols)d$ array)."), answer,
                   grad=dL(wrt))
    return Part(id=pid, kind=kind_of(answer), prompt=prompt,
                answer=to_json(answer), tolerance=TOL, solution=solution, wrong_answers=wrong)


class BackpropNode(ExerciseType):
    name = "backprop_node"
    title = N_("Backward pass through one node")
    topic = "7. Computational graphs and backpropagation"
    summary = "Given forward values and an upstream gradient, find the gradients one node sends back."
    params = {
        "node": Subset(default=NODES, doc="node types to draw from (one per instance)", choices=NODES),
        "values": Choice(default="any", doc="add, multiply, branch: scalars, element-wise arrays, or either",
                         choices=("any", "scalar", "array")),
        "batch": IntRange(default=(2, 3), doc="rows N of the arrays (the batch; at least 2)", lo=2, hi=5),
        "width": IntRange(default=(2, 3), doc="columns D (and H for MatMul) of the arrays", lo=1, hi=5),
        "branches": IntRange(default=(2, 3), doc="consumers of a branching value", lo=2, hi=3),
        "max_value": Int(default=5, doc="entries are non-zero integers in [-max_value, max_value]", lo=2, hi=20),
    }
    presets = {"easy": {"values": "scalar", "max_value": 4, "width": (1, 2)},
               "hard": {"values": "array", "max_value": 9, "batch": (2, 4), "width": (2, 4)}}
    mistakes = MISTAKES

    def check_params(self, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        if "repeat" in params["node"] and params["width"][1] == 1:
            return [("width", "every width D is 1: the repeat node's input is then 1 x 1, a gradient equal to its "
                              "own transpose, so a transposed answer would score; allow a width of 2")]
        return []

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        node = params["node"][int(rng.integers(len(params["node"])))]
        return draw_until(rng, lambda r: getattr(self, f"_{node}")(params, r), what=f"{node} node exercise")

    # -- helpers -------------------------------------------------------------------------------------
    def _shape(self, params: Mapping[str, Any], rng: np.random.Generator, *, array: bool | None = None):
        if array is None:
            mode = params["values"]
            array = mode == "array" or (mode == "any" and bool(rng.integers(2)))
        if not array:
            return ()
        n = int(rng.integers(params["batch"][0], params["batch"][1] + 1))
        d = int(rng.integers(params["width"][0], params["width"][1] + 1))
        return (n, d)

    def _draft(self, node: str, graph: Graph | None, leaves: dict, seed: Any, upstream: str, parts: list[Part],
               desc: dict | None = None) -> Draft:
        if desc is None:
            assert graph is not None, "a node without its own description needs its graph"  # noqa: S101
            vals = graph.forward(leaves)
            desc = describe(graph, vals, seed=seed, asked_grad={p: part.id for p, part in zip(leaves, parts)},
                            output_grad_given=True)
        data = [f"${graph.symbol(k) if graph else k} = {tex(v)}$" for k, v in leaves.items()]
        # Translators: a line of the data given with the diagram: the gradient arriving at the node's output.
        data.append(_("upstream gradient $%(grad)s = %(value)s$") % {"grad": dL(upstream), "value": tex(seed)})
        given = {"node": node, **{k: to_json(v) for k, v in leaves.items()}, "upstream": to_json(seed)}
        return Draft(given=given, parts=parts, context={
            "node": node, "intro": _(_INTROS[node]),
            "data": data, "graph": desc})

    # -- one method per node -------------------------------------------------------------------------
    def _add(self, params, rng) -> Draft | None:
        shape = self._shape(params, rng)
        hi = params["max_value"]
        x, y, dz = ints(rng, shape, hi), ints(rng, shape, hi), ints(rng, shape, hi)
        parts = []
        for pid, other in (("a", y), ("b", x)):
            name = "x" if pid == "a" else "y"
            wrong = wrongs(dz, [*_transposed_if_array(dz, name),
                (dz * other, "add-as-multiply", _("That is the multiply rule (upstream gradient times the other "
                 "input). An add node passes the upstream gradient to both inputs unchanged.")),
                (np.ones_like(dz), "local-only", _("That is only the local derivative 1; multiply it by the upstream "
                 "gradient.")),
                (x + y, "forward-value", _("That is the forward value $z$, not a gradient."))])
            if wrong is None:
                return None
            parts.append(_part(pid, name, dz, wrong, [
                _("The local derivative of $z = x + y$ with respect to $%(name)s$ is $1$, so $%(grad)s = "
                  "%(upstream)s \\cdot 1 = %(value)s$.")
                % {"name": name, "grad": dL(name), "upstream": dL("z"), "value": tex(dz)}]))
        graph = Graph(leaves=(("x", "input"), ("y", "input")), nodes=(Node("z", "add", ("x", "y")),))
        return self._draft("add", graph, {"x": x, "y": y}, dz, "z", parts)

    def _multiply(self, params, rng) -> Draft | None:
        shape = self._shape(params, rng)
        hi = params["max_value"]
        x, y, dz = ints(rng, shape, hi), ints(rng, shape, hi), ints(rng, shape, hi)
        op = r"\odot" if shape else r"\cdot"
        parts = []
        for pid, name, me, other, oname in (("a", "x", x, y, "y"), ("b", "y", y, x, "x")):
            answer = dz * other
            wrong = wrongs(answer, [*_transposed_if_array(answer, name),
                (dz * me, "mul-not-swapped", _("You multiplied the upstream gradient by $%(name)s$ itself; the "
                 "multiply node sends each input the upstream gradient times the other input, here $%(other)s$.")
                 % {"name": name, "other": oname}),
                (dz, "mul-as-add", _("That passes the upstream gradient through unchanged, the add rule; a multiply "
                 "node multiplies it by the other input ($%(other)s$).") % {"other": oname}),
                (other, "local-only", _("That is only the local derivative $%(other)s$; multiply it by the upstream "
                 "gradient.") % {"other": oname}),
                (safe(lambda: dz @ other.T) if shape else None, "matrix-product",
                 _("That is a matrix product; the multiply node is element-wise, so its gradient is too."))])
            if wrong is None:
                return None
            parts.append(_part(pid, name, answer, wrong, [
                _("For $z = x %(op)s y$ the inputs swap: $%(grad)s = %(upstream)s %(op)s %(other)s$.")
                % {"op": op, "grad": dL(name), "upstream": dL("z"), "other": oname},
                rf"${dL(name)} = {tex(dz)} {op} {tex(other)} = {tex(answer)}$."]))
        graph = Graph(leaves=(("x", "input"), ("y", "input")), nodes=(Node("z", "mul", ("x", "y")),))
        return self._draft("multiply", graph, {"x": x, "y": y}, dz, "z", parts)

    def _branch(self, params, rng) -> Draft | None:
        shape = self._shape(params, rng)
        hi = params["max_value"]
        k = int(rng.integers(params["branches"][0], params["branches"][1] + 1))
        x = ints(rng, shape, hi)
        gs = [ints(rng, shape, hi) for _copy in range(k)]
        total = sum(gs[1:], gs[0])
        wrong = wrongs(total, [*_transposed_if_array(total, "x"),
            *[(g, "branch-not-summed", _("That is the gradient from one consumer only; a value used by several "
               "nodes receives the sum of the gradients they send back.")) for g in gs],
            (total / k, "branch-averaged", _("You averaged the incoming gradients; a branch sums them.")),
            (x, "forward-value", _("That is the forward value $x$, not a gradient."))])
        if wrong is None:
            return None
        names = [f"f_{i + 1}" for i in range(k)]
        terms = " + ".join(f"({tex(g)})" if g.ndim == 0 and g < 0 and k else tex(g) for k, g in enumerate(gs))
        part = _part("a", "x", total, wrong, [
            _("The value $x$ is copied to every consumer; the copy's backward pass adds the gradients that come back."),
            rf"${dL('x')} = {terms} = {tex(total)}$."])
        desc = {"nodes": [{"id": "x", "kind": "input", "label": "x", "text": "x", "col": 0, "row": 0}]
                + [{"id": f"f{i + 1}", "kind": "op", "label": n, "text": n.replace("_", ""), "col": 2,
                    "row": 2 * i - (k - 1)} for i, n in enumerate(names)],
                "edges": [edge("x", f"f{i + 1}", x, g, name="x", grad_given=True) for i, g in enumerate(gs)],
                "marks": [mark("x", "x", total, "a")], "straight": True}
        # Translators: a line of the data given with the diagram: the gradient a consumer node (f_1, f_2, ...) of x
        # sends back to x.
        data = [f"$x = {tex(x)}$"] + [_("node $%(node)s$ sends back $%(value)s$") % {"node": n, "value": tex(g)}
                                      for n, g in zip(names, gs)]
        given = {"node": "branch", "x": to_json(x), "upstream": [to_json(g) for g in gs]}
        return Draft(given=given, parts=[part], context={
            "node": "branch", "intro": _("The value $x$ feeds %(count)d nodes $%(nodes)s$. Each sends back the "
                                         "gradient of the scalar loss $L$ with respect to its copy of $x$ (below "
                                         "the arrows).") % {"count": k, "nodes": ", ".join(names)},
            "data": data, "graph": desc})

    def _repeat(self, params, rng) -> Draft | None:
        n, d = self._shape(params, rng, array=True)
        hi = params["max_value"]
        x, dy = ints(rng, (1, d), hi), ints(rng, (n, d), hi)
        answer = dy.sum(axis=0, keepdims=True)
        wrong = wrongs(answer, [
            (dy.mean(axis=0, keepdims=True), "batch-averaged", _("You averaged over the copies; the repeat node's "
             "backward sums the gradients of all %(n)d copies.") % {"n": n}),
            (dy, "not-summed", _("That is the upstream gradient itself ($%(dims)s$); the repeat node's backward "
             "sums it over axis 0 back to the shape of $x$ ($%(x_dims)s$).") % {"dims": _dims(n, d),
                                                                                  "x_dims": _dims(1, d)}),
            (dy.sum(axis=1, keepdims=True), "wrong-axis", _("You summed over axis 1 (each row); sum over axis 0, the "
             "%(n)d copies.") % {"n": n}),
            (dy[:1], "one-copy", _("That is the gradient of one copy only; all %(n)d copies come from $x$, so their "
             "gradients are summed.") % {"n": n}),
            _transposed(answer, "x")])
        if wrong is None:
            return None
        part = _part("a", "x", answer, wrong, [
            _("$y$ stacks $N = %(n)d$ copies of $x$, so each copy's gradient flows back to $x$ and they add up: "
              "$%(sum)s$ (sum over axis 0).") % {"n": n, "sum": rf"{dL('x')} = \sum_{{i=1}}^{{{n}}} {dL('y')}_{{i,:}}"},
            rf"${dL('x')} = {tex(answer)}$."])
        graph = Graph(leaves=(("x", "input"),), nodes=(Node("y", "repeat", ("x",), n=n),))
        return self._draft("repeat", graph, {"x": x}, dy, "y", [part])

    def _sum(self, params, rng) -> Draft | None:
        n, d = self._shape(params, rng, array=True)
        hi = params["max_value"]
        x, dy = ints(rng, (n, d), hi), ints(rng, (1, d), hi)
        answer = np.repeat(dy, n, axis=0)
        wrong = wrongs(answer, [
            (np.repeat(dy / n, n, axis=0), "batch-averaged", _("You divided by %(n)d; every row of $x$ adds into $y$ "
             "with local derivative 1, so the upstream gradient is repeated, not averaged.") % {"n": n}),
            (dy, "not-repeated", _("That has the shape of $y$ ($%(y_dims)s$); the gradient of $x$ has the shape of "
             "$x$ ($%(x_dims)s$): repeat the upstream gradient for each of the %(n)d rows.")
             % {"y_dims": _dims(1, d), "x_dims": _dims(n, d), "n": n}),
            (np.ones_like(x), "local-only", _("That is only the local derivative; multiply it by the upstream "
             "gradient (repeat it for each row).")),
            (x * dy, "times-input", _("The sum node does not multiply by its input: each row gets the upstream "
             "gradient unchanged.")),
            _transposed(answer, "x")])
        if wrong is None:
            return None
        part = _part("a", "x", answer, wrong, [
            _("Every row of $x$ adds into $y$ with local derivative $1$, so each row receives $%(upstream)s$: "
              "repeat it $N = %(n)d$ times.") % {"upstream": dL("y"), "n": n}, rf"${dL('x')} = {tex(answer)}$."])
        graph = Graph(leaves=(("x", "input"),), nodes=(Node("y", "sum", ("x",)),))
        return self._draft("sum", graph, {"x": x}, dy, "y", [part])

    def _matmul(self, params, rng) -> Draft | None:
        n = int(rng.integers(params["batch"][0], params["batch"][1] + 1))
        lo, hi_w = max(params["width"][0], 2), max(params["width"][1], 2)
        d, h = (int(rng.integers(lo, hi_w + 1)) for _size in range(2))
        hi = params["max_value"]
        x, w, dy = ints(rng, (n, d), hi), ints(rng, (d, h), hi), ints(rng, (n, h), hi)
        dx, dw = dy @ w.T, x.T @ dy
        wrong_x = wrongs(dx, [
            (safe(lambda: dy @ w), "no-transpose", _("You multiplied by $W$; the backward of $y = xW$ multiplies "
             "the upstream gradient by $W^\\top$: $%(rule)s$.") % {"rule": rf"{dL('x')} = {dL('y')}\, W^\top"}),
            # Translators: %(product)s is the student's product (TeX), %(dims)s and %(x_dims)s shapes such as 2 \times
            # 3, %(rule)s the right formula.
            (w @ dy.T, "wrong-order", _("$%(product)s$ is $%(dims)s$, the transpose of $%(grad)s$; the order is "
             "$%(rule)s$ ($%(x_dims)s$, like $x$).") % {"product": rf"W\, {dL('y')}^\top", "dims": _dims(d, n),
                                                        "grad": dL("x"), "rule": rf"{dL('x')} = {dL('y')}\, W^\top",
                                                        "x_dims": _dims(n, d)}),
            (safe(lambda: dy * w), "elementwise", _("That is an element-wise product; a MatMul node needs the "
             "matrix product $%(product)s$.") % {"product": rf"{dL('y')}\, W^\top"}),
            _transposed(dx, "x")])
        wrong_w = wrongs(dw, [
            (dy.T @ x, "wrong-order", _("$%(product)s$ is $%(dims)s$, the transpose of $%(grad)s$; the order is "
             "$%(rule)s$ ($%(w_dims)s$, like $W$).") % {"product": rf"{dL('y')}^\top x", "dims": _dims(h, d),
                                                        "grad": dL("W"), "rule": rf"{dL('W')} = x^\top {dL('y')}",
                                                        "w_dims": _dims(d, h)}),
            # Translators: %(product)s is the student's product (TeX), %(rule)s the right formula.
            (safe(lambda: dy @ x.T), "wrong-order", _("$%(product)s$ multiplies in the wrong order; $%(rule)s$.")
             % {"product": rf"{dL('y')}\, x^\top", "rule": rf"{dL('W')} = x^\top {dL('y')}"}),
            (safe(lambda: w.T @ dy), "used-W", _("$%(product)s$ uses the weights; the gradient of $W$ multiplies "
             "the upstream gradient by the input: $%(rule)s$.") % {"product": rf"W^\top {dL('y')}",
                                                                  "rule": rf"{dL('W')} = x^\top {dL('y')}"}),
            (x.T @ dy / n, "batch-averaged", _("You divided by %(n)d; $%(product)s$ already sums the contributions "
             "of the %(n)d rows of the batch, and they are summed, not averaged.")
             % {"n": n, "product": rf"x^\top {dL('y')}"}),
            (safe(lambda: x * dy), "elementwise", _("That is an element-wise product; a MatMul node needs the "
             "matrix product $%(product)s$.") % {"product": rf"x^\top {dL('y')}"}),
            _transposed(dw, "W")])
        if wrong_x is None or wrong_w is None:
            return None
        parts = [
            _part("a", "x", dx, wrong_x, [
                # Translators: a worked-solution step; %(rule)s is the formula of the gradient, %(shapes)s the product
                # of the shapes, such as (2 \times 3)(3 \times 4) = 2 \times 4.
                _("For $y = xW$: $%(rule)s$; shapes: $%(shapes)s$, like $x$.")
                % {"rule": rf"{dL('x')} = {dL('y')}\, W^\top",
                   "shapes": rf"({n} \times {h})({h} \times {d}) = {n} \times {d}"},
                rf"${dL('x')} = {tex(dy)} {tex(w.T)} = {tex(dx)}$."]),
            _part("b", "W", dw, wrong_w, [
                _("$%(rule)s$; shapes: $%(shapes)s$, like $W$.")
                % {"rule": rf"{dL('W')} = x^\top {dL('y')}",
                   "shapes": rf"({d} \times {n})({n} \times {h}) = {d} \times {h}"},
                rf"${dL('W')} = {tex(x.T)} {tex(dy)} = {tex(dw)}$."])]
        graph = Graph(leaves=(("x", "input"), ("W", "param")), nodes=(Node("y", "matmul", ("x", "W")),))
        return self._draft("matmul", graph, {"x": x, "W": w}, dy, "y", parts)


TYPE = BackpropNode()
