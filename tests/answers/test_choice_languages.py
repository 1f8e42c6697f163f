"""Choice answers in the student's language, and the grader's own feedback in the key's language."""

from __future__ import annotations

import re

import pytest

from exgen.answers import get_kind, grade_part
from exgen.answers.choice import option, yes_no
from exgen.errors import FormatError
from exgen.expr.functions import COMMON
from exgen.i18n import N_, language
from exgen.instance import Part

CHOICE = get_kind("choice")


def yes_no_part(lang: str, answer: str = "yes") -> Part:
    with language(lang):
        return Part(id="a", kind="choice", prompt="?", answer=answer, options=yes_no())


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("typed,key", [
    ("yes", "yes"), ("Yes", "yes"), ("y", "yes"), ("예", "yes"), ("네", "yes"), (" 예. ", "yes"),
    ("no", "no"), ("NO", "no"), ("아니요", "no"), ("아니오", "no"), ("아니 요", "no"),
])
def test_yes_and_no_are_read_in_both_languages_whichever_the_key(lang, typed, key):
    assert CHOICE.parse(typed, yes_no_part(lang)) == key


def test_labels_are_shown_in_the_run_language():
    assert [c["label"] for c in yes_no_part("ko").options["choices"]] == ["예", "아니요"]
    assert [c["label"] for c in yes_no_part("en").options["choices"]] == ["Yes", "No"]


def test_the_key_stores_every_word_so_grading_needs_no_catalogue():
    part = Part.from_dict(yes_no_part("ko").to_dict())  # as read back from answer_key.json
    assert CHOICE.parse("yes", part) == "yes" and CHOICE.parse("네", part) == "yes"


def test_a_label_of_the_other_language_and_the_displayed_label_are_accepted():
    # "Correct." has a Korean translation: an option labelled with it is shown in Korean and accepts both
    with language("ko"):
        opt = option("right", N_("Correct."))
    part = Part(id="a", kind="choice", prompt="?", answer="right", options={"choices": [opt]})
    assert opt["label"] == "정답입니다."
    for typed in ("정답입니다", "correct.", "Correct", "right"):
        assert CHOICE.parse(typed, part) == "right"
    with pytest.raises(FormatError):
        CHOICE.parse("wrong", part)


def test_options_written_before_languages_still_work():
    part = Part(id="a", kind="choice", prompt="?", answer="same",
                options={"choices": [{"key": "same", "label": "Same direction"}, {"key": "opposite", "label": "Opposite"}]})
    assert CHOICE.parse("same direction", part) == "same" and CHOICE.parse("opposite", part) == "opposite"


def test_feedback_is_in_the_running_language():
    part = yes_no_part("ko")
    with language("ko"):
        assert grade_part(part, "네").feedback == "정답입니다."
        assert grade_part(part, "no").feedback == "틀렸습니다."
        assert grade_part(part, "").feedback == "답이 없습니다."
        invalid = grade_part(part, "모름")
        assert invalid.verdict == "invalid"
        assert invalid.feedback.startswith("답을 읽을 수 없습니다") and "예, 아니요 중 하나" in invalid.feedback
    assert grade_part(part, "maybe").feedback.startswith("Could not read the answer")


@pytest.mark.parametrize("kind,answer,typed", [
    ("scalar", 2.0, "abc"), ("matrix", [[1.0, 2.0], [3.0, 4.0]], "[[1, 2], [3]]"), ("shape", [2, 3], "two"),
    ("matrix", [1.0, 2.0], "[1, 2"),
])
def test_every_kind_explains_an_unreadable_answer_in_korean(kind, answer, typed):
    part = Part(id="a", kind=kind, prompt="?", answer=answer)
    with language("ko"):
        feedback = grade_part(part, typed).feedback
    assert feedback.startswith("답을 읽을 수 없습니다")
    code = set(re.findall(r"[a-z]+", " ".join(COMMON))) | {typed}  # what a student types stays as typed
    assert not [w for w in re.findall(r"[A-Za-z]{3,}", feedback) if w not in code], feedback


def test_known_shape_and_entry_mistakes_are_explained_in_korean():
    matrix = Part(id="a", kind="matrix", prompt="?", answer=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    shape = Part(id="a", kind="shape", prompt="?", answer=[2, 3])
    with language("ko"):
        assert grade_part(matrix, "[[1, 4], [2, 5], [3, 6]]").feedback.startswith("정답의 전치 행렬입니다")
        assert grade_part(matrix, "[1, 2]").feedback.startswith("형상이 틀렸습니다")
        assert grade_part(matrix, "[[1, 2, 3], [4, 5, 7]]").feedback == \
            "원소 6개 중 1개가 틀렸습니다 (처음 틀린 원소: 2행 3열)."
        assert grade_part(shape, "(3, 2)").feedback.startswith("행과 열이 바뀌었습니다")
        assert grade_part(shape, "(2, 3, 4)").feedback == "차원이 2개여야 하는데 3개입니다."
