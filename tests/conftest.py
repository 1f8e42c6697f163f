"""Shared test helpers: paths, building instances, typing answers as a student would."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_SCHEMAS = ROOT.parent / "shared" / "schemas"
#: Under CI=true a test whose third-party schema or system tool is missing fails instead of skipping,
#: so that a green CI run proves those tests ran.
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason`` on a developer's machine; fail under ``CI=true``."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: CI must install it, see .ci/run)", pytrace=False)
    pytest.skip(reason)


def require_tools(*names: str, why: str = "") -> None:
    """Skip (or fail under CI) unless every named program is on PATH."""
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        skip_or_fail(f"{', '.join(missing)} not installed{': ' + why if why else ''}")


def schema_path(*parts: str) -> Path:
    """Return a third-party schema file under ../shared/schemas, or skip (fail under CI) saying why."""
    path = SHARED_SCHEMAS.joinpath(*parts)
    if not path.is_file():
        skip_or_fail(f"third-party schema {path} is absent (the shared/ checkout is not next to the repo)")
    return path


def seed_sweep(quick: int, full: int, *, name: str = "seeds", together: bool = False):
    """Parametrize a many-seed test with ``range``s of seeds: the first ``quick`` seeds in the quick subset
    (``-m "not slow"``), the rest up to ``full`` marked slow, so that the full run checks every seed once.

    ``together=True`` is for a test whose assertion is about the seeds together (every mistake occurs at
    least once, every relation is drawn): its slow case is then all ``full`` seeds, not the rest.
    """
    assert 0 < quick < full
    rest = range(0 if together else quick, full)
    return pytest.mark.parametrize(name, [
        pytest.param(range(quick), id=f"{name}-0-{quick - 1}"),
        pytest.param(rest, id=f"{name}-{rest.start}-{full - 1}", marks=pytest.mark.slow)])


def examples_sweep(quick: int, full: int):
    """Parametrize ``max_examples`` of a hypothesis test run inside the test: ``quick`` examples in the quick
    subset, ``full`` under ``-m slow`` (hypothesis draws afresh, so the full run checks both)."""
    assert 0 < quick < full
    return pytest.mark.parametrize("max_examples", [
        pytest.param(quick, id=f"{quick}-examples"),
        pytest.param(full, id=f"{full}-examples", marks=pytest.mark.slow)])


def pytest_configure(config) -> None:
    # Plug-in folders are an instructor's setting; the suite runs on exgen's own types unless a test
    # chooses plug-ins itself (tests/test_plugins.py).
    os.environ.pop("EXGEN_PLUGINS", None)


def pytest_collection_modifyitems(items) -> None:
    # integration tests (external programs, whole pipelines) stay out of the quick subset, -m "not slow"
    for item in items:
        if item.get_closest_marker("integration") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item) -> None:
    for mark in item.iter_markers("needs"):
        require_tools(*mark.args, why=mark.kwargs.get("why", ""))


def build(type_name: str, *, seed: int, params: dict | None = None, student: str = "s001"):
    """Build one instance of a registered type with validated params."""
    from exgen.build.seeding import rng_for
    from exgen.types import get_type

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
