"""Backpropagation types: every key checked against an independent computation over many seeds.

Gradients are checked by central differences of the scalar loss, computed here from the given data
(the node formulas and the graph's loss are written in this file, not taken from the generators); shapes
are checked against the shapes numpy produces. The many-seed suites (500 seeds per type) are ``slow``;
the default run uses the first ``FAST`` seeds.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from exgen.answers import get_kind, grade_part
from exgen.build.seeding import rng_for
from exgen.instance import Instance
from exgen.types import get_type
from tests.conftest import seed_sweep

FAST, SLOW = range(10), range(500)
NODES = ("add", "multiply", "branch", "repeat", "sum", "matmul")
FAMILIES = ("scalar", "affine", "two_layer")


def build(type_name: str, seed: int, **params) -> Instance:
    typ = get_type(type_name)
    resolved, problems = typ.resolve_params(params)
    assert not problems, problems
    return typ.build(exercise_id=f"ex-{seed}", title=None, points=None, params=resolved,
                     rng=rng_for(seed, "student", type_name))


def arr(value) -> np.ndarray:
    return np.asarray(json.loads(json.dumps(value)), dtype=float)


def numeric_grad(loss, values: dict, name: str, h: float = 1e-4) -> np.ndarray:
    """Central-difference gradient of ``loss(values)`` with respect to ``values[name]``."""
    base = {k: np.array(v, dtype=float) for k, v in values.items()}
    grad = np.zeros_like(base[name])
    for idx in np.ndindex(base[name].shape):
        plus = {k: v.copy() for k, v in base.items()}
        minus = {k: v.copy() for k, v in base.items()}
        plus[name][idx] += h
        minus[name][idx] -= h
        grad[idx] = (loss(plus) - loss(minus)) / (2 * h)
    return grad


def assert_close(key, expected, what: str) -> None:
    got = arr(key)
    assert got.shape == np.shape(expected), f"{what}: shape {got.shape} != {np.shape(expected)}"
    assert np.allclose(got, expected, atol=1e-4, rtol=1e-6), f"{what}: {got} != {expected}"


# --- node exercises ----------------------------------------------------------------------------------

def node_loss(node: str, upstream):
    """The scalar loss L = <upstream, node output> whose gradient the node exercise asks for."""
    if node == "branch":
        gs = [arr(g) for g in upstream]
        return lambda v: sum(float(np.sum(g * v["x"])) for g in gs)
    g = arr(upstream)
    forward = {
        "add": lambda v: v["x"] + v["y"],
        "multiply": lambda v: v["x"] * v["y"],
        "repeat": lambda v: np.tile(v["x"], (g.shape[0], 1)),
        "sum": lambda v: np.sum(v["x"], axis=0, keepdims=True),
        "matmul": lambda v: np.dot(v["x"], v["W"]),
    }[node]
    return lambda v: float(np.sum(g * forward(v)))


def check_node(seed: int, node: str) -> None:
    inst = build("backprop_node", seed, node=[node])
    given = inst.given
    assert given["node"] == node
    inputs = {"add": ("x", "y"), "multiply": ("x", "y"), "branch": ("x",), "repeat": ("x",), "sum": ("x",),
              "matmul": ("x", "W")}[node]
    values = {k: arr(given[k]) for k in inputs}
    loss = node_loss(node, given["upstream"])
    for part, name in zip(inst.parts, inputs):
        assert_close(part.answer, numeric_grad(loss, values, name), f"seed {seed} {node} d{name}")


@pytest.mark.parametrize("node", NODES)
def test_node_gradients_match_central_differences(node):
    for seed in FAST:
        check_node(seed, node)


@pytest.mark.slow
@pytest.mark.parametrize("node", NODES)
def test_node_gradients_match_central_differences_500_seeds(node):
    for seed in SLOW:
        check_node(seed, node)


def test_node_scalars_and_arrays_both_occur():
    shapes = {np.shape(arr(build("backprop_node", s, node=["multiply"]).parts[0].answer)) for s in range(40)}
    assert () in shapes and any(len(s) == 2 for s in shapes)


# --- graph exercises ---------------------------------------------------------------------------------

def graph_loss(desc):
    """Return loss(values) -> (L, all values) evaluating the described graph with numpy, written here."""
    ops = [n for n in desc["nodes"] if n["kind"] == "op"]
    inputs = {n["id"]: [e["src"] for e in desc["edges"] if e["dst"] == n["id"]] for n in ops}

    def run(values, fixed=()):
        """Evaluate every node; a node named in ``fixed`` keeps the value given in ``values``."""
        v = dict(values)
        for n in ops:  # nodes are listed in topological order
            if n["id"] in fixed:
                continue
            a = [v[i] for i in inputs[n["id"]]]
            v[n["id"]] = {
                "add": lambda: a[0] + a[1],
                "mul": lambda: a[0] * a[1],
                "matmul": lambda: np.einsum("ij,jk->ik", a[0], a[1]),
                "repeat": lambda: np.concatenate([a[0]] * n["n"], axis=0),
                "sum": lambda: np.add.reduce(a[0], axis=0)[None, :],
                "sumall": lambda: np.asarray(np.add.reduce(a[0].ravel())),
            }[n["op"]]()
        return v

    out = ops[-1]["id"]
    return (lambda values: float(run(values)[out])), run


def desc_out(desc) -> str:
    return [n["id"] for n in desc["nodes"] if n["kind"] == "op"][-1]


def check_graph(seed: int, family: str, **params) -> None:
    inst = build("backprop_graph", seed, family=[family], **params)
    desc = inst.context["graph"]
    leaves = [n["id"] for n in desc["nodes"] if n["kind"] in ("input", "param")]
    assert 3 <= sum(n["kind"] == "op" for n in desc["nodes"]) <= 6
    values = {k: arr(inst.given[k]) for k in leaves}
    loss, run = graph_loss(desc)
    forward = run(values)
    asks = inst.context["asks"]
    for name, pid in asks["forward"].items():
        assert_close(inst.part(pid).answer, forward[name], f"seed {seed} {family} forward {name}")
    for name, pid in asks["grad"].items():
        if name in values:
            expected = numeric_grad(loss, values, name)
        else:  # an intermediate: hold it at a perturbed value and recompute what depends on it
            expected = numeric_grad(lambda v, name=name: float(run(v, fixed=(name,))[desc_out(desc)]),
                                    {**values, name: forward[name]}, name)
        assert_close(inst.part(pid).answer, expected, f"seed {seed} {family} dL/d{name}")
    asked = set(asks["grad"])
    assert set(leaves) <= asked, "every input and parameter gradient is asked"


@pytest.mark.parametrize("family", FAMILIES)
def test_graph_keys_match_forward_and_central_differences(family):
    for seed in FAST:
        check_graph(seed, family)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_graph_keys_500_seeds(family):
    for seed in SLOW:
        check_graph(seed, family, nodes=[3, 6], width=[1, 3])


def test_scalar_graphs_branch_and_vary():
    sizes, structures = set(), set()
    for seed in range(60):
        inst = build("backprop_graph", seed, family=["scalar"], nodes=[3, 6])
        desc = inst.context["graph"]
        srcs = [e["src"] for e in desc["edges"]]
        assert any(srcs.count(s) > 1 for s in set(srcs)), "at least one value branches"
        ops = [n for n in desc["nodes"] if n["kind"] == "op"]
        sizes.add(len(ops))
        structures.add(tuple((n["op"], tuple(e["src"] for e in desc["edges"] if e["dst"] == n["id"])) for n in ops))
    assert sizes == {3, 4, 5, 6}
    assert len(structures) > 30


# --- batch shapes ------------------------------------------------------------------------------------

def check_shapes(seed: int, **params) -> None:
    inst = build("batch_shapes", seed, **params)
    sizes = dict(inst.given["sizes"])
    primes = dict(zip(sizes, (11, 13, 17, 19)))  # a distinct concrete size per symbol
    value = {sym: (primes[role] if isinstance(sym, str) else sym) for role, sym in sizes.items()}
    n, d, h, c = (value[sizes[r]] for r in "NDHC")
    x, w, b = np.ones((n, d)), np.ones((d, h)), np.ones((1, h))
    dy = np.ones((n, h))
    w2, ds = np.ones((h, c)), np.ones((n, c))
    hid = np.ones((n, h))
    numpy_shapes = {"y": (x @ w + b).shape, "dx": (dy @ w.T).shape, "dW": (x.T @ dy).shape,
                    "db": dy.sum(axis=0, keepdims=True).shape, "s": (hid @ w2 + np.ones((1, c))).shape,
                    "dh": (ds @ w2.T).shape, "dW1": (x.T @ dy).shape}
    env = {"x": x, "W": w, "dL/dy": dy}
    for part in inst.parts:
        means = part.options["means"]
        if part.kind == "shape":
            got = tuple(value[s] if isinstance(s, str) else s for s in part.answer)
            assert got == numpy_shapes[means], (seed, means, part.answer)
            continue
        target = {"formula-dW": w, "formula-dx": x}[means]
        for choice in part.options["choices"]:
            factors = []
            for tok in choice["label"].split():
                base, t = (tok[:-2], True) if tok.endswith("^T") else (tok, False)
                factors.append(env[base].T if t else env[base])
            try:
                ok = (factors[0] @ factors[1]).shape == target.shape
            except ValueError:
                ok = False
            assert ok == (choice["key"] == part.answer), (seed, choice)


def test_shapes_match_numpy():
    for seed in FAST:
        check_shapes(seed)
        check_shapes(seed, sizes="symbolic")


@pytest.mark.slow
def test_shapes_match_numpy_500_seeds():
    for seed in SLOW:
        check_shapes(seed)


def test_shape_kind_reads_symbolic_dims():
    inst = build("batch_shapes", 3, sizes="symbolic", ask=["layer"])
    part = inst.parts[0]
    n, h = part.answer
    for typed in (f"({n}, {h})", f"{n} x {h}", f"{n}x{h}", f"{n} by {h}", f"[{n}, {h}]"):
        assert grade_part(part, typed).verdict == "correct", typed
    assert grade_part(part, f"({h}, {n})").verdict == "incorrect"


# --- every type: round trip, key, wrong answers, distinguishability -----------------------------------

CASES = [("backprop_node", {"node": [n]}) for n in NODES] + \
        [("backprop_graph", {"family": [f]}) for f in FAMILIES] + \
        [("batch_shapes", {}), ("batch_shapes", {"sizes": "symbolic"})]


def check_contract(type_name: str, seed: int, params: dict) -> set[str]:
    inst = build(type_name, seed, **params)
    assert Instance.from_dict(json.loads(json.dumps(inst.to_dict()))) == inst
    assert build(type_name, seed, **params) == inst
    tags = set()
    for part in inst.parts:
        kind = get_kind(part.kind)
        score = grade_part(part, kind.typed(part.answer, part))
        assert score.verdict == "correct" and score.points == score.max_points, (seed, part.id)
        for wrong in part.wrong_answers:
            assert not kind.equals(kind.parse(kind.typed(wrong.value, part), part), part.answer, part), \
                (seed, part.id, wrong.tag, "a known wrong answer equals the key")
            got = grade_part(part, get_kind(wrong.kind or part.kind).typed(wrong.value, part))
            assert got.points < got.max_points and got.tag == wrong.tag and got.feedback == wrong.feedback, \
                (seed, part.id, wrong.tag, got)
            tags.add(wrong.tag)
    return tags


@pytest.mark.parametrize("type_name,params", CASES)
def test_contract(type_name, params):
    for seed in FAST:
        check_contract(type_name, seed, params)


@pytest.mark.slow
@pytest.mark.parametrize("type_name,params", CASES)
def test_contract_500_seeds(type_name, params):
    for seed in SLOW:
        check_contract(type_name, seed, params)


@seed_sweep(15, 150, together=True)
def test_square_and_degenerate_sizes_stay_distinguishable(seeds):
    """Square matrices make W^T dy, dy x^T, x * dy well-defined: such draws must still differ from the key."""
    tags = set()
    for seed in seeds:
        tags |= check_contract("backprop_node", seed, {"node": ["matmul"], "batch": 2, "width": 2})
        tags |= check_contract("backprop_graph", seed, {"family": ["affine"], "batch": 2, "width": [1, 2]})
    assert {"used-W", "elementwise", "wrong-order", "no-transpose", "batch-averaged", "transposed"} <= tags


@seed_sweep(8, 40, together=True)
def test_required_misconceptions_are_covered(seeds):
    tags = set()
    for seed in seeds:
        for type_name, params in CASES:
            tags |= check_contract(type_name, seed, params)
    required = {"wrong-order", "used-W", "branch-not-summed", "batch-averaged", "bias-not-summed", "elementwise",
                "mul-not-swapped", "inconsistent-shapes", "transposed"}
    assert required <= tags, required - tags


def test_renders_in_every_format():
    from exgen.render import documents as render
    for type_name, params in CASES:
        inst = build(type_name, 1, **params)
        for fmt in ("md", "tex"):
            for key in (False, True):
                text = render.render_exercise(inst, fmt, key=key)
                assert text.strip()
                if type_name != "batch_shapes":
                    assert ("mermaid" in text) == (fmt == "md")
                    assert ("\\exgengraph{" in text) == (fmt == "tex")
