"""A PDF is in the run's language: its /Lang, its hyphenation, its header and cover; and one compile session
serves documents of several languages (their preambles differ, so each has its own format file).

Every test here runs TeX and reads back what a reader gets (qpdf for the catalogue, pdftotext for the text).
"""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml

from exgen.api import generate
from exgen.bank.roster import Student
from exgen.render.texsetup import PDFLATEX, XELATEX, engine_for

pytestmark = [pytest.mark.integration, pytest.mark.tex,
              pytest.mark.needs("pdflatex", "xelatex", "pdftotext", "qpdf",
                                why="TeX Live, XeLaTeX with kotex and Noto CJK, poppler-utils, qpdf; see .ci/run")]

#: Long words that TeX's English patterns break (in-com-pre-hen-si-bil-i-ties) and a Korean document must not.
LONG_WORDS = ("Characteristically incomprehensibilities notwithstanding, internationalization "
              "responsibilities necessitate counterintuitive electroencephalographic "
              "institutionalization. ") * 4


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    return [unicodedata.normalize("NFC", page) for page in text.split("\f")[:-1]]


def catalogue(pdf: Path) -> dict:
    """Return the PDF's document catalogue (its /Root dictionary), as qpdf's JSON gives it."""
    doc = json.loads(subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", str(pdf)], capture_output=True,
                                    check=True).stdout)
    objects = doc["qpdf"][1]
    root = objects["trailer"]["value"]["/Root"]
    return objects[f"obj:{root}"]["value"]


def write_bank(folder: Path, language: str | None) -> Path:
    bank = {"bank": "lang-test", "title": "Language test", "seed": 3,
            "course": {"name": "Hyphenation", "instructions": LONG_WORDS},
            "exercises": [{"id": "dot", "type": "dot_product", "title": "Dot", "points": 2}]}
    if language:
        bank["language"] = language
    path = folder / f"bank-{language or 'en'}.yaml"
    path.write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same bank and a Korean-named student in English and in Korean (both XeLaTeX, so the engine is not
    what differs), and an all-Latin English class (pdfLaTeX)."""
    tmp = tmp_path_factory.mktemp("lang")
    student = [Student(id="k1", name="김민준")]
    out = {}
    for lang in ("en", "ko"):
        out[lang] = tmp / lang
        generate(write_bank(tmp, None), students=student, lang=lang, formats="tex,pdf", out=out[lang], cover=True)
    out["latin"] = tmp / "latin"
    generate(write_bank(tmp, None), students=[Student(id="a1", name="Ada")], formats="tex,pdf", out=out["latin"])
    return out


def test_the_engines_are_the_ones_this_test_means(runs):
    for lang in ("en", "ko"):
        assert engine_for((runs[lang] / "tex" / "k1-worksheet.tex").read_text(encoding="utf-8")) is XELATEX
    assert engine_for((runs["latin"] / "tex" / "a1-worksheet.tex").read_text(encoding="utf-8")) is PDFLATEX


def test_the_pdf_lang_is_the_run_language_with_either_engine(runs):
    for folder, lang in ((runs["en"], "en"), (runs["ko"], "ko"), (runs["latin"], "en")):
        for pdf in (folder / "pdf").glob("*.pdf"):
            assert catalogue(pdf).get("/Lang") == f"u:{lang}", pdf


def broken_words(pdf: Path, page: int) -> list[str]:
    """Words of a page that end a line with a hyphen (pdftotext -layout keeps the lines as printed)."""
    text = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")
    return re.findall(r"([A-Za-z]+-)$", text, flags=re.M)


def widest_word(pdf: Path) -> tuple[float, float]:
    """Return (the right edge of the rightmost word on any page, the page width), in points."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    return max(float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', html)), width


def test_english_hyphenates_and_korean_does_not_and_no_line_runs_into_the_margin(runs):
    english, korean = runs["en"] / "pdf" / "k1-worksheet.pdf", runs["ko"] / "pdf" / "k1-worksheet.pdf"
    # the instructions end the cover page (1) and the first page's title block (2)
    for page in (1, 2):
        assert broken_words(english, page), page  # e.g. "incompre-" / "hensibilities"
        assert not broken_words(korean, page), page
    assert "\\exgenlanguage{ko}{nohyphenation}" in (runs["ko"] / "tex" / "k1-worksheet.tex").read_text("utf-8")
    # without patterns, lines of long Latin words are spaced out, not set past the 2 cm margin
    for pdf in (english, korean):
        right, width = widest_word(pdf)
        assert right <= width - 2 / 2.54 * 72 + 0.5, (pdf, right, width)


def test_korean_header_cover_and_headings(runs):
    worksheet = pages(runs["ko"] / "pdf" / "k1-worksheet.pdf")
    key = pages(runs["ko"] / "pdf" / "k1-key.pdf")
    for number, page in enumerate(worksheet, 1):
        assert f"{number} / {len(worksheet)}쪽" in page and "김민준 (k1)" in page
        assert "Page" not in page
    cover = worksheet[0]
    for word in ("이름", "학번", "문제", "배점", "득점", "총점", "김민준 (k1) 학생의 문제지입니다."):
        assert word in cover, word
    for word in ("Name", "Student ID", "Score", "Prepared for", "Exercise"):
        assert word not in cover, word
    first = worksheet[1].replace("\n", " ")
    assert "학생: 김민준 (k1)" in first and "총점: 2점" in first and "문제 1." in first and "[1점]" in first
    assert "Language test --- 정답표" not in key[1] and "Language test — 정답표" in key[1]
    assert "답:" in " ".join(key)


def test_one_session_compiles_both_languages_with_a_format_each(runs):
    """The Korean preamble differs from the English one (its "page n of m"), so a session that meets both
    dumps one format each and compiles each document against its own: the PDFs are those of two sessions."""
    from exgen.render.pdf import PdfCompiler

    docs = [(f"{lang}-{doc}", (runs[lang] / "tex" / f"k1-{doc}.tex").read_text(encoding="utf-8"))
            for lang in ("en", "ko", "en") for doc in ("worksheet", "key")]
    with PdfCompiler(workers=2) as session:
        mixed = session.compile_all(docs)
        assert len(session._formats) == 2  # one per distinct preamble (the engine is the same)
    assert all(result.ok for result in mixed), [r.error for r in mixed]
    for lang in ("en", "ko"):
        for doc in ("worksheet", "key"):
            alone = (runs[lang] / "pdf" / f"k1-{doc}.pdf").read_bytes()
            assert [r.pdf for r in mixed if r.name == f"{lang}-{doc}"] == [alone] * (2 if lang == "en" else 1)
