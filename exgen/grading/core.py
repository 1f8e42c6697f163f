"""Grade one student's answers to one exercise instance (no I/O; never raises on bad answers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exgen.answers import Score, get_kind, grade_part
from exgen.i18n import _
from exgen.instance import Instance, Part


def grade_instance(instance: Instance, answers: Mapping[str, Any]) -> dict[str, Score]:
    """Grade every part of ``instance``.

    Args:
        instance: the exercise as stored in the answer key.
        answers: the student's raw answers by part id (text, numbers or nested lists); absent = missing.

    Returns:
        A Score per part id, in the instance's part order.
    """
    scores = {part.id: _with_precision(part, grade_part(part, answers.get(part.id))) for part in instance.parts}
    if any(part.options.get("ecf") for part in instance.parts):  # error carried forward (exgen/grading/ecf.py)
        from exgen.grading.ecf import apply_ecf

        scores = apply_ecf(instance, answers, scores)
    if instance.grading.get("reveal_answer"):
        for part in instance.parts:
            score = scores[part.id]
            if score.verdict != "correct":
                shown = get_kind(part.kind).display(part.answer, part)
                # Translators: %(feedback)s is the feedback on the student's answer, a sentence or more.
                revealed = _("%(feedback)s The correct answer is %(answer)s.") % {"feedback": score.feedback,
                                                                                  "answer": shown}
                scores[part.id] = Score(score.points, score.max_points, score.verdict, revealed, score.tag)
    return scores


def _with_precision(part: Part, score: Score) -> Score:
    """A wrong number's feedback repeats the part's precision, in the words of the worksheet and the key."""
    if score.verdict not in ("incorrect", "partial") or not get_kind(part.kind).honours_tolerance:
        return score
    from exgen.answers.precision import precision_sentence

    return Score(score.points, score.max_points, score.verdict,
                 f"{score.feedback} {precision_sentence(part.tolerance)}", score.tag)
