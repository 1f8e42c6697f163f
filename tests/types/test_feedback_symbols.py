"""Feedback and prompts speak the student's own letters and sizes.

A student whose sheet calls the batch B and the hidden width K must not read "the N rows" or "H x D" in
their feedback; a student with concrete sizes must read numbers, not letters their sheet never used. For
every type whose exercises have sizes, over many seeds and both symbolic and concrete sizes:

- every symbol in the math of a prompt or of a wrong answer's feedback appears in that student's statement
  (the rendered statement and the prompts of the same exercise), apart from the indices i and j of a rule;
- no size letter stands alone in their plain text (``the N rows``), unless the statement uses it;
- every dimension ``a \\times b`` they print is one of that instance's sizes (or 1).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from exgen.render.documents import render_exercise
from tests.conftest import seed_sweep
from tests.types.variants import build

SIZED = ("batch_shapes", "backprop_graph", "backprop_node", "matmul", "matrix_basics", "matrix_gradient",
         "dot_product")
#: Size letters of the shape exercises (batch_shapes draws from these pools).
SIZE_LETTERS = set("NBDMHKCP")
#: Index placeholders of a rule ("entry (i, j) of AB is row i of A times column j of B").
RULE_INDICES = {"i", "j"}
_GROUPS = re.compile(r"\\(?:mathrm|text|operatorname|textstyle)\s*(\{[^{}]*\})?")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_SYMBOL = re.compile(r"([A-Za-z])(?:_(?:\{([0-9]+)\}|([0-9])(?![0-9,])))?")


def math_parts(text: str) -> list[str]:
    return re.findall(r"\$\$?(.+?)\$\$?", text, flags=re.S)


def plain_parts(text: str) -> str:
    return re.sub(r"\$\$?.+?\$\$?", " ", text, flags=re.S)


def symbols(text: str) -> set[str]:
    """The symbols of the math in rich text: each letter (with a numeric subscript) outside TeX commands."""
    out = set()
    for m in math_parts(text):
        m = _COMMAND.sub(" ", _GROUPS.sub(" ", m))
        out |= {letter + (f"_{a or b}" if a or b else "") for letter, a, b in _SYMBOL.findall(m)}
    return out


def dims(text: str) -> set[str]:
    """Every dimension printed as ``a \\times b``."""
    found = set()
    for m in math_parts(text):
        for a, b in re.findall(r"([0-9A-Za-z]+) \\times ([0-9A-Za-z]+)", m):
            found |= {a, b}
    return found


def sizes_of(inst) -> set[str]:
    """The instance's own sizes: its shapes (drawn or stated) and 1."""
    g = inst.given
    out = {"1"}
    if inst.type == "batch_shapes":
        return out | {str(v) for v in g["sizes"].values()}

    def walk(v):
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, (list, tuple)) for x in v):
            out.update(str(d) for d in np.shape(v))
        elif isinstance(v, (list, tuple)) and v and all(isinstance(x, (int, float)) for x in v):
            out.add(str(len(v)))
            if all(isinstance(x, (list, tuple)) for x in v):
                return
        if isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
    walk({k: v for k, v in dict(g).items()})
    for key in ("P_shape", "Q_shape", "shape"):
        if key in g:
            out.update(str(d) for d in g[key])
    for part in inst.parts:
        answer = part.to_dict()["answer"]
        if isinstance(answer, list) and answer and isinstance(answer[0], list):
            out.update(str(d) for d in np.shape(answer))
    return out


def check(inst) -> None:
    statement = render_exercise(inst, "md") + "\n" + "\n".join(p.prompt for p in inst.parts)
    allowed = symbols(statement) | RULE_INDICES
    own_sizes = sizes_of(inst)
    texts = [("prompt", p.id, p.prompt) for p in inst.parts]
    texts += [(f"feedback {w.tag}", p.id, w.feedback) for p in inst.parts for w in p.wrong_answers]
    for what, pid, text in texts:
        where = (inst.type, inst.given.get("sizes"), pid, what, text)
        assert symbols(text) <= allowed, (*where, sorted(symbols(text) - allowed))
        plain = re.sub(r"\b[A-D]: ", " ", plain_parts(text))
        loose = set(re.findall(r"\b([A-Z])\b", plain)) & SIZE_LETTERS
        assert loose <= allowed, (*where, sorted(loose - allowed))
        assert dims(text) <= own_sizes | allowed, (*where, sorted(dims(text) - own_sizes - allowed))
        assert "dL/d" not in text, where  # plain-text gradients: the statement writes them as math


@pytest.mark.parametrize("type_name", SIZED)
@seed_sweep(40, 120)
def test_feedback_and_prompts_use_the_students_symbols(type_name, seeds):
    for seed in seeds:
        check(build(type_name, seed))


@pytest.mark.parametrize("sizes", ["symbolic", "concrete"])
@seed_sweep(40, 200, together=True)
def test_batch_shapes_symbolic_and_concrete(sizes, seeds):
    from exgen.build.seeding import rng_for
    from exgen.types import get_type

    typ = get_type("batch_shapes")
    letters_seen = set()
    for seed in seeds:
        params, _ = typ.resolve_params({"sizes": sizes})
        inst = typ.build(exercise_id="b", title=None, points=None, params=params, rng=rng_for(seed, "s", "b"))
        check(inst)
        used = {str(v) for v in inst.given["sizes"].values()}
        letters_seen |= used
        feedback = " ".join(w.feedback for p in inst.parts for w in p.wrong_answers)
        unused = SIZE_LETTERS - used
        assert not (symbols(feedback) & unused), (sorted(used), sorted(symbols(feedback) & unused))
        if sizes == "concrete":
            assert not (symbols(feedback) & SIZE_LETTERS), sorted(symbols(feedback) & SIZE_LETTERS)
    if sizes == "symbolic":
        assert letters_seen == SIZE_LETTERS  # every pool letter was drawn, so the check above saw them all


def test_the_checker_finds_the_old_fixed_text():
    """The old feedback said "H x D" and "the N rows" whatever the sheet's letters were."""
    for seed in range(100):
        inst = build("batch_shapes", seed)
        if inst.given["symbolic"] and inst.given["sizes"]["N"] == "B":
            break
    else:
        pytest.fail("no symbolic instance with the batch called B")
    check(inst)
    old = inst.to_dict()
    old["parts"][3]["wrong_answers"][0]["feedback"] = ("That is the shape of dL/dy; b was repeated over the N rows, "
                                                       "so its gradient sums dL/dy over the batch (axis 0) to 1 x H.")
    from exgen.instance import Instance

    with pytest.raises(AssertionError):
        check(Instance.from_dict(old))
