"""Formula keys of the calculus types, typed the ways students type them (no '*', pasted Unicode, σ,
superscripts), get the right verdict: the key is correct in every form, each known wrong answer keeps its
feedback in every form."""

from __future__ import annotations

import re

import pytest

from exgen.answers import grade_part
from tests.conftest import build

TYPES = ("derivative", "chain_rule", "gradient")
QUICK = range(6)
FULL = range(150)


def juxtaposed(text: str) -> str:
    """2*x*exp(x^2) -> 2x exp(x^2): drop '*' before a letter or '(' (a space where letters would merge)."""
    out = re.sub(r"\*(?=\()", "", text)
    out = re.sub(r"(?<=[0-9)])\*(?=[A-Za-z])", "", out)
    return re.sub(r"\*(?=[A-Za-z])", " ", out)


def typographic(text: str) -> str:
    """Pasted from a document: − for minus, · for times, σ for sigmoid, superscript squares and cubes."""
    out = text.replace("sigmoid", "\u03c3").replace("*", "\u00b7").replace("-", "\u2212")
    out = re.sub(r"\^2(?![0-9.])", "\u00b2", out)
    return re.sub(r"\^3(?![0-9.])", "\u00b3", out)


def fullwidth(text: str) -> str:
    """An East Asian input method: fullwidth digits and operators."""
    table = {c: chr(ord(c) + 0xFEE0) for c in "0123456789+-*/()^"}
    return "".join(table.get(c, c) for c in text)


VARIANTS = (juxtaposed, typographic, fullwidth, lambda t: typographic(juxtaposed(t)))


def check(type_name: str, seed: int) -> int:
    checked = 0
    for part in build(type_name, seed=seed).parts:
        if part.kind != "expression":
            continue
        for variant in VARIANTS:
            typed = variant(part.answer["expr"])
            score = grade_part(part, typed)
            assert score.verdict == "correct", (type_name, seed, part.answer["expr"], typed, score.feedback)
            for wrong in part.wrong_answers:
                typed_wrong = variant(wrong.value["expr"])
                score = grade_part(part, typed_wrong)
                assert score.tag == wrong.tag and score.points < part.points, (typed_wrong, wrong.tag, score)
            checked += 1
    return checked


@pytest.mark.parametrize("type_name", TYPES)
def test_keys_typed_as_students_type_them(type_name):
    assert sum(check(type_name, seed) for seed in QUICK) > 0


@pytest.mark.slow
@pytest.mark.parametrize("type_name", TYPES)
def test_keys_typed_as_students_type_them_many_seeds(type_name):
    for seed in FULL:
        check(type_name, seed)


@pytest.mark.parametrize("text,want", [
    ("2*x*exp(x^2)", "2x exp(x^2)"), ("sigmoid(x)*(1 - sigmoid(x))", "sigmoid(x)(1 - sigmoid(x))"),
    ("-4*x*y^2 + 3*z", "-4x y^2 + 3z"), ("(1/2)*x^-1", "(1/2)x^-1"),
])
def test_the_variants_are_what_students_type(text, want):
    assert juxtaposed(text) == want
