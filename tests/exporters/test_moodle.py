"""Moodle XML export: passes the structural check that mirrors Moodle's importer; broken files fail it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.exporters.helpers import all_families_bank, one_scalar_bank


@pytest.fixture(scope="module")
def exported():
    from exgen.exporters.moodle import build_xml

    bank = all_families_bank()
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


def test_same_bank_and_seed_give_byte_identical_files():
    from exgen.exporters.moodle import build_xml

    bank = all_families_bank()
    assert build_xml(bank, seed=9, variants=2)[0] == build_xml(bank, seed=9, variants=2)[0]


def test_cloze_feedback_is_escaped():
    from exgen.exporters.moodle import cloze_plain

    assert cloze_plain("a # b ~ c } / \"q\" $a \\cdot b$") == 'a \\# b \\~ c \\/ \\"q\\" a · b'
