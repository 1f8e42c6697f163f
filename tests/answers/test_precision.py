"""Precision is stated once per part, in the same words in the worksheet, the key and the feedback, and it
is what the checker accepts: the rounding the sentence asks for always scores, and an answer just outside
the margin it quotes never does."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from exgen.answers import get_kind, grade_part
from exgen.answers.precision import decimals_within, figures_within, is_exact, precision_sentence
from exgen.answers.tolerance import margin
from exgen.grading.core import grade_instance
from exgen.instance import Part
from exgen.render.documents import render_document
from tests.conftest import seed_sweep
from tests.types.variants import TYPES, build

SENTENCES = [
    (None, "Give the exact value."),
    ({"abs": 1e-6, "rel": 1e-9}, "Give the exact value."),
    ({"abs": 0.001, "rel": 0.001},
     "Give at least 3 decimal places or 4 significant figures (answers within 0.001 + 0.1% of the exact value are "
     "accepted)."),
    ({"abs": 0.005, "rel": 0.0}, "Give at least 2 decimal places (answers within 0.005 of the exact value are "
                                 "accepted)."),
    ({"rel": 0.01}, "Give at least 3 significant figures (answers within 1% of the exact value are accepted)."),
    ({"abs": 0.5}, "Give at least a whole number (answers within 0.5 of the exact value are accepted)."),
    ({"abs": 0.005, "decimals": 3}, "Give the exact value or round it to 3 decimal places (any answer within 0.005 "
                                    "of the exact value is accepted too)."),
    ({"abs": 1e-6, "rel": 1e-9, "decimals": 3}, "Give the exact value or round it to 3 decimal places."),
    ({"significant_figures": 3, "abs": 0.1}, "Give the exact value or round it to 3 significant figures."),
]


@pytest.mark.parametrize("tolerance,sentence", SENTENCES)
def test_sentences(tolerance, sentence):
    assert precision_sentence(tolerance) == sentence
    assert is_exact(tolerance) == (sentence == "Give the exact value.")


def test_the_roundings_it_asks_for_fit_the_margin():
    for tol_abs in (0.5, 0.05, 0.005, 0.001, 0.0004, 1e-5):
        d = decimals_within(tol_abs)
        assert 0.5 * 10.0 ** -d <= tol_abs < 0.5 * 10.0 ** -(d - 1)
    for tol_rel in (0.05, 0.01, 0.001, 0.0003):
        n = figures_within(tol_rel)
        assert 5 * 10.0 ** -n <= tol_rel < 5 * 10.0 ** -(n - 1)


def rounded(value, sentence: str) -> list[str]:
    """The key written as the sentence allows: at the coarsest rounding it names."""
    arr = np.asarray(value, dtype=float)
    forms = []
    places = re.search(r"(\d+) decimal place", sentence)
    figures = re.search(r"(\d+) significant figure", sentence)
    if "whole number" in sentence:
        forms.append("{:.0f}")
    elif places:
        forms.append("{:." + places.group(1) + "f}")
    if figures:
        forms.append("{:." + figures.group(1) + "g}")
    if not forms:
        forms.append("{!r}")
    out = []
    for form in forms:
        flat = [form.format(float(x)) for x in arr.ravel()]
        if arr.ndim == 0:
            out.append(flat[0])
        elif arr.ndim == 1:
            out.append("[" + ", ".join(flat) + "]")
        else:
            cols = arr.shape[1]
            out.append("[" + ", ".join("[" + ", ".join(flat[r * cols:(r + 1) * cols]) + "]"
                                       for r in range(arr.shape[0])) + "]")
    return out


def outside(value, tolerance) -> str:
    """The key moved, in its first entry, to 1.5 times the margin the sentence states (the quoted margin, or
    half a unit of the rounding it allows: the checker's own ``margin``)."""
    arr = np.array(value, dtype=float)
    flat = arr.reshape(-1)
    allowed = margin(flat[0], tolerance)
    flat[0] += 1.5 * allowed if allowed > 1e-6 else 1e-3 + 1e-3 * abs(flat[0])
    return json.dumps(flat.reshape(arr.shape).tolist())


def numeric(part: Part) -> bool:
    return get_kind(part.kind).honours_tolerance


def check(inst) -> None:
    wrong_answers = {}
    for part in inst.parts:
        if not numeric(part):
            assert "significant figures" not in part.prompt and "exact value" not in part.prompt
            continue
        sentence = precision_sentence(part.tolerance)
        assert part.prompt.endswith(" " + sentence) and part.prompt.count(sentence) == 1, part.prompt
        assert not re.search(r"\(to .*(digits|places)\)", part.prompt), part.prompt  # no second statement
        value = json.loads(json.dumps(part.to_dict()["answer"]))
        for text in rounded(value, sentence):
            assert grade_part(part, text).verdict == "correct", (inst.type, part.id, sentence, value, text)
        far = outside(value, part.tolerance)
        assert grade_part(part, far).verdict != "correct", (inst.type, part.id, sentence, value, far)
        wrong_answers[part.id] = far
    # the feedback of a wrong number repeats the sentence (each part graded alone: no error carried forward)
    for pid, far in wrong_answers.items():
        score = grade_instance(inst, {pid: far})[pid]
        assert score.feedback.endswith(precision_sentence(inst.part(pid).tolerance)), score.feedback


@pytest.mark.parametrize("type_name", TYPES)
@seed_sweep(8, 30)
def test_every_numeric_part_states_what_the_checker_accepts(type_name, seeds):
    for seed in seeds:
        check(build(type_name, seed))


def test_a_bank_tolerance_changes_the_sentence(tmp_path):
    """The sentence is made after the bank's grading options: a bank tolerance is what the sheet states."""
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student

    path = tmp_path / "b.yaml"
    path.write_text("bank: b\ntitle: T\ngrading:\n  tolerance: {abs: 0.01}\nexercises:\n  - {id: d, type: derivative}\n")
    bank = load_bank(path)
    inst = build_student(bank, seed=1, student_id="s")[0]
    value = next(p for p in inst.parts if numeric(p))
    assert value.prompt.endswith("Give at least 2 decimal places (answers within 0.01 of the exact value are "
                                 "accepted).")
    path.write_text("bank: b\ntitle: T\ngrading:\n  decimals: 2\n  significant_figures: 3\nexercises:\n"
                    "  - {id: d, type: derivative}\n")
    inst = build_student(load_bank(path), seed=1, student_id="s")[0]
    value = next(p for p in inst.parts if numeric(p))
    assert value.prompt.endswith("Give the exact value or round it to 3 significant figures.")
    check(inst)


def test_worksheet_and_key_print_the_same_sentence():
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_student
    from exgen.resources import builtin_banks

    bank = load_bank(builtin_banks()["dl-math-basics"])
    instances = build_student(bank, seed=bank.seed, student_id="s1")
    info = {"id": bank.id, "title": bank.title, "course": dict(bank.course)}
    sheet, key = (render_document(fmt="md", key=k, bank=info, student={"id": "s1", "name": "A"}, instances=instances)
                  for k in (False, True))
    seen = 0
    for inst in instances:
        for part in inst.parts:
            if numeric(part):
                sentence = precision_sentence(part.tolerance)
                assert sheet.count(sentence) >= 1 and key.count(sentence) == sheet.count(sentence), sentence
                seen += 1
    assert seen > 10
