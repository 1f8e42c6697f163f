"""Parsers and checkers of the scalar, matrix, shape and choice kinds, including hostile input."""

import time

import pytest

from exgen.answers import get_kind, grade_part
from exgen.answers.choice import yes_no
from exgen.answers.numbers import parse_number
from exgen.errors import FormatError
from exgen.instance import Part, WrongAnswer


def scalar(answer, tol=None, wrong=()):
    return Part(id="a", kind="scalar", prompt="", answer=answer, tolerance=tol, wrong_answers=wrong)


@pytest.mark.parametrize("text,value", [
    ("3", 3.0), ("-3", -3.0), ("+2", 2.0), ("0.25", 0.25), (".5", 0.5), ("5.", 5.0), ("3/4", 0.75),
    ("-3/4", -0.75), ("1.5/3", 0.5), ("1e-3", 0.001), ("2.5E+3", 2500.0), (" 7 ", 7.0), ("\u22122", -2.0),
    ("1 / 8", 0.125),
])
def test_numbers_accepted(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", [
    "", "abc", "1,5", "3/0", "1e999", "2**3", "__import__('os')", "1/2/3", "--3", "0x10", "nan", "inf",
    "1" * 100, "3 4", "e5",
])
def test_numbers_refused(text):
    with pytest.raises(FormatError):
        parse_number(text)


def test_scalar_tolerance_is_absolute_plus_relative():
    part = scalar(100.0, tol={"abs": 0.5, "rel": 0.01})
    assert grade_part(part, "101.4").verdict == "correct"     # within 0.5 + 1.0
    assert grade_part(part, "98.6").verdict == "correct"
    assert grade_part(part, "101.6").verdict == "incorrect"


def test_scalar_exact_without_tolerance_but_forgives_float_noise():
    part = scalar(0.3)
    assert grade_part(part, "0.30000000000000004").verdict == "correct"
    assert grade_part(part, "0.3001").verdict == "incorrect"


def test_format_error_is_invalid_not_wrong_and_shows_form():
    score = grade_part(scalar(2), "two")
    assert score.verdict == "invalid" and score.points == 0
    assert "3/4" in score.feedback


def test_missing_is_missing():
    assert grade_part(scalar(2), "   ").verdict == "missing"
    assert grade_part(scalar(2), None).verdict == "missing"


def test_known_wrong_answer_of_another_kind_is_recognised():
    part = scalar(11, wrong=(WrongAnswer([3, 8], "elementwise", "sum the products", kind="matrix"),))
    score = grade_part(part, "[3, 8]")
    assert (score.verdict, score.tag, score.feedback) == ("incorrect", "elementwise", "sum the products")


def matrix(answer, **kw):
    return Part(id="a", kind="matrix", prompt="", answer=answer, **kw)


M = [[1, 2, 3], [4, 5, 6]]


@pytest.mark.parametrize("text", [
    "[[1,2,3],[4,5,6]]", "[[1, 2, 3], [4, 5, 6]]", "1 2 3; 4 5 6", "1,2,3;4,5,6", "1 2 3\n4 5 6",
    "[1 2 3; 4 5 6]", "[[1,2,3],\n [4,5,6]]", "((1,2,3),(4,5,6))", "[[1.0, 2, 3], [4, 10/2, 6e0]]",
])
def test_matrix_forms_accepted(text):
    assert grade_part(matrix(M), text).verdict == "correct"


def test_matrix_structured_input():
    assert grade_part(matrix(M), [[1, 2, 3], [4, 5, 6]]).verdict == "correct"
    assert grade_part(matrix(M), [["1", "2", "3"], [4, 5, "6"]]).verdict == "correct"


@pytest.mark.parametrize("text,needle", [
    ("[[1,2],[3]]", "row 2 has 1 entries"), ("[[1,2,3],[4,5,6]", "missing closing"), ("[[[1]]]", "nested deeper"),
    ("[1, x]", "expected a number"), ("[1, 2]]", "unexpected"), ("1 2 ]", "unbalanced"),
])
def test_matrix_malformed(text, needle):
    score = grade_part(matrix(M), text)
    assert score.verdict == "invalid" and needle in score.feedback, score.feedback
    assert "[[1, 2, 3], [4, 5, 6]]" in score.feedback  # shows the expected form


def test_matrix_names_the_transpose_before_entries():
    score = grade_part(matrix(M), "[[1,4],[2,5],[3,6]]")
    assert score.tag == "transposed" and "transpose" in score.feedback


def test_matrix_names_a_wrong_shape():
    score = grade_part(matrix(M), "[[1,2],[3,4]]")
    assert score.tag == "wrong-shape" and "2 x 3" in score.feedback and "got 2 x 2" in score.feedback


