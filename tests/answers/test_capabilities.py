"""What each answer kind declares (numeric, tolerance, partial credit, arrays, LMS form) is what it does."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from exgen.answers import CHOICE, EXPRESSION, MATRIX, SCALAR, SHAPE, LmsForm, SpaceForm, all_kinds, get_kind, grade_part
from exgen.instance import Part, replace
from tests.conftest import typed

KINDS = sorted(all_kinds())


@cache
def parts_by_kind() -> dict[str, list[Part]]:
    """Return up to 10 parts of each kind, drawn from every registered type's example bank."""
    from exgen.bank.spec import load_bank
    from exgen.build.pipeline import build_instance
    from exgen.resources import builtin_banks
    from exgen.types import all_types

    found: dict[str, list[Part]] = {}
    for name in all_types():
        for ex in load_bank(builtin_banks()[name]).exercises:
            for student in range(3):
                for part in build_instance(ex, seed=5, student_id=f"s{student}").parts:
                    found.setdefault(part.kind, [])
                    if len(found[part.kind]) < 10:
                        found[part.kind].append(part)
    return found


def test_the_exported_names_are_the_registry():
    assert {SCALAR, MATRIX, SHAPE, CHOICE, EXPRESSION} == set(all_kinds())
    for name, kind in all_kinds().items():
        assert kind.name == name and isinstance(kind.lms_form, LmsForm)


def test_an_unknown_kind_in_a_type_is_refused():
    from exgen.types.base import _check_kinds

    _check_kinds("t", [Part(id="a", kind=SCALAR, prompt="p", answer=1)])
    with pytest.raises(ValueError, match="unknown answer kind 'scalr'"):
        _check_kinds("t", [Part(id="a", kind="scalr", prompt="p", answer=1)])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", KINDS)
def test_arrays_round_trip_for_numeric_kinds_only(name):
    kind = get_kind(name)
    parts = parts_by_kind()[name]
    for part in parts:
        value = kind.parse(typed(part), part)
        array = kind.to_array(value, part)
        if not kind.numeric:
            assert array is None
            continue
        assert isinstance(array, np.ndarray)
        assert np.allclose(array, np.asarray(part.answer, dtype=float))
        back = kind.from_array(array, part)
        assert kind.equals(value, back, part) and kind.equals(kind.parse(typed(part, back), part), part.answer, part)


@pytest.mark.parametrize("name", KINDS)
def test_declared_tolerance_is_honoured(name):
    """A kind that honours tolerance accepts an answer off by less than the tolerance and refuses one beyond."""
    kind = get_kind(name)
    if not kind.honours_tolerance:
        return
    for part in parts_by_kind()[name]:
        loose = replace(part, tolerance={"abs": 0.5, "rel": 0.0})
        array = np.asarray(part.answer, dtype=float)
        assert grade_part(loose, typed(part, kind.from_array(array + 0.25, part))).verdict == "correct"
        assert grade_part(loose, typed(part, kind.from_array(array + 0.75, part))).verdict != "correct"


def test_the_pipeline_applies_bank_grading_only_where_the_kind_honours_it():
    from exgen.build.pipeline import _apply_grading

    grading = {"tolerance": {"abs": 0.5}, "partial_credit": True}
    for name, parts in parts_by_kind().items():
        kind = get_kind(name)
        for part in parts[:3]:
            out = _apply_grading(part, grading)
            assert (out.tolerance == {"abs": 0.5}) == kind.honours_tolerance, name
            assert bool(out.options.get("partial")) == kind.honours_partial_credit, name


def test_partial_credit_is_per_entry_where_declared():
    kind = get_kind(MATRIX)
    assert kind.honours_partial_credit
    part = Part(id="a", kind=MATRIX, prompt="p", answer=[[1, 2], [3, 4]], options={"partial": True})
    assert grade_part(part, "[[1, 2], [3, 5]]").points == pytest.approx(0.75)
    assert grade_part(replace(part, options={}), "[[1, 2], [3, 5]]").points == 0.0


def test_each_kind_asks_for_the_room_its_answers_take_on_paper():
    expected = {SCALAR: SpaceForm.LINE, MATRIX: SpaceForm.GRID, SHAPE: SpaceForm.TUPLE, CHOICE: SpaceForm.CHOICES,
                EXPRESSION: SpaceForm.BOX}
    assert {name: get_kind(name).answer_space(parts_by_kind()[name][0]).form for name in KINDS} == expected


@pytest.mark.parametrize("name", KINDS)
def test_answer_space_has_the_shape_of_the_answer(name):
    """A grid has one cell per entry in the answer's rows and columns, a tuple one blank per dimension, the
    tick boxes one per choice (by key or label); a line or a box holds one value."""
    kind = get_kind(name)
    for part in parts_by_kind()[name]:
        space = kind.answer_space(part)
        assert space.rows >= 1 and space.cols >= 1
        if space.form is SpaceForm.GRID:
            shape = np.shape(np.asarray(part.answer, dtype=float))
            assert (space.rows, space.cols) == (shape if len(shape) == 2 else (1, shape[0]))
        elif space.form is SpaceForm.TUPLE:
            assert space.cols == len(part.answer)
        elif space.form is SpaceForm.CHOICES:
            choices = part.options["choices"]
            assert len(space.labels) == space.cols == len(choices)
            assert all(label in (c["key"], c["label"]) for label, c in zip(space.labels, choices))
        else:
            assert not isinstance(part.answer, (list, tuple)), f"{name}: a list answer needs a grid or a tuple"
        assert space.to_dict()["form"] == space.form.value
