"""Choosing the language of a run: per block, never leaking between runs, threads or worker tasks."""

from __future__ import annotations

import threading

import pytest

from exgen.errors import OptionError
from exgen.i18n import (
    SOURCE_LANGUAGE,
    _,
    check_language,
    current_language,
    in_every_language,
    language,
    languages,
    ngettext,
    pgettext,
)


def test_outside_a_block_messages_are_the_source_language():
    assert current_language() == SOURCE_LANGUAGE == "en"
    assert _("Correct.") == "Correct."


def test_a_block_translates_and_restores_even_after_an_error():
    with pytest.raises(RuntimeError):
        with language("ko"):
            assert current_language() == "ko"
            assert _("Correct.") == "정답입니다."
            assert pgettext("verdict", "correct") == "정답"
            raise RuntimeError
    assert current_language() == "en" and _("Correct.") == "Correct."


def test_blocks_nest():
    with language("ko"):
        with language("en"):
            assert _("Correct.") == "Correct."
        assert _("Correct.") == "정답입니다."


def test_plural_forms_follow_the_language():
    forms = ("a vector of %(count)d entry", "a vector of %(count)d entries")
    assert ngettext(*forms, 1) % {"count": 1} == "a vector of 1 entry"
    assert ngettext(*forms, 3) % {"count": 3} == "a vector of 3 entries"
    with language("ko"):
        assert ngettext(*forms, 1) % {"count": 1} == "원소 1개의 벡터"
        assert ngettext(*forms, 3) % {"count": 3} == "원소 3개의 벡터"


def test_threads_do_not_see_each_others_language():
    seen: dict[str, list[str]] = {"ko": [], "en": []}
    barrier = threading.Barrier(2)

    def run(lang: str) -> None:
        with language(lang):
            for _round in range(50):
                barrier.wait()  # both threads are inside their blocks at the same moment
                seen[lang].append(_("Correct."))

    threads = [threading.Thread(target=run, args=(lang,)) for lang in ("ko", "en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(seen["ko"]) == {"정답입니다."} and set(seen["en"]) == {"Correct."}


def test_unknown_languages_are_refused_with_the_known_ones():
    assert set(languages()) >= {"en", "ko"}
    for bad in ("kr", "KO", "", None, 3, ["ko"]):
        with pytest.raises(OptionError, match="expected one of en, ko"):
            check_language(bad)
    with pytest.raises(OptionError):
        with language("xx"):
            pass


def test_word_lists_give_every_alternative_in_every_language():
    assert in_every_language("yes", context="answer words") == ("yes", "예", "네")
    assert "학번" in in_every_language("student", context="CSV column")
    assert in_every_language("Correct.") == ("Correct.", "정답입니다.")


def test_an_english_run_loads_no_catalogue_machinery():
    # The one-submission autograder starts for every submission: an English run needs no .mo file, so
    # neither gettext nor importlib.resources (tempfile, zipfile, shutil, ...) is loaded for it.
    import subprocess
    import sys

    code = ("import sys; from exgen.i18n import _, ngettext, pgettext, language, check_language\n"
            "with language('en'):\n"
            "    assert _('Correct.') == 'Correct.' and pgettext('answer words', 'yes') == 'yes'\n"
            "    assert ngettext('%(n)d row', '%(n)d rows', 2) == '%(n)d rows' and check_language('en') == 'en'\n"
            "print(sorted({'gettext', 'importlib.resources', 'tempfile'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    with language("ko"):  # and a language with a catalogue still loads it
        assert _("Correct.") == "정답입니다."
