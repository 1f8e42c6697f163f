"""The types of derivatives and backpropagation in Korean (their mistakes' Korean feedback is checked for every
type in test_korean_grading.py): every text a Korean student or instructor reads from these types is Korean.

Instances are built in Korean and read back from their JSON form, as the grader reads them from the key; the
grader runs in the key's language (``exgen.grading``), so grading happens inside ``language("ko")``. The
sentence stating a numeric part's precision, which ends its prompt and the feedback on a wrong number, is the
precision module's (tested with the types of vectors and matrices); here the types' own words are checked.
"""

from __future__ import annotations

import json
import re

import pytest

from exgen.answers import get_kind
from exgen.answers.precision import precision_sentence
from exgen.build.seeding import rng_for
from exgen.grading.core import grade_instance
from exgen.i18n import _, language
from exgen.instance import Instance, Part
from exgen.types import get_type
from tests.i18n.english import english_words
from tests.types.variants import VARIANTS

TYPES = ("derivative", "chain_rule", "backprop_node", "backprop_graph")
#: Enough seeds, cycling through the variants of tests/types/variants.py, for every declared mistake to occur.
SEEDS = range(40)
HANGUL = re.compile("[가-힣]")


def build(type_name: str, seed: int, lang: str = "ko") -> Instance:
    typ = get_type(type_name)
    variants = VARIANTS[type_name]
    with language(lang):
        params, problems = typ.resolve_params(variants[seed % len(variants)])
        assert not problems, problems
        inst = typ.build(exercise_id="ex", title=None, points=None, params=params, rng=rng_for(seed, "s", type_name))
    return Instance.from_dict(json.loads(json.dumps(inst.to_dict())))


def own_words(text: str, part: Part) -> str:
    """Return a prompt or feedback without the precision sentence that ends it (the same in every type)."""
    with language("ko"):
        sentence = precision_sentence(part.tolerance)
    return text[:-len(sentence)].rstrip() if text.endswith(" " + sentence) else text


def assert_korean(text: str) -> None:
    assert HANGUL.search(text), text
    assert not english_words(text, "md"), text


@pytest.mark.parametrize("type_name", TYPES)
def test_statements_prompts_and_solutions_are_korean(type_name):
    for seed in range(len(VARIANTS[type_name]) * 3):
        inst = build(type_name, seed)
        texts = list(inst.context.get("data", []))
        if "intro" in inst.context:
            texts.append(inst.context["intro"])
        for part in inst.parts:
            texts += [own_words(part.prompt, part), *part.solution]
        for text in texts:
            assert not english_words(text, "md"), (seed, text)
            if re.search(r"\w{2,}", re.sub(r"\$[^$]*\$", "", text)):  # prose, not only math (a given value)
                assert HANGUL.search(text), (seed, text)


@pytest.mark.parametrize("type_name", TYPES)
def test_the_same_answers_are_graded_the_same_in_both_languages(type_name):
    """Only the words change: a key built in Korean grades each known mistake as the English one does."""
    for seed in range(len(VARIANTS[type_name])):
        en, ko = build(type_name, seed, "en"), build(type_name, seed, "ko")
        for part_en, part_ko in zip(en.parts, ko.parts):
            for wrong in part_en.wrong_answers:
                typed = get_kind(wrong.kind or part_en.kind).typed(wrong.value, part_en)
                with language("en"):
                    score_en = grade_instance(en, {part_en.id: typed})[part_en.id]
                with language("ko"):
                    score_ko = grade_instance(ko, {part_ko.id: typed})[part_ko.id]
                assert (score_en.points, score_en.verdict, score_en.tag) == \
                       (score_ko.points, score_ko.verdict, score_ko.tag)
                assert not HANGUL.search(score_en.feedback) and score_en.feedback != score_ko.feedback


@pytest.mark.parametrize("type_name", TYPES)
def test_titles_and_mistake_descriptions_have_korean_translations(type_name):
    """The title and the type's own mistakes (the shared ones of exgen.types.mistakes are tested with it)."""
    from exgen.types import mistakes as shared

    typ = get_type(type_name)
    common = [m for m in vars(shared).values() if isinstance(m, shared.Mistake)]
    with language("ko"):
        texts = [_(typ.title)] + [_(m.description) for m in typ.mistakes if m not in common]
    for text in texts:
        assert_korean(text)
