"""Every exercise type in both languages: it renders in each format, draws the same numbers, and a Korean
document holds no English word that the catalogue should have translated."""

from __future__ import annotations

import pytest

from exgen.build.seeding import rng_for
from exgen.i18n import language, languages
from exgen.render.documents import render_document
from exgen.types import all_types
from tests.i18n.english import english_words

TYPES = sorted(all_types())
SEEDS = range(6)
STUDENT = {"id": "s-01", "name": "김민준"}
BANK = {"id": "b", "title": "딥러닝의 수학", "course": {"name": "딥러닝 기초"}}
FORMATS = {"md": "md", "tex": "tex", "html": "html"}


def build(type_name: str, seed: int, lang: str):
    typ = all_types()[type_name]
    with language(lang):
        params, problems = typ.resolve_params({})
        assert not problems
        return typ.build(exercise_id="ex1", title=None, points=None, params=params,
                         rng=rng_for(seed, STUDENT["id"], "ex1"))


def render(inst, fmt: str, key: bool, lang: str) -> str:
    with language(lang):
        return render_document(fmt=fmt, key=key, bank=BANK, student=STUDENT, instances=[inst])


@pytest.mark.parametrize("type_name", TYPES)
def test_the_numbers_do_not_depend_on_the_language(type_name):
    for seed in SEEDS:
        en, ko = build(type_name, seed, "en"), build(type_name, seed, "ko")
        assert en.given == ko.given and en.context.keys() == ko.context.keys()
        assert [(p.id, p.kind, p.answer, p.points, p.tolerance) for p in en.parts] == \
               [(p.id, p.kind, p.answer, p.points, p.tolerance) for p in ko.parts]
        assert [[w.value for w in p.wrong_answers] for p in en.parts] == \
               [[w.value for w in p.wrong_answers] for p in ko.parts]


@pytest.mark.parametrize("lang", languages())
@pytest.mark.parametrize("type_name", TYPES)
def test_each_type_renders_in_each_language_and_format(type_name, lang):
    inst = build(type_name, 0, lang)
    for fmt in FORMATS:
        for key in (False, True):
            assert render(inst, fmt, key, lang).strip()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("type_name", TYPES)
def test_no_english_is_left_in_a_korean_document(type_name, fmt):
    left: dict[str, None] = {}
    for seed in SEEDS:
        inst = build(type_name, seed, "ko")
        for key in (False, True):
            text = render(inst, fmt, key, "ko")
            left.update(dict.fromkeys(english_words(text, fmt, also_allowed=[STUDENT["id"], "ex1"])))
    assert not left, f"English words in Korean {type_name} documents ({fmt}): {sorted(left)[:40]}"


def test_the_answer_page_script_speaks_the_page_language():
    """The worksheet's one script is the same in every language (the page allows it by its hash); its
    messages come from the page, translated, with their {placeholders} kept for the script."""
    import re

    from exgen.render.html import answer_script

    inst = build("dot_product", 0, "ko")
    page = render(inst, "html", False, "ko")
    messages = dict(re.findall(r'data-msg-([a-z-]+)="([^"]*)"', page))
    assert set(messages) == {"restored", "saved", "too-large", "not-answers", "other-student", "loaded"}
    assert messages["saved"].count("{file}") == messages["saved"].count("{count}") == 1
    assert "{student}" in messages["other-student"]
    assert all(re.search("[가-힣]", m) for m in messages.values())
    assert answer_script()[1] in page  # the script's hash, language-independent
