"""The answer-kind seam: parse a student's answer safely, then check it against a part.

Every kind (scalar, matrix, shape, choice, expression, ...) is one module in ``exgen/answers/`` that
defines ``KIND = SomeKind()``; the registry finds it by its ``name``. Kinds never evaluate text: each
parses with a whitelist and raises ``FormatError`` showing the expected form.

A kind also declares what the rest of exgen may do with it (``numeric``, ``honours_tolerance``,
``honours_partial_credit``, ``to_array`` / ``from_array`` for error carried forward, and the ``lms_form``
it is asked in), so that no module outside ``exgen/answers/`` ever compares a kind's name.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from exgen.errors import FormatError
from exgen.i18n import _
from exgen.instance import KindName, Part, WrongAnswer
from exgen.records import Record

if TYPE_CHECKING:
    import numpy as np

#: Longest answer text any kind reads; longer text is refused before parsing.
MAX_ANSWER_CHARS = 20_000

VERDICTS = ("correct", "partial", "incorrect", "invalid", "missing")


class Score(Record):
    """The outcome of checking one part: points, a verdict, feedback and the misconception matched."""

    __slots__ = ("points", "max_points", "verdict", "feedback", "tag")
    points: float
    max_points: float
    verdict: str
    feedback: str
    tag: str | None

    def __init__(self, points: float, max_points: float, verdict: str, feedback: str, tag: str | None = None):
        # one per graded answer: set directly (Record's general __init__ is slower)
        setattr_ = object.__setattr__
        setattr_(self, "points", points)
        setattr_(self, "max_points", max_points)
        setattr_(self, "verdict", verdict)
        setattr_(self, "feedback", feedback)
        setattr_(self, "tag", tag)

    def to_dict(self) -> dict:
        return {"points": self.points, "max_points": self.max_points, "verdict": self.verdict,
                "feedback": self.feedback, "tag": self.tag}


class LmsForm(enum.Enum):
    """How a part is asked in an LMS: the small vocabulary between answer kinds and exporters.

    Each kind declares one form; each exporter keeps one table from form to its own question rendering
    (or a documented degradation where its LMS cannot ask that form). A new kind with an existing form
    therefore needs no exporter change; a new form needs an entry in every exporter's table.
    """

    NUMBER = "numeric-scalar"   # one number, checked within the part's tolerance
    ARRAY = "numeric-array"     # a vector (stored flat) or matrix (stored as rows) of numbers
    SHAPE = "shape"             # a tuple of dimensions: integers or symbols such as N
    CHOICE = "single-choice"    # one of ``part.options["choices"]`` (keys and labels)
    FORMULA = "formula"         # a formula in ``part.options["variables"]``
    TEXT = "text"               # anything else: the canonical text ``kind.typed(answer)``


class SpaceForm(enum.Enum):
    """How a printed worksheet leaves room for a part's answer; each document format draws each form."""

    LINE = "line"          # one value written on a line
    TUPLE = "tuple"        # ``cols`` blanks in parentheses: a shape such as (2, 3)
    GRID = "grid"          # ``rows`` x ``cols`` empty cells in brackets: a vector or matrix of the answer's shape
    BOX = "box"            # a framed box ``rows`` lines high: a formula
    CHOICES = "choices"    # a tick box before each of ``labels``


class AnswerSpace(Record):
    """The room a part's answer needs on paper, declared by its kind (``AnswerKind.answer_space``)."""

    __slots__ = ("form", "rows", "cols", "labels")
    _defaults = {"rows": 1, "cols": 1, "labels": ()}
    form: SpaceForm
    rows: int
    cols: int
    labels: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"form": self.form.value, "rows": self.rows, "cols": self.cols, "labels": list(self.labels)}


