"""The distinguishability rule itself: when a mistake "lands on the key", and what build does about it."""

from __future__ import annotations

import pytest

from exgen.answers import MATRIX, SCALAR, SHAPE
from exgen.build.seeding import rng_for
from exgen.errors import GenerationError
from exgen.instance import Part, WrongAnswer
from exgen.types.base import Draft, ExerciseType
from exgen.types.mistakes import Mistake, effective_tolerance, lands_on_key, screen, widened


def scalar(answer, wrong, tolerance=None) -> Part:
    return Part(id="a", kind=SCALAR, prompt="?", answer=answer, tolerance=tolerance,
                wrong_answers=(WrongAnswer(wrong, "sign-error", "Sign."),))


def test_a_mistake_within_twice_the_tolerance_lands():
    tol = {"abs": 0.01}
    assert lands_on_key(scalar(1.0, 1.0, tol), scalar(1.0, 1.0, tol).wrong_answers[0])
    # 0.015 away: outside the tolerance, but a student rounding the mistake could land inside it
    part = scalar(1.0, 1.015, tol)
    assert lands_on_key(part, part.wrong_answers[0])
    part = scalar(1.0, 1.03, tol)
    assert not lands_on_key(part, part.wrong_answers[0])
    exact = scalar(0, -0.0)
    assert lands_on_key(exact, exact.wrong_answers[0])  # -0 is 0: a sign error hidden by a zero


def test_shapes_and_matrices():
    square = Part(id="a", kind=SHAPE, prompt="?", answer=[3, 3],
                  wrong_answers=(WrongAnswer([3, 3], "transposed", "T."),))
    assert lands_on_key(square, square.wrong_answers[0])
    one = Part(id="a", kind=MATRIX, prompt="?", answer=[[4]], tolerance={"abs": 1e-6},
               wrong_answers=(WrongAnswer([[4]], "transposed", "T."),))
    assert lands_on_key(one, one.wrong_answers[0])
    other_kind = Part(id="a", kind=SCALAR, prompt="?", answer=5,
                      wrong_answers=(WrongAnswer([5], "elementwise", "A vector.", kind=MATRIX),))
    assert not lands_on_key(other_kind, other_kind.wrong_answers[0])  # "[5]" is not a number: invalid


def test_widened_and_effective_tolerance():
    assert widened(None) is None
    assert widened({"abs": 0.001, "rel": 0.002}) == pytest.approx({"abs": 0.002, "rel": 0.004})
    assert widened({"abs": 0.0, "decimals": 3}) == pytest.approx({"abs": 0.001, "rel": 2e-9})
    assert widened({"significant_figures": 3}) == pytest.approx({"abs": 0.0, "rel": 0.01})
    assert effective_tolerance({"abs": 0.001}, {}) == {"abs": 0.001}
    assert effective_tolerance({"abs": 0.001}, {"tolerance": {"rel": 0.1}}) == {"rel": 0.1}
    assert effective_tolerance(None, {"decimals": 2}) == {"decimals": 2}


def test_screen_keeps_the_first_of_wrong_answers_the_checker_cannot_tell_apart():
    part = Part(id="a", kind=SCALAR, prompt="?", answer=1.0, tolerance={"abs": 0.01}, wrong_answers=(
        WrongAnswer(2.0, "first", "One."), WrongAnswer(2.005, "second", "Two."), WrongAnswer(3.0, "third", "Three.")))
    landing, kept = screen(part)
    assert landing == [] and [w.tag for w in kept.wrong_answers] == ["first", "third"]


class Coin(ExerciseType):
    """A toy type whose draws are distinguishable half the time: build must redraw the others."""

    name = "coin"
    title = summary = topic = "coin"
    mistakes = (Mistake("sign-error", "Lost a sign."),)

    def generate(self, params, *, rng):
        value = int(rng.integers(0, 2))  # 0: the sign error -0 = 0 scores
        return Draft(given={"v": value}, parts=[scalar(value, -value)])


class Undeclared(Coin):
    mistakes = ()


def test_build_redraws_until_no_mistake_scores_and_names_the_mistake_when_it_cannot():
    for seed in range(20):
        inst = Coin().build(exercise_id="c", title=None, points=None, params={}, rng=rng_for(seed, "s", "c"))
        assert inst.given["v"] == 1
    with pytest.raises(GenerationError, match=r"exercise c: .*'sign-error' \(lost a sign\) kept scoring full marks on "
                                              r"part \(a\).*narrow the tolerance"):
        Coin().build(exercise_id="c", title=None, points=None, params={}, rng=rng_for(0, "s", "c"),
                     finish=lambda p: Part.from_dict({**p.to_dict(), "tolerance": {"abs": 5}}))
    with pytest.raises(ValueError, match="not among the declared mistakes"):
        Undeclared().build(exercise_id="c", title=None, points=None, params={}, rng=rng_for(0, "s", "c"))
