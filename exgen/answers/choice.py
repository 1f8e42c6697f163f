"""Choice answers (including yes/no): the student types an option's key or its label."""

from __future__ import annotations

from typing import Any, Final

from exgen.answers.base import AnswerKind, AnswerSpace, LmsForm, SpaceForm, require_text
from exgen.errors import FormatError
from exgen.instance import KindName, Part

CHOICE: Final = KindName("choice")

MAX_CHOICE_CHARS = 200
_SYNONYMS = {"yes": ("y", "true", "t", "1"), "no": ("n", "false", "f", "0")}


def _choices(part: Part) -> list[tuple[str, str]]:
    return [(c["key"], c["label"]) for c in part.options.get("choices", ())]


def _fold(text: str) -> str:
    """Casefold, squeeze spaces and strip the dots and brackets students add ("(b)", "B."); applied to the
    options too, so that a label ending in ")" ("Same direction (acute angle)") still matches itself."""
    return " ".join(text.casefold().strip(" .()").split())


class ChoiceKind(AnswerKind):
    name = CHOICE
    lms_form = LmsForm.CHOICE

    def answer_space(self, part: Part) -> AnswerSpace:
        # A choice that carries its own formula is listed in the prompt by key; tick the key.
        labels = [c["key"] if c.get("tex") else c["label"] for c in part.options.get("choices", ())]
        return AnswerSpace(SpaceForm.CHOICES, cols=len(labels), labels=tuple(labels))

    def expected_form(self, part: Part) -> str:
        return "one of: " + ", ".join(key for key, _ in _choices(part))

    def parse(self, raw: Any, part: Part) -> str:
        if isinstance(raw, bool):
            raw = "yes" if raw else "no"
        text = require_text(raw, example=_choices(part)[0][0] if _choices(part) else "yes")
        if len(text) > MAX_CHOICE_CHARS:
            raise FormatError(f"a choice is at most {MAX_CHOICE_CHARS} characters")
        folded = _fold(text)
        for key, label in _choices(part):
            if folded in (_fold(key), _fold(label)) or folded in _SYNONYMS.get(key, ()):
                return key
        raise FormatError(f"expected {self.expected_form(part)}; got {text[:30]!r}")

    def equals(self, value: Any, target: Any, part: Part) -> bool:
        return value == target

    def typed(self, value: Any, part: Part) -> str:
        return str(value)

    def display(self, value: Any, part: Part) -> str:
        labels = dict(_choices(part))
        return labels.get(value, str(value))

    def latex(self, value: Any, part: Part) -> str:
        from exgen.formatting import tex_text

        # A choice may carry its own math (a candidate formula); show its key beside it.
        for choice in part.options.get("choices", ()):
            if choice["key"] == value and choice.get("tex"):
                return r"\text{" + tex_text(value) + ": } " + choice["tex"]
        return r"\text{" + tex_text(self.display(value, part)) + "}"


KIND = ChoiceKind()


def yes_no() -> dict:
    """Return the options of a yes/no question."""
    return {"choices": [{"key": "yes", "label": "Yes"}, {"key": "no", "label": "No"}]}
