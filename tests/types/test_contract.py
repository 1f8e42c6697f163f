"""The contract every registered exercise type keeps; adding a type needs no new test plumbing.

The ``check_*`` functions are the contract itself; tests/test_plugins.py runs them on a type that a
plug-in folder adds.
"""

from collections.abc import Iterable

import pytest

from exgen.answers import grade_part
from exgen.bank.spec import load_bank
from exgen.build.pipeline import build_instance, build_student
from exgen.render.documents import FORMATS, render_document
from exgen.resources import builtin_banks
from exgen.types import all_types
from tests.conftest import check_instance_contract, seed_sweep

TYPES = list(all_types())
MALFORMED = ["@@@ ??", "[[1, 2", "1 ++ 2 )("]
# How each format labels a part; formats not listed show "(a)".
PART_LABEL = {"md": "**({id})**", "tex": "\\exgenpartlabel{{id}}"}


def check_type_declares_itself(name: str) -> None:
    typ = all_types()[name]
    assert typ.name == name and typ.title and typ.topic and typ.summary
    for pname, param in typ.all_params().items():
        assert param.doc, f"{name}.{pname} has no doc"
        param.validate(param.default)  # every default is valid
    resolved, problems = typ.resolve_params({})
    assert problems == []
    for difficulty in ("easy", "medium", "hard"):
        assert typ.resolve_params({"difficulty": difficulty})[1] == []


def check_example_bank(name: str) -> None:
    banks = builtin_banks()
    assert name in banks, f"exercise_banks/{name}.yaml is missing"
    bank = load_bank(banks[name])
    assert any(ex.type == name for ex in bank.exercises)


def check_instances(name: str, *, students: Iterable[int] = range(25)) -> None:
    bank = load_bank(builtin_banks()[name])
    for exercise in bank.exercises:
        for student in students:
            inst = build_instance(exercise, seed=bank.seed, student_id=f"s{student}")
            assert inst == build_instance(exercise, seed=bank.seed, student_id=f"s{student}")
            check_instance_contract(inst)
            for part in inst.parts:
                for text in MALFORMED:
                    assert grade_part(part, text).verdict == "invalid", (name, part.id, text)


def check_format(name: str, fmt: str) -> list[str]:
    """Render the type's example bank as worksheet and key in a format; return both documents."""
    bank = load_bank(builtin_banks()[name])
    instances = build_student(bank, seed=bank.seed, student_id="s1")
    info = {"id": bank.id, "title": bank.title, "course": dict(bank.course)}
    docs = []
    for key in (False, True):
        text = render_document(fmt=fmt, key=key, bank=info, student={"id": "s1", "name": "Ann"},
                               instances=instances)
        assert len(text) > 200
        for inst in instances:
            for part in inst.parts:
                label = PART_LABEL.get(fmt, "({id})").replace("{id}", part.id)
                assert label in text, (name, fmt, label)
        docs.append(text)
    return docs


def test_registry_has_the_core_families():
    assert {"matrix_basics", "dot_product", "matmul"} <= set(TYPES)


@pytest.mark.parametrize("name", TYPES)
def test_type_declares_itself(name):
    check_type_declares_itself(name)


@pytest.mark.parametrize("name", TYPES)
def test_example_bank_loads_and_uses_the_type(name):
    check_example_bank(name)


@pytest.mark.parametrize("name", TYPES)
def test_default_bank_covers_the_type(name):
    bank = load_bank(builtin_banks()["dl-math-basics"])
    assert name in {ex.type for ex in bank.exercises}, f"dl-math-basics lacks {name}"


@pytest.mark.parametrize("name", TYPES)
@seed_sweep(2, 25, name="students")
def test_instances_keep_the_contract(name, students):
    check_instances(name, students=students)


@pytest.mark.parametrize("name", TYPES)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_renders(name, fmt):
    check_format(name, fmt)
