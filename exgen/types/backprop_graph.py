"""Backpropagation through a small computational graph (3-6 nodes) with a scalar loss (topics.md 7-8).

Families:
- ``scalar``: a random graph of add and multiply nodes on scalars in which at least one value branches;
- ``affine``: ``L = sum((x W + b) * c)``, an affine layer whose bias is repeated over the batch;
- ``two_layer``: ``L = sum((x W1) W2 * c)``, two MatMul nodes in a row.

Parts ask for the forward value of each intermediate and the gradient of ``L`` with respect to each value
(intermediates, inputs and parameters). Every part stores an error-carried-forward recipe
(``exgen.grading.ecf``): how its answer follows from the parts it depends on. Answers, recipes, wrong answers and
worked solutions all come from one walk over the graph, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exgen.i18n import N_, _
from exgen.instance import Part
from exgen.types._backprop import TOL, asked, dL, ints, kind_of, safe, tex, wrongs
from exgen.types.base import Draft, ExerciseType, draw_until
from exgen.types.graphs import Graph, Node, describe, to_json
from exgen.types.mistakes import BATCH_AVERAGED, ELEMENTWISE, LOCAL_ONLY, TRANSPOSED, Mistake
from exgen.types.params import Int, IntRange, Subset

FAMILIES = ("scalar", "affine", "two_layer")
ASK = ("forward", "gradients")
#: Feedback per mistake, completed with this instance's symbols and sizes (``_say``): ``v`` is the value
#: whose gradient (or forward value) is asked, ``out`` the node consuming it, ``other`` that node's other
#: input, ``dv`` / ``dout`` their gradients, ``n`` the batch rows, ``dims`` the shape of ``v``.
FEEDBACK = {
    # Translators: feedback on a gradient; %(v)s is the value (TeX), %(k)s the number of nodes it feeds (2 or more),
    # %(out)s the node whose gradient alone was kept.
    "branch-not-summed": N_("$%(v)s$ feeds %(k)s nodes; its gradient is the sum of the gradients they send back, and "
                         "this keeps only the one from $%(out)s$."),
    # Translators: %(node)s is the node's formula (TeX, such as v = x \cdot u), %(dout)s the gradient arriving at it,
    # %(other)s its other input.
    "mul-not-swapped": N_("At the multiply node $%(node)s$, $%(v)s$ gets the upstream gradient $%(dout)s$ times the other "
                       "input, $%(other)s$, not times $%(v)s$ itself."),
    "local-only": N_("That is only the local derivative $%(other)s$; multiply it by the upstream gradient $%(dout)s$."),
    "add-as-multiply": N_("At the add node $%(node)s$ the upstream gradient $%(dout)s$ passes through unchanged; it is not "
                       "multiplied by the other input, $%(other)s$."),
    # Translators: %(dv)s is the gradient asked (TeX), %(dout)s the upstream gradient, %(other)s the other factor.
    "no-transpose": N_("The MatMul backward multiplies by the transpose: $%(dv)s = %(dout)s\\, %(other)s^\\top$, not "
                    "$%(dout)s\\, %(other)s$."),
    # Translators: %(dims)s is a shape in TeX, such as 2 \times 3.
    "wrong-order": N_("The factors are in the wrong order (the result is transposed or a different product); check "
                   "the shapes: $%(dv)s$ has the shape of $%(v)s$, $%(dims)s$."),
    "transposed": N_("This is the transpose of $%(dv)s$, which has the shape of $%(v)s$, $%(dims)s$."),
    "used-W": N_("The weight gradient multiplies the upstream gradient by the input, $%(dv)s = %(other)s^\\top %(dout)s$, "
              "not by the weights $%(v)s$."),
    "elementwise": N_("That is an element-wise product where the MatMul node $%(node)s$ needs a matrix product."),
    # Translators: %(n)s is the number of rows of the batch (2 or more).
    "batch-averaged": N_("You divided by the batch size %(n)s: the contributions of the %(n)s rows are summed, not "
                      "averaged."),
    "bias-not-summed": N_("$%(v)s$ was repeated over the %(n)s rows of the batch, so its gradient sums the upstream "
                       "gradient $%(dout)s$ over axis 0, to the shape of $%(v)s$ ($%(dims)s$); this is the unsummed "
                       "upstream gradient."),
    "wrong-axis": N_("Summed over the wrong axis: the repeat node's backward sums over axis 0, the %(n)s rows of the "
                  "batch."),
    "forward-elementwise": N_("$%(v)s = %(a)s %(b)s$ is a matrix product, not an element-wise product."),
    "forward-mean": N_("$L$ sums the %(count)s entries of $%(a)s$; it does not average them."),
}

MISTAKES = (
    Mistake("branch-not-summed", N_("Kept the gradient from one consumer of a branching value instead of the sum.")),
    Mistake("mul-not-swapped", N_("At a multiply node, multiplied the upstream gradient by the input itself.")),
    LOCAL_ONLY,
    Mistake("add-as-multiply", N_("At an add node, multiplied the upstream gradient by the other input.")),
    Mistake("no-transpose", N_("In a MatMul backward, multiplied by W instead of its transpose.")),
    Mistake("wrong-order", N_("Multiplied the factors of a MatMul backward in the wrong order.")),
    TRANSPOSED,
    Mistake("used-W", N_("For the weight gradient, multiplied by the weights instead of the input.")),
    ELEMENTWISE,
    BATCH_AVERAGED,
    Mistake("bias-not-summed", N_("Did not sum the bias gradient over the batch.")),
    Mistake("wrong-axis", N_("Summed the bias gradient over the wrong axis.")),
    Mistake("forward-elementwise", N_("In the forward pass, took an element-wise product for a matrix product.")),
    Mistake("forward-mean", N_("In the forward pass, averaged where the loss sums.")),
)


def _times(array: bool) -> str:
    return r"\odot" if array else r"\cdot"


def _tex_op(graph: Graph, node: Node, array: bool) -> str:
    s = [graph.symbol(i) for i in node.inputs]
    return {"add": f"{s[0]} + {s[1]}" if len(s) > 1 else "",
            "mul": f"{s[0]} {_times(array)} {s[1]}" if len(s) > 1 else "",
            "matmul": f"{s[0]} {s[1]}" if len(s) > 1 else "",
            "repeat": rf"\mathrm{{repeat}}_{{{node.n}}}({s[0]})",
            "sum": rf"\textstyle\sum_i ({s[0]})_{{i,:}}",
            "sumall": rf"\textstyle\sum_{{i,j}} ({s[0]})_{{ij}}" if array else s[0]}[node.op]


class BackpropGraph(ExerciseType):
    name = "backprop_graph"
    title = N_("Backpropagation through a computational graph")
    topic = "7. Computational graphs and backpropagation"
    summary = "Forward values and every gradient of a small graph (scalar, affine layer, two MatMuls), with ECF."
    params = {
        "family": Subset(default=FAMILIES, doc="graph families to draw from", choices=FAMILIES),
        "nodes": IntRange(default=(3, 5), doc="operation nodes of a scalar graph", lo=3, hi=6),
        "ask": Subset(default=ASK, doc="forward values of the intermediates, gradients, or both", choices=ASK),
        "batch": IntRange(default=(2, 3), doc="rows N of the arrays (at least 2)", lo=2, hi=4),
        "width": IntRange(default=(1, 2), doc="other array sizes (D, H, C)", lo=1, hi=4),
        "max_value": Int(default=3, doc="entries are non-zero integers in [-max_value, max_value]", lo=2, hi=9),
        "ecf_credit": Int(default=50, doc="percent of a part's points for an error carried forward", lo=0, hi=100),
    }
    presets = {"easy": {"family": ("scalar",), "nodes": (3, 4)},
               "hard": {"nodes": (5, 6), "width": (2, 3), "max_value": 4}}
    mistakes = MISTAKES

    def check_params(self, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        if set(params["family"]) & {"affine", "two_layer"} and params["width"][1] == 1:
            return [("width", "every size D, H, C is 1: a 1 x 1 gradient (the bias b, or W_1) equals its own "
                              "transpose, so a transposed answer would score; allow a width of 2")]
        return []

    def generate(self, params: Mapping[str, Any], *, rng: np.random.Generator) -> Draft:
        family = params["family"][int(rng.integers(len(params["family"])))]
        return draw_until(rng, lambda r: self._draw(family, params, r), what=f"{family} graph")

    # -- graphs ----------------------------------------------------------------------------------------
    def _scalar_graph(self, params, rng) -> tuple[Graph, dict] | None:
        k = int(rng.integers(params["nodes"][0], params["nodes"][1] + 1))
        leaf_names, mids = ["x", "y", "z", "w"], ["u", "v", "p", "q", "r"]
        leaves = leaf_names[:2]
        values = list(leaves)
        used: dict[str, int] = {}
        nodes = []
        for i in range(k):
            out = "L" if i == k - 1 else mids[i]
            unused = [v for v in values if not used.get(v)]
            a = unused[int(rng.integers(len(unused)))] if unused and rng.random() < 0.8 else \
                values[int(rng.integers(len(values)))]
            if len(leaves) < 4 and rng.random() < 0.35:
                b = leaf_names[len(leaves)]
                leaves.append(b)
                values.append(b)
            else:
                others = [v for v in values if v != a]
                b = others[int(rng.integers(len(others)))]
            pair = (a, b) if rng.random() < 0.5 else (b, a)
            op = "mul" if rng.random() < 0.55 else "add"
            nodes.append(Node(out, op, pair))
            for v in pair:
                used[v] = used.get(v, 0) + 1
            values.append(out)
        if any(not used.get(v) for v in values[:-1]) or max(used.values()) < 2:
            return None  # every value must be used, and at least one must branch
        if not any(n.op == "mul" for n in nodes) or not any(n.op == "add" for n in nodes):
            return None
        graph = Graph(leaves=tuple((v, "input") for v in leaves), nodes=tuple(nodes))
        return graph, {v: ints(rng, (), params["max_value"]) for v in leaves}

    def _affine_graph(self, params, rng) -> tuple[Graph, dict]:
        n, d, h = self._sizes(params, rng, 2)
        hi = params["max_value"]
        graph = Graph(leaves=(("x", "input"), ("W", "param"), ("b", "param"), ("c", "input")),
                      nodes=(Node("u", "matmul", ("x", "W")), Node("B", "repeat", ("b",), n=n),
                             Node("v", "add", ("u", "B")), Node("w", "mul", ("v", "c")),
                             Node("L", "sumall", ("w",))))
        return graph, {"x": ints(rng, (n, d), hi), "W": ints(rng, (d, h), hi), "b": ints(rng, (1, h), hi),
                       "c": ints(rng, (n, h), hi)}

    def _two_layer_graph(self, params, rng) -> tuple[Graph, dict]:
        n, d, h, c = self._sizes(params, rng, 3)
        hi = params["max_value"]
        graph = Graph(leaves=(("x", "input"), ("W1", "param"), ("W2", "param"), ("c", "input")),
                      nodes=(Node("h", "matmul", ("x", "W1")), Node("s", "matmul", ("h", "W2")),
                             Node("w", "mul", ("s", "c")), Node("L", "sumall", ("w",))),
                      tex={"W1": "W_1", "W2": "W_2"})
        return graph, {"x": ints(rng, (n, d), hi), "W1": ints(rng, (d, h), hi), "W2": ints(rng, (h, c), hi),
                       "c": ints(rng, (n, c), hi)}

    def _sizes(self, params, rng, count: int) -> list[int]:
        n = int(rng.integers(params["batch"][0], params["batch"][1] + 1))
        return [n] + [int(rng.integers(params["width"][0], params["width"][1] + 1)) for _size in range(count)]

    # -- parts ------------------------------------------------------------------------------------------
    def _draw(self, family: str, params, rng) -> Draft | None:
        made = getattr(self, f"_{family}_graph")(params, rng)
        if made is None:
            return None
        graph, leaf_vals = made
        array = family != "scalar"
        vals = graph.forward(leaf_vals)
        grads, edge_grads = graph.backward(vals)
        ask = params["ask"]
        ids = iter("abcdefghijklmnopqrstuvwxyz")
        last = graph.nodes[-1]
        skip = {n.out for n in graph.nodes if n.op == "repeat"}  # a repeated copy is not worth a part
        if last.op == "sumall":
            skip.add(last.inputs[0])  # the summand of the loss: dL/dw is all ones
        fwd_ids = {n.out: next(ids) for n in graph.nodes if "forward" in ask and n.out not in skip}
        grad_names = [n.out for n in reversed(graph.nodes[:-1]) if n.out not in skip]
        grad_names += [name for name, _role in graph.leaves]
        grad_ids = {g: next(ids) for g in grad_names} if "gradients" in ask else {}
        credit = params["ecf_credit"] / 100

        def value_ref(name: str) -> dict:
            if name in dict(graph.leaves):
                return {"given": name}
            if name in fwd_ids:
                return {"part": fwd_ids[name]}
            return forward_recipe(next(n for n in graph.nodes if n.out == name))

        def forward_recipe(node: Node) -> dict:
            args = [value_ref(i) for i in node.inputs]
            if node.op == "repeat":
                args.append({"const": node.n})
            return {"op": {"sum": "sum0", "sumall": "sumall"}.get(node.op, node.op), "args": args}

        def grad_ref(name: str) -> dict:
            if name == graph.output:
                return {"const": 1}
            if name in grad_ids:
                return {"part": grad_ids[name]}
            return grad_recipe(name)

        def contribution(node: Node, slot: int) -> dict:
            g = grad_ref(node.out)
            if node.op == "add":
                return g
            if node.op == "mul":
                return {"op": "mul", "args": [g, value_ref(node.inputs[1 - slot])]}
            if node.op == "matmul":
                if slot == 0:
                    return {"op": "matmul", "args": [g, {**value_ref(node.inputs[1]), "transpose": True}]}
                return {"op": "matmul", "args": [{**value_ref(node.inputs[0]), "transpose": True}, g]}
            if node.op == "repeat":
                return {"op": "sum0", "args": [g]}
            if node.op == "sum":
                return {"op": "repeat", "args": [g, {"const": vals[node.inputs[0]].shape[0]}]}
            return {"op": "mul", "args": [g, {"const": to_json(np.ones_like(vals[node.inputs[0]]))}]}

        def grad_recipe(name: str) -> dict:
            terms = [contribution(node, slot) for node in graph.nodes for slot, i in enumerate(node.inputs)
                     if i == name]
            return terms[0] if len(terms) == 1 else {"op": "sumof", "args": terms}

        parts: list[Part] = []
        for node in graph.nodes:
            if node.out not in fwd_ids:
                continue
            recipe = forward_recipe(node)
            value = vals[node.out]
            wrong = wrongs(value, self._forward_wrongs(graph, node, vals))
            if wrong is None:
                return None
            sym = graph.symbol(node.out)
            parts.append(Part(
                id=fwd_ids[node.out], kind=kind_of(value), answer=to_json(value), tolerance=TOL,
                # Translators: a part's question; %(symbol)s is a value of the graph (TeX); the second form gives its
                # shape.
                prompt=asked(N_("Forward pass: find $%(symbol)s$."),
                             # Translators: the same question, with the shape of the array asked.
                             N_("Forward pass: find $%(symbol)s$ (a $%(rows)d \\times %(cols)d$ array)."), value,
                             symbol=sym),
                options={"ecf": {**recipe, "credit": credit}}, wrong_answers=wrong,
                solution=[f"${sym} = {_tex_op(graph, node, array)} = {tex(value)}$."]))
        for name in grad_names if grad_ids else []:
            answer = grads[name]
            sym = graph.symbol(name)
            wrong = wrongs(answer, self._grad_wrongs(graph, vals, grads, edge_grads, name))
            if wrong is None:
                return None
            parts.append(Part(
                id=grad_ids[name], kind=kind_of(answer), answer=to_json(answer), tolerance=TOL,
                # Translators: a part's question; %(grad)s is a gradient such as dL/du (TeX); the second form gives its
                # shape.
                prompt=asked(N_("Backward pass: find $%(grad)s$."),
                             # Translators: the same question, with the shape of the array asked.
                             N_("Backward pass: find $%(grad)s$ (a $%(rows)d \\times %(cols)d$ array)."), answer,
                             grad=dL(sym)),
                options={"ecf": {**grad_recipe(name), "credit": credit}}, wrong_answers=wrong,
                solution=self._grad_solution(graph, vals, grads, edge_grads, name, array)))
        # The diagram prints only what the statement gives: the leaves, or every value when none is asked.
        given_values = [name for name, _role in graph.leaves] if "forward" in ask else graph.names()
        desc = describe(graph, vals, asked_forward=fwd_ids, asked_grad=grad_ids, given_values=given_values)
        given = {k: to_json(v) for k, v in leaf_vals.items()}
        data = [f"${graph.symbol(k)} = {tex(v)}$" for k, v in leaf_vals.items()]
        if "forward" not in ask:
            given.update({n.out: to_json(vals[n.out]) for n in graph.nodes})
            data += [f"${graph.symbol(n.out)} = {tex(vals[n.out])}$" for n in graph.nodes[:-1] if n.op != "repeat"]
        formulas = ", ".join(f"${graph.symbol(n.out)} = {_tex_op(graph, n, array)}$" for n in graph.nodes)
        if array:
            # Translators: the statement; %(formulas)s is a list of the graph's formulas, each in $...$, such as "$u = x
            # + y$, $L = u \cdot z$".
            computes = _("The computational graph computes %(formulas)s ($\\odot$ is the element-wise product).")
        else:
            computes = _("The computational graph computes %(formulas)s.")
        intro = (computes % {"formulas": formulas} + " "
                 + _("The arrows carry forward values above them and gradients below; only given values are "
                     "printed, and the values to find are marked with their part."))
        return Draft(given=given, parts=parts, context={
            "family": family, "asks": {"forward": fwd_ids, "grad": grad_ids}, "intro": intro, "data": data, "graph": desc})

    def _forward_wrongs(self, graph: Graph, node: Node, vals) -> list[tuple[Any, str, str]]:
        a = [vals[i] for i in node.inputs]
        names = [graph.symbol(i) for i in node.inputs]
        value = vals[node.out]
        say = {"v": graph.symbol(node.out), "a": names[0], "b": names[-1], "count": a[0].size,
               "dv": graph.symbol(node.out), "dims": _dims(value)}
        out = []
        if node.op == "matmul":
            out.append((safe(lambda: a[0] * a[1]), "forward-elementwise", _say("forward-elementwise", say)))
        if node.op == "sumall" and a[0].ndim:
            out.append((a[0].mean(), "forward-mean", _say("forward-mean", say)))
        if value.ndim == 2:  # a transposed value; a 1 x 1 or symmetric one makes the draw be redrawn
            out.append((value.T, "transposed", _say("transposed", say)))
        return out

    def _grad_wrongs(self, graph: Graph, vals, grads, edge_grads, name: str) -> list[tuple[Any, str, str]]:
        """Return (value, tag, feedback) for each mistake: one consumer's contribution replaced or dropped."""
        total = grads[name]
        uses = [(node, slot) for node in graph.nodes for slot, i in enumerate(node.inputs) if i == name]
        sym = graph.symbol(name)
        base = {"v": sym, "dv": dL(sym), "k": len(uses), "dims": _dims(total)}
        out: list[tuple[Any, str, str]] = []
        if len(uses) > 1:
            out += [(edge_grads[(name, node.out, slot)], "branch-not-summed",
                     _say("branch-not-summed", {**base, "out": graph.symbol(node.out)})) for node, slot in uses]
        for node, slot in uses:
            good = edge_grads[(name, node.out, slot)]
            g = grads[node.out]
            a = [vals[i] for i in node.inputs]
            n = node.n if node.op == "repeat" else (a[0].shape[0] if a[0].ndim else 1)
            other = graph.symbol(node.inputs[1 - slot]) if len(node.inputs) > 1 else ""
            say = {**base, "out": graph.symbol(node.out), "dout": dL(graph.symbol(node.out)), "other": other,
                   "n": n, "node": f"{graph.symbol(node.out)} = {_tex_op(graph, node, a[0].ndim > 0)}"}
            alts: list[tuple[Any, str]] = []
            if node.op == "mul":
                alts += [(g * a[slot], "mul-not-swapped")]
                if not np.all(g == 1):  # with an upstream of ones the local derivative is the answer
                    alts.append((a[1 - slot], "local-only"))
            elif node.op == "add":
                alts += [(g * a[1 - slot], "add-as-multiply")]
            elif node.op == "matmul" and slot == 0:
                alts += [(safe(lambda: g @ a[1]), "no-transpose"), (a[1] @ g.T, "wrong-order"),
                         (safe(lambda: g * a[1]), "elementwise")]
            elif node.op == "matmul":
                alts += [(g.T @ a[0], "transposed"), (safe(lambda: g @ a[0].T), "wrong-order"),
                         (safe(lambda: a[1].T @ g), "used-W"), (a[0].T @ g / n, "batch-averaged"),
                         (safe(lambda: a[0] * g), "elementwise")]
            elif node.op == "repeat":
                alts += [(g, "bias-not-summed"), (g.mean(axis=0, keepdims=True), "batch-averaged"),
                         (g.sum(axis=1, keepdims=True), "wrong-axis")]
            for value, tag in alts:
                if value is None:
                    continue
                if len(uses) == 1:
                    out.append((value, tag, _say(tag, say)))
                elif np.shape(value) == np.shape(good):
                    out.append((total - good + value, tag, _say(tag, say)))
        if total.ndim == 2:  # a transposed gradient; a 1 x 1 or symmetric one makes build draw again
            out.append((total.T, "transposed", _say("transposed", base)))
        return out

    def _grad_solution(self, graph: Graph, vals, grads, edge_grads, name: str, array: bool) -> list[str]:
        sym = graph.symbol(name)
        terms, nums = [], []
        for node in graph.nodes:
            for slot, i in enumerate(node.inputs):
                if i != name:
                    continue
                up = dL(graph.symbol(node.out)) if node.out != graph.output else "1"
                other = graph.symbol(node.inputs[1 - slot]) if len(node.inputs) > 1 else ""
                terms.append({
                    "add": up, "mul": f"{up} {_times(array)} {other}",
                    "matmul": f"{up}\\, {other}^\\top" if slot == 0 else f"{other}^\\top {up}",
                    "repeat": rf"\textstyle\sum_i ({up})_{{i,:}}", "sum": rf"\mathrm{{repeat}}({up})",
                    "sumall": r"\mathbf{1}" if array else "1"}[node.op])
                num = tex(edge_grads[(name, node.out, slot)])
                nums.append(f"({num})" if num.startswith("-") else num)
        lines = []
        if len(terms) > 1:
            lines.append(_("$%(value)s$ feeds %(count)d nodes, so the gradients they send back are summed.")
                         % {"value": sym, "count": len(terms)})
        total = tex(grads[name])
        steps = [" + ".join(terms)] + ([" + ".join(nums)] if len(nums) > 1 else []) + [total]
        steps = [t for i, t in enumerate(steps) if i == 0 or t != steps[i - 1]]
        lines.append(f"${dL(sym)} = {' = '.join(steps)}$.")
        return lines


def _say(tag: str, values: Mapping[str, Any]) -> str:
    """Return the feedback of a mistake completed with this instance's symbols and sizes."""
    return _(FEEDBACK[tag]) % values


def _dims(value: Any) -> str:
    """Return the shape of an array as TeX (``2 \\times 3``); a scalar has none."""
    shape = np.shape(value)
    return " \\times ".join(str(d) for d in shape) if shape else "\\text{" + _("a scalar") + "}"


TYPE = BackpropGraph()
