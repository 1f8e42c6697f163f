"""Grading in Korean: every declared mistake of every type a student makes gets Korean feedback, and every
choice of the types of vectors, matrices and gradients is read from the words of either language and from
the label the worksheet shows.

Instances are built in Korean and read back from their JSON form, as the grader reads them from the key;
the grader runs in the key's language (``exgen.grading``), so grading happens inside ``language("ko")``.
"""

from __future__ import annotations

import json
import re

import pytest

from exgen.answers import get_kind
from exgen.build.seeding import rng_for
from exgen.grading.core import grade_instance
from exgen.i18n import language
from exgen.instance import Instance, Part
from exgen.types import all_types, get_type
from tests.i18n.english import english_words
from tests.types.variants import VARIANTS

TYPES = ("matrix_basics", "dot_product", "matmul", "matrix_gradient", "batch_shapes", "gradient")
#: Enough seeds, cycling through the variants of tests/types/variants.py, for every declared mistake to occur.
SEEDS = range(40)
HANGUL = re.compile("[가-힣]")
#: Latin words a Korean sentence keeps: a library's name.
KEPT = ["numpy"]


def build(type_name: str, seed: int, lang: str = "ko", params: dict | None = None) -> Instance:
    typ = get_type(type_name)
    variants = VARIANTS[type_name]
    with language(lang):
        resolved, problems = typ.resolve_params(variants[seed % len(variants)] if params is None else params)
        assert not problems, problems
        inst = typ.build(exercise_id="ex", title=None, points=None, params=resolved,
                         rng=rng_for(seed, "s", type_name))
    return Instance.from_dict(json.loads(json.dumps(inst.to_dict())))


def grade(inst: Instance, part: Part, typed: str, lang: str = "ko"):
    with language(lang):
        return grade_instance(inst, {part.id: typed})[part.id]


def assert_korean(text: str) -> None:
    assert HANGUL.search(text), text
    assert not english_words(text, "md", also_allowed=KEPT), text


def assert_in(lang: str, text: str) -> None:
    """Feedback is in the key's language: Korean for a Korean key, English (no Hangul) for an English one."""
    if lang == "ko":
        assert_korean(text)
    else:
        assert not HANGUL.search(text), text


@pytest.mark.slow  # 40 seeds so that every declared mistake occurs
@pytest.mark.parametrize("type_name", sorted(all_types()))  # every type, those of test_korean_feedback_* too
def test_every_declared_mistake_is_answered_in_korean(type_name):
    seen: set[str] = set()
    for seed in SEEDS:
        inst = build(type_name, seed)
        for part in inst.parts:
            for wrong in part.wrong_answers:
                typed = get_kind(wrong.kind or part.kind).typed(wrong.value, part)  # as a student types it
                score = grade(inst, part, typed)
                assert (score.verdict, score.tag) == ("incorrect", wrong.tag), (seed, part.id, typed, score)
                assert_korean(score.feedback)
                seen.add(wrong.tag)
    declared = {m.tag for m in get_type(type_name).mistakes}
    assert seen == declared, f"never graded: {sorted(declared - seen)}"


@pytest.mark.parametrize("type_name", TYPES)
def test_titles_and_mistake_descriptions_have_korean_translations(type_name):
    from exgen.i18n import _

    typ = get_type(type_name)
    with language("ko"):
        assert_korean(build(type_name, 0).title)
        for mistake in typ.mistakes:  # what the class report shows
            assert_korean(_(mistake.description))


def choice_parts(type_name: str, lang: str) -> list[tuple[Instance, Part]]:
    found = []
    for seed in range(8):
        inst = build(type_name, seed, lang)
        found += [(inst, p) for p in inst.parts if p.kind == "choice"]
    return found


#: For each choice question: words a Korean student may type for each key, besides the key and its labels.
KOREAN_WORDS = {
    "matrix_basics": {"row": ["행벡터", "행 벡터", "행"], "column": ["열벡터", "열 벡터", "열"]},
    "dot_product": {"acute": ["예각"], "right": ["직각", "직교"], "obtuse": ["둔각"]},
    "matmul": {"yes": ["예", "네"], "no": ["아니요", "아니오"]},
}
ENGLISH_LABELS = {
    "matrix_basics": {"row": "Row vector", "column": "Column vector"},
    "dot_product": {"acute": "Acute angle (a positive dot product)",
                    "right": "Right angle: orthogonal (a zero dot product)",
                    "obtuse": "Obtuse angle (a negative dot product)"},
    "matmul": {"yes": "Yes", "no": "No"},
}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("type_name", sorted(KOREAN_WORDS))
def test_choices_are_read_in_both_languages_and_by_their_shown_label(type_name, lang):
    cases = choice_parts(type_name, lang)
    if type_name == "dot_product":  # the right angle is asked only without the numeric parts
        cases += [(inst, inst.parts[0]) for inst in (build(type_name, s, lang, {"parts": ["direction"]})
                                                      for s in range(12))]
    assert cases
    answers_seen = set()
    for inst, part in cases:
        answers_seen.add(part.answer)
        for choice in part.options["choices"]:
            key = choice["key"]
            typed = [key, key.upper(), choice["label"], ENGLISH_LABELS[type_name][key], *KOREAN_WORDS[type_name][key]]
            with language("ko"):
                typed.append(_shown_label(key, type_name))
            for text in typed:
                score = grade(inst, part, text, lang)
                assert (score.verdict == "correct") == (key == part.answer), (text, part.answer, score)
                if key != part.answer:
                    assert_in(lang, score.feedback)
        assert grade(inst, part, "모름", lang).verdict == "invalid"
    assert answers_seen == set(KOREAN_WORDS[type_name])  # every key was the answer at least once


def _shown_label(key: str, type_name: str) -> str:
    """The label a Korean worksheet prints for a key (from the catalogue, whatever the instance's language)."""
    from exgen.i18n import _

    return _(ENGLISH_LABELS[type_name][key])


def test_the_korean_sheet_names_the_words_it_accepts():
    """What a Korean prompt and the invalid-answer message ask a student to type is accepted."""
    inst = build("dot_product", 0, "ko", {"parts": ["direction"]})
    part = inst.parts[0]
    assert "예각, 직각, 둔각 중 하나로 답하시오" in part.prompt
    invalid = grade(inst, part, "크다")
    assert invalid.verdict == "invalid" and "예각, 직각, 둔각 중 하나" in invalid.feedback
    for word in ("예각", "직각", "둔각"):
        assert grade(inst, part, word).verdict in ("correct", "incorrect")
    matmul = next(p for i, p in choice_parts("matmul", "ko"))
    assert "예 또는 아니요로 답하시오" in matmul.prompt


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_formula_choices_are_read_by_key_in_both_languages(lang):
    seen = 0
    for inst, part in choice_parts("batch_shapes", lang):
        seen += 1
        for choice in part.options["choices"]:
            for typed in (choice["key"], choice["key"].lower(), f"({choice['key'].lower()})", choice["label"]):
                score = grade(inst, part, typed, lang)
                assert (score.verdict == "correct") == (choice["key"] == part.answer), (typed, score)
                if choice["key"] != part.answer:
                    assert score.tag == "inconsistent-shapes"
                    assert_in(lang, score.feedback)
    assert seen
