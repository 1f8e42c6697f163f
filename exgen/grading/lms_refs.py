"""The reference an LMS export prints on each question, so that exported responses find their variant.

An LMS draws one of N pre-drawn variants per student (a Canvas question group, a Moodle random question),
and its response exports (Canvas's quiz "Student Analysis" CSV, Moodle's quiz "Responses" report) name the
question only by its text. Every exported question therefore ends with a visible line such as
``Question ref: exgen/dot/v3/a`` (exercise ``dot``, variant 3 counted from 1, part ``a`` when the question
asks one part); the readers in :mod:`exgen.grading.lms_responses` find it in that text.

The reference uses no character that Canvas's fill-in-the-blank syntax (``[blank]``), Moodle's Cloze syntax
(``{1:TYPE:...}``) or HTML-to-text conversion changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The words before the reference (what students see).
LABEL = "Question ref:"
_ID = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
REF_RE = re.compile(rf"exgen/({_ID})/v([0-9]{{1,4}})(?:/([A-Za-z0-9_-]{{1,40}}))?(?![A-Za-z0-9_/-])")


@dataclass(frozen=True)
class QuestionRef:
    """Which exercise, variant (0-based, as ``variant-<n>`` in the export's key) and part a question asks."""

    exercise: str
    variant: int
    part: str | None = None

    def text(self) -> str:
        """Return the reference as printed: ``exgen/<exercise>/v<variant + 1>[/<part>]``."""
        tail = f"/{self.part}" if self.part else ""
        return f"exgen/{self.exercise}/v{self.variant + 1}{tail}"

    @property
    def key_student(self) -> str:
        """Return the id the export's key gives this variant (``variant-<n>``, as ``exgen export`` draws it)."""
        return f"variant-{self.variant}"


def find_refs(text: str) -> list[QuestionRef]:
    """Return every reference in a question's text (plain or HTML), in order."""
    out = []
    for m in REF_RE.finditer(text or ""):
        number = int(m.group(2))
        if number >= 1:
            out.append(QuestionRef(m.group(1), number - 1, m.group(3)))
    return out


def ref_html(ref: QuestionRef) -> str:
    """Return the small paragraph an export appends to a question."""
    return f'<p style="font-size: smaller; color: #555555;">{LABEL} {ref.text()}</p>'
