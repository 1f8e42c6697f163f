"""Shared test helpers: paths, building instances, typing answers as a student would."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_SCHEMAS = ROOT.parent / "shared" / "schemas"


def build(type_name: str, *, seed: int, params: dict | None = None, student: str = "s001"):
    """Build one instance of a registered type with validated params."""
    from exgen.registry import get_type
    from exgen.seeding import rng_for

    typ = get_type(type_name)
    resolved, problems = typ.resolve_params(params or {})
    assert not problems, problems
    return typ.build(exercise_id=type_name, title=None, points=None, params=resolved,
                     rng=rng_for(seed, student, type_name))


def typed(part, value=None, kind=None) -> str:
    """Return a value (default: the part's answer) typed as a student would."""
    from exgen.answers import get_kind

    k = get_kind(kind or part.kind)
    return k.typed(part.answer if value is None else value, part)


@pytest.fixture
def cli_runner():
    from click.testing import CliRunner

    return CliRunner()


def check_instance_contract(inst) -> None:
    """Assert the promises every instance keeps (see docs/extending.md).

    JSON round trip; the key typed as a student would scores full marks; every known wrong answer, typed
    with its own kind, scores less than full marks and returns its own feedback (which also proves that no
    known mistake gives the correct answer: the distinguishability rule).
    """
    import json

    from exgen.answers import get_kind, grade_part
    from exgen.instance import Instance

    assert Instance.from_dict(json.loads(json.dumps(inst.to_dict()))) == inst
    for part in inst.parts:
        score = grade_part(part, typed(part))
        assert score.verdict == "correct" and score.points == part.points, (inst.type, part.id, score)
        for wrong in part.wrong_answers:
            text = get_kind(wrong.kind or part.kind).typed(wrong.value, part)
            got = grade_part(part, text)
            assert got.points < part.points, (inst.type, part.id, wrong.tag, text)
            assert got.feedback == wrong.feedback and got.tag == wrong.tag, (inst.type, part.id, wrong.tag, got)
