"""Choice answers (including yes/no): the student types an option's key, its label or its word in any language.

A type builds its choices with ``option(key, label)`` while its instance is built: the label is shown in
the run's language, and the option stores every word a student may type for it, in every language exgen
has (its label's translations and the key's answer words, ``pgettext("answer words", key)``). A Korean
student may so answer ``예각``, ``acute`` or the label as printed, and grading needs no catalogue: the words
are in the key.
"""

from __future__ import annotations

from typing import Any, Final

from exgen.answers.base import AnswerKind, AnswerSpace, LmsForm, SpaceForm, require_text
from exgen.errors import FormatError
from exgen.i18n import ALTERNATIVES as _ALTERNATIVES
from exgen.i18n import N_, NP_, _, in_every_language, pgettext
from exgen.instance import KindName, Part

CHOICE: Final = KindName("choice")

MAX_CHOICE_CHARS = 200
#: The message context of the words a student may type for a choice key (``|`` between alternatives).
ANSWER_WORDS: Final = "answer words"
_SYNONYMS = {"yes": ("y", "true", "t", "1"), "no": ("n", "false", "f", "0")}
# Translators: the words a student may type to answer "yes" or "no", separated by | (e.g. 예|네).
_YES_NO_WORDS = (NP_("answer words", "yes"), NP_("answer words", "no"))


def _choices(part: Part) -> list[tuple[str, str]]:
    return [(c["key"], c["label"]) for c in part.options.get("choices", ())]


def _fold(text: str) -> str:
    """Casefold, drop spaces and the dots and brackets students add ("(b)", "B."); applied to the options too.

    Spaces are dropped, not squeezed, because Korean spacing varies ("행 벡터" and "행벡터" are one word).
    """
    return "".join(text.casefold().strip(" .()").split())


def option(key: str, label: str) -> dict:
    """Return one option of a choice part, for the running language.

    Args:
        key: the option's key (the stored answer), an English word a student may type.
        label: the option's English label, a message marked with ``N_`` where it is written; it is shown
            translated. The key's words in each language are the messages ``NP_("answer words", key)``.

    Returns:
        ``{"key", "label", "accepts"}``: ``accepts`` holds the other words a student may type for it, in
        every language exgen has (the label's translations, the key's answer words).
    """
    shown = _(label)
    taken = {_fold(key), _fold(shown)}
    accepts: list[str] = []
    for word in (*in_every_language(label), *in_every_language(key, context=ANSWER_WORDS)):
        if _fold(word) not in taken:
            taken.add(_fold(word))
            accepts.append(word)
    return {"key": key, "label": shown, "accepts": accepts}


def _word(key: str) -> str:
    """Return the word the running language asks a student to type for a key (its first answer word)."""
    return pgettext(ANSWER_WORDS, key).split(_ALTERNATIVES)[0].strip() or key


class ChoiceKind(AnswerKind):
    name = CHOICE
    lms_form = LmsForm.CHOICE

    def answer_space(self, part: Part) -> AnswerSpace:
        # A choice that carries its own formula is listed in the prompt by key; tick the key.
        labels = [c["key"] if c.get("tex") else c["label"] for c in part.options.get("choices", ())]
        return AnswerSpace(SpaceForm.CHOICES, cols=len(labels), labels=tuple(labels))

    def expected_form(self, part: Part) -> str:
        return _("one of: %(choices)s") % {"choices": ", ".join(_word(key) for key, _label in _choices(part))}

    def parse(self, raw: Any, part: Part) -> str:
        if isinstance(raw, bool):
            raw = "yes" if raw else "no"
        text = require_text(raw, example=_word(_choices(part)[0][0]) if _choices(part) else "yes")
        if len(text) > MAX_CHOICE_CHARS:
            raise FormatError(_("a choice is at most %(count)d characters") % {"count": MAX_CHOICE_CHARS})
        folded = _fold(text)
        for choice in part.options.get("choices", ()):
            key = choice["key"]
            words = (key, choice["label"], *choice.get("accepts", ()))
            if folded in {_fold(w) for w in words} or folded in _SYNONYMS.get(key, ()):
                return key
        raise FormatError(_("expected %(form)s; got %(text)r") % {"form": self.expected_form(part),
                                                                  "text": text[:30]})

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
    """Return the options of a yes/no question, in the running language."""
    return {"choices": [option("yes", N_("Yes")), option("no", N_("No"))]}