def test_matrix_counts_wrong_entries_and_partial_credit_option():
    plain = grade_part(matrix(M), "[[1,2,3],[4,0,0]]")
    assert plain.points == 0 and "2 of 6 entries" in plain.feedback and "row 2, column 2" in plain.feedback
    partial = grade_part(matrix(M, options={"partial": True}), "[[1,2,3],[4,0,0]]")
    assert partial.verdict == "partial" and partial.points == pytest.approx(4 / 6)


def test_vector_answer_accepts_row_column_or_flat():
    part = matrix([1, -2, 3])
    for text in ("[1, -2, 3]", "1 -2 3", "[[1], [-2], [3]]", "[[1, -2, 3]]", "1; -2; 3"):
        assert grade_part(part, text).verdict == "correct", text


def test_matrix_hostile_input_is_refused_fast():
    for text in ("[" * 10_000 + "]" * 10_000, "1 " * 20_001, "[" + "1," * 50_000 + "1]", "x" * 1_000_000):
        start = time.perf_counter()
        assert grade_part(matrix(M), text).verdict == "invalid"
        assert time.perf_counter() - start < 2  # a hang guard, not a speed claim


def shape(answer, wrong=()):
    return Part(id="a", kind="shape", prompt="", answer=answer, wrong_answers=wrong)


@pytest.mark.parametrize("text", ["(2, 3)", "2x3", "2 x 3", "2 by 3", "2 BY 3", "[2, 3]", "2,3", "2×3", "(2,3)"])
def test_shape_forms(text):
    assert grade_part(shape([2, 3]), text).verdict == "correct"


def test_symbolic_shapes():
    for text in ("(N, H)", "N x H", "NxH", "N by H", "[N, H]"):
        assert grade_part(shape(["N", "H"]), text).verdict == "correct", text
    assert grade_part(shape(["N", "H"]), "(H, N)").tag == "swapped-dims"
    assert grade_part(shape(["N", "H"]), "(N, D)").verdict == "incorrect"


def test_shape_diagnoses():
    assert grade_part(shape([2, 3]), "3x2").tag == "swapped-dims"
    assert grade_part(shape([2, 3]), "(2, 3, 1)").tag == "wrong-rank"
    assert grade_part(shape([2, 3]), "(2, 3; 1)").verdict == "invalid"
    assert grade_part(shape([2, 3]), "foo bar baz").verdict == "invalid"


def choice(answer="yes"):
    return Part(id="a", kind="choice", prompt="", answer=answer, options=yes_no(),
                wrong_answers=(WrongAnswer("no", "rule", "inner dimensions"),))


@pytest.mark.parametrize("text", ["yes", "Yes", "YES.", "y", "true", " yes "])
def test_choice_yes_forms(text):
    assert grade_part(choice(), text).verdict == "correct"


@pytest.mark.parametrize("text", ["Opposite direction (obtuse angle)", "opposite direction (obtuse angle).", "opposite"])
def test_choice_label_ending_in_a_bracket_is_read(text):
    # the label is what Canvas's and Moodle's response exports show for a multiple-choice answer
    part = Part(id="b", kind="choice", prompt="", answer="opposite", options={"choices": [
        {"key": "same", "label": "Same direction (acute angle)"},
        {"key": "opposite", "label": "Opposite direction (obtuse angle)"}]})
    assert grade_part(part, text).verdict == "correct"
    assert grade_part(part, "Same direction (acute angle)").verdict == "incorrect"


def test_choice_wrong_and_invalid():
    assert grade_part(choice(), "no").feedback == "inner dimensions"
    assert grade_part(choice(), "maybe").verdict == "invalid"
    assert "yes, no" in grade_part(choice(), "maybe").feedback


@pytest.mark.parametrize("kind", ["scalar", "matrix", "shape", "choice"])
def test_typed_round_trips_through_parse(kind):
    parts = {"scalar": scalar(-2.5), "matrix": matrix(M), "shape": shape([4, "N"]), "choice": choice("no")}
    part = parts[kind]
    k = get_kind(kind)
    assert k.equals(k.parse(k.typed(part.answer, part), part), part.answer, part)


@pytest.mark.parametrize("raw", [object(), b"bytes", {"a": 1}, 10**400, float("nan"), True])
def test_non_text_garbage_never_raises(raw):
    # YAML reads an unquoted `yes` as True, so a boolean is a legitimate answer to a yes/no choice.
    parts = (scalar(1), matrix(M), shape([2, 3])) + (() if raw is True else (choice(),))
    for part in parts:
        score = grade_part(part, raw)
        assert score.verdict in ("invalid", "incorrect")