class AnswerKind:
    """Base class: subclasses set ``name`` and ``lms_form`` and implement ``parse``, ``equals``, ``typed``.

    Capabilities (class attributes; the defaults suit a kind that is neither numeric nor an array):

    - ``numeric``: stored values are numbers (a float or nested lists of floats);
    - ``honours_tolerance``: a bank's ``grading: tolerance`` replaces the part's tolerance;
    - ``honours_partial_credit``: a bank's ``grading: partial_credit`` sets ``options["partial"]``, and the
      kind then gives credit in proportion to the correct entries;
    - ``lms_form``: how the part is asked in an LMS (``LmsForm``);
    - ``to_array`` / ``from_array``: numbers for error carried forward (None: the kind carries none);
    - ``answer_space``: the room a printed worksheet leaves for the answer (default: one line).
    """

    name: ClassVar[KindName] = KindName("")
    lms_form: ClassVar[LmsForm]
    numeric: ClassVar[bool] = False
    honours_tolerance: ClassVar[bool] = False
    honours_partial_credit: ClassVar[bool] = False

    def to_array(self, value: Any, part: Part) -> np.ndarray | None:
        """Return a parsed student value as a numpy array (for error carried forward), or None."""
        return None

    def from_array(self, array: np.ndarray, part: Part) -> Any:
        """Return a computed array in the part's stored form (comparable by ``equals``), or None."""
        return None

    def answer_space(self, part: Part) -> AnswerSpace:
        """Return the room a printed worksheet leaves for this part's answer."""
        return AnswerSpace(SpaceForm.LINE)

    def expected_form(self, part: Part) -> str:
        """Return a short description of how to type an answer, with an example."""
        raise NotImplementedError

    def parse(self, raw: Any, part: Part) -> Any:
        """Read a student's answer (text, or a number / nested list from a JSON or YAML file).

        Raises:
            FormatError: the answer cannot be read; the message shows the expected form.
        """
        raise NotImplementedError

    def equals(self, value: Any, target: Any, part: Part) -> bool:
        """Return whether a parsed value matches a stored value (the key or a known wrong answer)."""
        raise NotImplementedError

    def typed(self, value: Any, part: Part) -> str:
        """Return a stored value written the way a student would type it (parses back to ``value``)."""
        raise NotImplementedError

    def latex(self, value: Any, part: Part) -> str:
        """Return a stored value as LaTeX math (no surrounding ``$``) for keys and solutions."""
        from exgen.formatting import tex_text

        return tex_text(self.typed(value, part))

    def display(self, value: Any, part: Part) -> str:
        """Return a stored value as plain text for feedback messages (defaults to ``typed``)."""
        return self.typed(value, part)

    def check_key(self, part: Part) -> list[str]:
        """Return why the grader could not check answers against this part's key (empty: it can).

        Called when instances are generated, so that a broken key is an error there, not a silent 0 for
        every student at grading.
        """
        return []

    def diagnose(self, value: Any, part: Part) -> Score | None:
        """Return a specific verdict for a wrong answer (e.g. wrong shape, transposed), or None."""
        return None

    def check(self, value: Any, part: Part) -> Score:
        """Score a parsed value: the key, then known wrong answers, then kind-specific diagnosis."""
        if self.equals(value, part.answer, part):
            return Score(part.points, part.points, "correct", _("Correct."))
        for wrong in part.wrong_answers:
            if wrong.kind in (None, self.name) and self.equals(value, wrong.value, part):
                return misconception_score(wrong, part)
        found = self.diagnose(value, part)
        if found is not None:
            return found
        return Score(0.0, part.points, "incorrect", _("Not correct."))


def own_wrong_answers(part: Part) -> Sequence[WrongAnswer]:
    """Return the part's known wrong answers read by the part's own kind (not those of another kind)."""
    return tuple(w for w in part.wrong_answers if w.kind in (None, part.kind))


def misconception_score(wrong: WrongAnswer, part: Part) -> Score:
    """Return the score for an answer that matched a known wrong answer."""
    points = round(part.points * wrong.credit, 6)
    verdict = "partial" if points > 0 else "incorrect"
    return Score(points, part.points, verdict, wrong.feedback, wrong.tag)


def require_text(raw: Any, *, example: str) -> str:
    """Return ``raw`` as stripped text within the length bound, or raise FormatError."""
    if not isinstance(raw, str):
        raise FormatError(_("expected text like %(example)s, got %(type)s") % {"example": example,
                                                                                "type": type(raw).__name__})
    if len(raw) > MAX_ANSWER_CHARS:
        raise FormatError(_("answer is too long (%(count)d characters; at most %(limit)d)")
                          % {"count": len(raw), "limit": MAX_ANSWER_CHARS})
    text = raw.strip()
    if not text:
        raise FormatError(_("empty answer; expected something like %(example)s") % {"example": example})
    return text
