"""Error carried forward: recipes evaluate safely, and grade_instance gives partial credit by the rule."""

from __future__ import annotations

import numpy as np
import pytest

from exgen.answers import get_kind
from exgen.build.seeding import rng_for
from exgen.grading.core import grade_instance
from exgen.grading.ecf import RecipeError, evaluate, references
from exgen.instance import Instance, Part
from exgen.types import get_type
from tests.conftest import seed_sweep


def graph(seed: int, family: str, **params) -> Instance:
    typ = get_type("backprop_graph")
    resolved, problems = typ.resolve_params({"family": [family], **params})
    assert not problems
    return typ.build(exercise_id="g", title=None, points=None, params=resolved, rng=rng_for(seed, "s", family))


def typed_key(inst: Instance) -> dict:
    return {p.id: get_kind(p.kind).typed(p.answer, p) for p in inst.parts}


def typed(value) -> str:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return repr(float(a))
    return "[" + ", ".join("[" + ", ".join(repr(float(x)) for x in row) + "]" for row in a) + "]"


def test_recipe_ops_and_transpose():
    given = {"W": [[1, 2], [3, 4]]}
    recipe = {"op": "matmul", "args": [{"part": "c"}, {"given": "W", "transpose": True}]}
    assert references(recipe) == ["c"]
    got = evaluate(recipe, {"c": [[1, 0]]}, given)
    assert got.tolist() == [[1, 3]]
    assert evaluate({"op": "sum0", "args": [{"const": [[1, 2], [3, 4]]}]}, {}, {}).tolist() == [[4, 6]]
    assert evaluate({"op": "sumof", "args": [{"const": 1}, {"const": 2}, {"const": 3}]}, {}, {}) == 6


@pytest.mark.parametrize("recipe", [
    {"op": "eval", "args": [{"const": 1}]},                                    # not whitelisted
    {"op": "matmul", "args": [{"const": [[1, 2]]}, {"const": [[1, 2]]}]},     # shapes do not fit
    {"op": "add", "args": [{"const": 1}]},                                     # wrong arity
    {"part": "z"},                                                             # unknown part
    {"given": "__class__"},                                                    # unknown given
    {"const": "1+1"},                                                          # text is not a number
    "add",                                                                     # not a mapping
])
def test_bad_recipes_raise_recipe_error(recipe):
    with pytest.raises(RecipeError):
        evaluate(recipe, {"a": 1}, {"W": [[1]]})


def test_deep_recipe_is_refused():
    recipe = {"const": 1}
    for _ in range(40):
        recipe = {"op": "neg", "args": [recipe]}
    with pytest.raises(RecipeError):
        evaluate(recipe, {}, {})


@seed_sweep(10, 40)
def test_every_recipe_reproduces_the_key(seeds):
    """With the key's own answers, each part's recipe gives the part's key (the recipes are consistent)."""
    from exgen.grading.ecf import student_value

    for family in ("scalar", "affine", "two_layer"):
        for seed in seeds:
            inst = graph(seed, family)
            answers = typed_key(inst)
            values = {p.id: student_value(p, answers[p.id]) for p in inst.parts}
            for part in inst.parts:
                got = evaluate(part.options["ecf"], values, inst.given)
                assert np.allclose(got, np.asarray(part.answer, dtype=float)), (family, seed, part.id)


def find_dependent(inst: Instance) -> tuple[Part, Part]:
    """Return (upstream part, dependent part) where the dependent recipe reads the upstream part."""
    for part in inst.parts:
        refs = references(part.options["ecf"])
        if refs:
            return inst.part(refs[0]), part
    raise AssertionError("no dependent part")


@pytest.mark.parametrize("family", ["scalar", "affine", "two_layer"])
@seed_sweep(10, 30)
def test_error_carried_forward_gets_partial_credit(family, seeds):
    for seed in seeds:
        inst = graph(seed, family)
        answers = typed_key(inst)
        up, dep = find_dependent(inst)
        wrong_up = np.asarray(up.answer, dtype=float) + 1  # a wrong upstream value of the right shape
        answers[up.id] = typed(wrong_up)
        from exgen.grading.ecf import student_value

        values = {p.id: student_value(p, answers[p.id]) for p in inst.parts}
        carried = evaluate(dep.options["ecf"], values, inst.given)
        if np.allclose(carried, np.asarray(dep.answer, dtype=float)):
            continue  # the wrong upstream value happens not to change this part
        answers[dep.id] = typed(carried)
        scores = grade_instance(inst, answers)
        assert scores[up.id].verdict != "correct"
        s = scores[dep.id]
        assert s.verdict == "partial" and s.tag == "ecf", (family, seed, s)
        assert s.points == pytest.approx(dep.points * 0.5)
        assert f"error carried forward from part ({up.id})" in s.feedback
        # the same dependent answer with a correct upstream is simply wrong (no ECF)
        answers[up.id] = typed_key(inst)[up.id]
        assert grade_instance(inst, answers)[dep.id].verdict == "incorrect"
        # an answer that follows from nothing gets no credit
        answers[up.id] = typed(wrong_up)
        answers[dep.id] = typed(np.asarray(carried) + 7)
        assert grade_instance(inst, answers)[dep.id].points == 0


def test_ecf_chain_on_a_multi_part_graph():
    """Two-layer graph: a wrong dL/dh carried into dL/dW1 and dL/dx; a correct key scores full marks."""
    from exgen.grading.ecf import student_value

    inst = graph(4, "two_layer", ask=["gradients"])
    answers = typed_key(inst)
    scores = grade_instance(inst, answers)
    assert all(s.verdict == "correct" for s in scores.values())
    asks = inst.context["asks"]["grad"]
    dh = inst.part(asks["h"])
    bad = np.asarray(dh.answer, dtype=float) * -1 + 1
    answers[dh.id] = typed(bad)
    values = {p.id: student_value(p, answers[p.id]) for p in inst.parts}
    for name in ("W1", "x"):
        part = inst.part(asks[name])
        answers[part.id] = typed(evaluate(part.options["ecf"], values, inst.given))
    scores = grade_instance(inst, answers)
    assert scores[dh.id].points == 0
    for name in ("W1", "x"):
        s = scores[asks[name]]
        assert s.verdict == "partial" and f"part ({dh.id})" in s.feedback
    for name in ("s", "W2", "c"):
        assert scores[asks[name]].verdict == "correct"


def test_ecf_ignores_missing_and_unreadable_upstream():
    inst = graph(2, "affine")
    answers = typed_key(inst)
    up, dep = find_dependent(inst)
    answers[up.id] = "not a matrix"
    answers[dep.id] = "[[999]]" if dep.kind == "matrix" else "999"
    assert grade_instance(inst, answers)[dep.id].points == 0
    del answers[up.id]
    assert grade_instance(inst, answers)[dep.id].points == 0
