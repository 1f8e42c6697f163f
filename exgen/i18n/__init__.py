"""Message catalogues: every fixed text of a document, a key, feedback and reports, in the run's language.

exgen's own texts are gettext messages. They are marked in the source with ``_()`` (``pgettext`` where a
short word needs a context, ``ngettext`` for counts, ``N_``/``NP_`` for module-level constants translated
where they are shown) and in the templates with Jinja's i18n extension (``{% trans %}``, ``_()``). Babel
extracts them (``babel.cfg``) into ``exgen/locale/<lang>/LC_MESSAGES/exgen.po``; the compiled ``.mo`` files
are shipped with the package, so exgen needs no Babel at run time (docs/translating.md has the commands).

The language of a run is chosen with ``language(lang)``, a context manager around the work::

    with language("ko"):
        instances = build_student(...)      # prompts, solutions and feedback in Korean
        text = render_document(...)         # headings and labels in Korean

It lives in a ``ContextVar``, so two runs in one process (threads, or an API caller interleaving them)
never see each other's language, and nothing is left behind when the block ends; a worker process sets it
again for each task (``exgen.grading.batch``). Outside any block the language is English, the language
the messages are written in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Final

from exgen.errors import OptionError

if TYPE_CHECKING:  # loaded with the first catalogue: an English run (the autograder's cold start) needs neither
    import gettext
    from importlib.abc import Traversable  # (importlib.resources.abc is 3.11+; requires-python is 3.10)

#: The language exgen's messages are written in (their msgids); it needs no catalogue.
SOURCE_LANGUAGE: Final = "en"
DOMAIN: Final = "exgen"
#: Separates the alternatives of a word list message (``pgettext("answer words", "yes")`` -> ``예|네``).
ALTERNATIVES: Final = "|"

_active: ContextVar[tuple[str, Catalogue] | None] = ContextVar("exgen_language", default=None)


class _Source:
    """The source language's catalogue: every message as written (what ``gettext.NullTranslations`` does,
    without loading gettext, locale and their regular expressions for a run that never needs them)."""

    __slots__ = ()

    def gettext(self, message: str) -> str:
        return message

    def pgettext(self, context: str, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


if TYPE_CHECKING:
    Catalogue = _Source | gettext.NullTranslations

_SOURCE = _Source()


def _locale_dir() -> Traversable:
    # exgen installed as files (the usual case): the folder beside this package, without importlib.resources,
    # whose import (tempfile, zipfile, shutil, ...) would be a tenth of a graded submission's cold start
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locale")
    if os.path.isdir(here):
        from pathlib import Path

        return Path(here)
    from importlib.resources import files

    return files("exgen") / "locale"


@cache
def languages() -> tuple[str, ...]:
    """Return the languages exgen can write: English and each language with a compiled catalogue."""
    found = []
    root = _locale_dir()
    if root.is_dir():
        for entry in root.iterdir():
            if entry.is_dir() and (entry / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
                found.append(entry.name)
    return (SOURCE_LANGUAGE, *sorted(found))


def check_language(lang: object, *, what: str = "language") -> str:
    """Return ``lang`` if exgen has it, else raise ``OptionError`` listing the languages it has."""
    if lang == SOURCE_LANGUAGE:  # always there: no need to list the catalogues
        return SOURCE_LANGUAGE
    if not isinstance(lang, str) or lang not in languages():
        raise OptionError(f"{what}: expected one of {', '.join(languages())}, got {lang!r}")
    return lang


@cache
def translations(lang: str) -> Catalogue:
    """Return the compiled catalogue of a language (no catalogue for the source language)."""
    if lang == SOURCE_LANGUAGE:
        return _SOURCE
    check_language(lang)
    import gettext

    with (_locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as fh:
        return gettext.GNUTranslations(fh)


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Run the block with ``lang`` as the language of every message (None: the source language).

    Raises:
        OptionError: exgen has no catalogue for ``lang``.
    """
    chosen = SOURCE_LANGUAGE if lang is None or lang == SOURCE_LANGUAGE else check_language(lang)
    token = _active.set((chosen, translations(chosen)))
    try:
        yield chosen
    finally:
        _active.reset(token)


def current_language() -> str:
    """Return the language of the running block (``language``), or the source language outside one."""
    active = _active.get()
    return active[0] if active else SOURCE_LANGUAGE


def _catalogue() -> Catalogue:
    active = _active.get()
    return active[1] if active else _SOURCE


def _(message: str) -> str:
    """Return ``message`` in the running language. Placeholders are named: ``_("%(n)s rows") % {"n": 3}``."""
    return _catalogue().gettext(message)


def pgettext(context: str, message: str) -> str:
    """Return ``message`` in the running language, told apart from the same words elsewhere by ``context``."""
    return _catalogue().pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Return the singular or plural form for ``n`` in the running language."""
    return _catalogue().ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802  (gettext's name for a marker)
    """Mark a message for extraction without translating it (a constant translated where it is shown)."""
    return message


def NP_(context: str, message: str) -> str:  # noqa: N802  (the contextual form of N_)
    """Mark a message with a context for extraction without translating it; returns the message."""
    return message


def in_language(lang: str, message: str, *, context: str | None = None) -> str:
    """Return ``message`` in a given language, whatever the running one (for reading answers)."""
    cat = translations(lang)
    return cat.pgettext(context, message) if context is not None else cat.gettext(message)


def in_every_language(message: str, *, context: str | None = None) -> tuple[str, ...]:
    """Return ``message`` and its translation in every language exgen has, without repeats.

    A message of a word list (several words a student may type for one thing) holds its alternatives
    separated by ``|``; each alternative is returned on its own.
    """
    found: dict[str, None] = {}
    for lang in languages():
        for word in in_language(lang, message, context=context).split(ALTERNATIVES):
            if word.strip():
                found[word.strip()] = None
    return tuple(found)
