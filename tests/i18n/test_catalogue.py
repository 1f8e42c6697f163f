"""The message catalogues: complete, in step with the source, compiled as shipped, markup kept.

Babel (a test dependency only) reads the ``.po`` files and extracts the messages the way
``pybabel extract`` does (docs/translating.md), so that a message added, changed or removed in the code or a
template without running the catalogue commands fails here, naming it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from exgen.i18n import languages
from tests.conftest import ROOT

LOCALE = ROOT / "exgen" / "locale"
TRANSLATED = [lang for lang in languages() if lang != "en"]
#: The keywords of docs/translating.md's extract command (the defaults and ``-k NP_:1c,2``).
KEYWORDS = {**DEFAULT_KEYWORDS, "NP_": ((1, "c"), 2)}


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "exgen.po"


def catalogue(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def _key(message) -> tuple[str | None, str]:
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


@pytest.fixture(scope="module")
def extracted() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",),
            strip_comment_tags=True):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_korean_is_shipped():
    assert "ko" in TRANSLATED


def test_extraction_finds_the_code_and_the_templates(extracted):
    # the check below is only as good as the extraction: it must see Python, templates and contexts
    assert (None, "Correct.") in extracted
    assert ("answer words", "yes") in extracted
    assert ("language tag", "en") in extracted


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_matches_the_source(lang, extracted):
    po = {_key(m) for m in catalogue(lang) if m.id}
    missing, stale = sorted(extracted - po, key=str), sorted(po - extracted, key=str)
    assert not missing, f"messages in the code but not in {lang}'s catalogue (run extract + update): {missing[:10]}"
    assert not stale, f"messages in {lang}'s catalogue that the code no longer has (run update): {stale[:10]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    cat = catalogue(lang)
    untranslated = [_key(m) for m in cat if m.id and (
        m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))]
    assert not untranslated, untranslated[:10]
    problems = [(_key(m), [str(e) for e in errors]) for m, errors in cat.check()]
    assert not problems, problems[:10]  # e.g. a %(name)s placeholder missing or misspelt


#: Characters that mean something in Markdown, LaTeX or HTML. Outside math, a translation uses only those its
#: source uses there (the templates put translated text into documents as it is, so a new one would be
#: markup); its math is balanced ``$...$``, which every format keeps as math.
MARKUP = set('\\{}_^&#%<>*[]`~|"')
_MATH = re.compile(r"\$[^$]*\$")


def _prose_markup(text: str) -> set[str]:
    text = re.sub(r"%\([a-z_]+\)[sdr]", "", text)  # placeholders are checked by catalog.check()
    return {ch for ch in _MATH.sub("", text) if ch in MARKUP}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_add_no_markup_to_their_source(lang):
    wrong = []
    for m in catalogue(lang):
        if not m.id or m.context in ("answer words", "CSV column"):  # word lists: | separates alternatives
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        allowed = set().union(*(_prose_markup(i) for i in ids))
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for text in strings:
            if text.count("$") % 2 or not _prose_markup(text) <= allowed:
                wrong.append((m.id, text))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_shipped_mo_is_the_compiled_po(lang):
    buf = io.BytesIO()
    write_mo(buf, catalogue(lang), use_fuzzy=False)
    shipped = (LOCALE / lang / "LC_MESSAGES" / "exgen.mo").read_bytes()
    assert buf.getvalue() == shipped, f"run: pybabel compile -d exgen/locale -D exgen ({lang})"


def test_mo_files_are_not_ignored_by_git():
    # hatchling leaves out of the wheel what .gitignore names; the .mo files must ship
    assert not any(line.strip() in ("*.mo", "*.mo/") for line in (ROOT / ".gitignore").read_text().splitlines())
