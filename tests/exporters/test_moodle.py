"""Moodle XML export: passes the structural check that mirrors Moodle's importer; broken files fail it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.exporters.helpers import FAMILY_BANKS, all_families_bank, families_bank, one_scalar_bank


@pytest.fixture(scope="module", params=FAMILY_BANKS)
def bank(request):
    return families_bank(request.param)


@pytest.fixture(scope="module")
def exported(bank):
    from exgen.exporters.moodle import build_xml

    return bank, *build_xml(bank, seed=bank.seed, variants=3)


def test_export_passes_the_importer_check(exported):
    from tests.exporters.moodle_rules import check_moodle_xml

    _, text, count, _ = exported
    assert check_moodle_xml(text) == []
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')


def test_one_category_then_n_variants_per_exercise(exported):
    bank, text, count, _ = exported
    root = ET.fromstring(text)
    types = [q.get("type") for q in root]
    assert types.count("category") == len(bank.exercises)
    assert count == 3 * len(bank.exercises) == len(types) - len(bank.exercises)
    for k in range(len(bank.exercises)):
        block = types[4 * k: 4 * k + 4]
        assert block[0] == "category" and all(t in ("numerical", "cloze") for t in block[1:])
    idnumbers = [q.findtext("idnumber") for q in root]
    assert len(set(idnumbers)) == len(idnumbers)
    for q in root:
        if q.get("type") != "category":
            assert q.findtext("generalfeedback/text").strip()  # worked solution


def test_formulas_use_mathjax_delimiters(exported):
    _, text, _, _ = exported
    assert "\\(" in text and "\\[" in text
    questions = [q.findtext("questiontext/text") for q in ET.fromstring(text) if q.get("type") != "category"]
    assert not any(re.search(r"(?<!\\)\$", t) for t in questions)


def test_single_scalar_exercise_is_numerical_with_tolerance():
    from exgen.exporters.moodle import build_xml
    from tests.exporters.moodle_rules import check_moodle_xml

    bank = one_scalar_bank()
    text, _, _ = build_xml(bank, seed=bank.seed, variants=2)
    assert check_moodle_xml(text) == []
    numericals = [q for q in ET.fromstring(text) if q.get("type") == "numerical"]
    assert len(numericals) == 2
    first = numericals[0].find("answer")
    assert first.get("fraction") == "100" and first.findtext("tolerance") == "0.5"
    assert numericals[0].findall("answer")[-1].findtext("text") == "*"


def test_cloze_numerical_carries_the_tolerance(exported):
    from tests.exporters.moodle_rules import SUBQUESTION_RE

    _, text, _, _ = exported
    subs = SUBQUESTION_RE.findall(text)
    assert any(kind == "NUMERICAL" and re.match(r"=-?[0-9.]+:0\.0\d*[1-9]", body) for _, kind, body in subs)
    assert any(kind == "MULTICHOICE" for _, kind, _ in subs)


@pytest.mark.parametrize("breakage, message", [
    (lambda t: t.replace(":NUMERICAL:=", ":NUMERICAL:=abc", 1), "not a number"),
    (lambda t: re.sub(r"<name><text>[^<]*</text></name>", "<name><text></text></name>", t, count=1), "name"),
    (lambda t: re.sub(r"\{(\d+):MULTICHOICE:[^~}]*(~[^}]*)?\}", r"{\1:MULTICHOICE:=only}", t, count=1),
     "at least two"),
    (lambda t: t.replace('type="cloze"', 'type="clozz"', 1), "unknown type"),
    (lambda t: t.replace("</quiz>", ""), "well-formed"),
    (lambda t: "\n" + t, "first line"),
    (lambda t: re.sub(r"\{(\d+):NUMERICAL:=", r"{\1:NUMERICAL:%50%", t, count=1), "full-mark"),
])
def test_broken_files_fail_the_check(exported, breakage, message):
    from tests.exporters.moodle_rules import check_moodle_xml

    _, text, _, _ = exported
    problems = check_moodle_xml(breakage(text))
    assert problems and any(message in p for p in problems), problems


def test_broken_numerical_tolerance_fails():
    from exgen.exporters.moodle import build_xml
    from tests.exporters.moodle_rules import check_moodle_xml

    bank = one_scalar_bank()
    text, _, _ = build_xml(bank, seed=bank.seed, variants=1)
    assert any("tolerance" in p for p in check_moodle_xml(text.replace("<tolerance>0.5<", "<tolerance>-1<", 1)))


def test_same_bank_and_seed_give_byte_identical_files(bank):
    from exgen.exporters.moodle import build_xml

    assert build_xml(bank, seed=9, variants=2)[0] == build_xml(bank, seed=9, variants=2)[0]


def test_stored_answers_are_exactly_what_students_type():
    """Every SHORTANSWER sub-question stores exgen's typed key unchanged (after Moodle's unescaping), matches it,
    and a wildcard probe (each '*' replaced by ' + 9 + ') does not match."""
    from exgen.answers import get_kind
    from exgen.build.pipeline import build_instance
    from exgen.exporters.base import lms_form
    from exgen.exporters.moodle import FORMS, accepted_spellings
    from tests.exporters.moodle_rules import extract_subquestions, shortanswer_fraction

    bank = all_families_bank()
    checked = 0
    for ex in bank.exercises:
        inst = build_instance(ex, seed=bank.seed, student_id="variant-0")
        for part in inst.parts:
            form = FORMS[lms_form(part)]
            if form.cloze.__name__ != "_c_short":
                continue
            (sub,) = extract_subquestions(form.cloze(part, 1))
            typed = get_kind(part.kind).typed(part.answer, part)
            # stored with '\\*' for each literal '*' (the wildcard matcher's escape), else unchanged
            assert [a.replace("\\*", "*") for _, a, _ in sub["answers"][:-1]] == accepted_spellings(part)
            assert shortanswer_fraction(typed, sub["answers"]) == 1.0, typed
            assert shortanswer_fraction("".join(typed.split()), sub["answers"]) == 1.0
            if "*" in typed:
                assert shortanswer_fraction(typed.replace("*", " + 9 + "), sub["answers"]) == 0.0, typed
            checked += 1
    assert checked >= 5


def test_old_escaping_would_store_a_wrong_key():
    """The export before this fix wrote '\\/' and an unescaped '*': Moodle keeps the backslash, so the correct
    answer no longer matches, and the wildcard accepts a wrong one."""
    from tests.exporters.moodle_rules import extract_subquestions, shortanswer_fraction

    (old,) = extract_subquestions("{1:SHORTANSWER:=-6\\/(2*x + 1)#Correct.~*#Not correct.}")
    assert old["answers"][0][1] == "-6\\/(2*x + 1)"
    assert shortanswer_fraction("-6/(2*x + 1)", old["answers"]) == 0.0
    (star,) = extract_subquestions("{1:SHORTANSWER:=2*x#Correct.~*#Not correct.}")
    assert shortanswer_fraction("2 + 9 + x", star["answers"]) == 1.0


def test_cloze_escapes_what_moodle_unescapes():
    from exgen.exporters.moodle import cloze_answer, cloze_feedback
    from tests.exporters.moodle_rules import extract_subquestions

    answer = "a}b#c/d\"q*"
    text = "{1:SHORTANSWER:=" + cloze_answer(answer, wildcard=True) + "#" + cloze_feedback("x ~ y } <z> & w") + "}"
    (sub,) = extract_subquestions(text)
    assert sub["answers"][0][1] == "a}b#c/d\"q\\*"  # '\\*' is a literal '*' for the wildcard matcher
    assert sub["answers"][0][2] == "x \u223c y &lt;z&gt; &amp; w"  # TeX braces dropped, "<" escaped
    with pytest.raises(ValueError):
        cloze_answer("a~b")


def test_graph_pictures_travel_with_the_question(exported):
    from tests.exporters.moodle_rules import file_link_problems

    _, text, _, _ = exported
    assert "@@PLUGINFILE@@/graph-" in text and "<svg" not in text.split("<file")[0]
    assert file_link_problems(text) == []
    broken = re.sub(r'<file name="[^"]*" path="/" encoding="base64">[^<]*</file>', "", text, count=1)
    assert any("not in its <questiontext>" in p for p in file_link_problems(broken))


def test_every_question_prints_its_reference(exported):
    from exgen.exporters.base import stable_ident
    from exgen.grading.lms_refs import find_refs

    bank, text, _, _ = exported
    idents = {stable_ident("q", bank.id, ex.id, str(v)): (ex.id, v) for ex in bank.exercises for v in range(3)}
    for q in ET.fromstring(text):
        if q.get("type") == "category":
            continue
        (ref,) = find_refs(q.findtext("questiontext/text"))
        assert (ref.exercise, ref.variant) == idents[q.findtext("idnumber")]
