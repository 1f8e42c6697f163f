"""Documents people look at: HTML pages in a real browser, PDFs, Markdown parsed as CommonMark, escaping.

One bank holds every registered exercise family (with ``plot: true`` on each) and one hostile student name;
the suite generates it once per format and checks what a reader would see.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from exgen.api import generate
from exgen.bank.roster import Student, numbered
from exgen.bank.spec import load_bank
from exgen.types import all_types
from tests.conftest import require_tools

HOSTILE = "O'Brien & \\input{/etc/passwd} <script>alert(1)</script>"
# Screenshots and PDF pages land here for a person to look at (CI may keep the folder).
ARTIFACTS = Path(os.environ.get("EXGEN_ARTIFACTS", Path(tempfile.gettempdir()) / "exgen-artifacts"))


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bank")
    lines = ["bank: every-family", "title: Every family <b>bold?</b>", "seed: 7", "course:",
             "  name: Course & <i>co</i>", "exercises:"]
    for name in all_types():
        lines += [f"  - id: {name.replace('_', '-')}", f"    type: {name}", "    plot: true"]
    path = folder / "all.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_bank(path)


@pytest.fixture(scope="module")
def docs(bank, tmp_path_factory):
    require_tools("dot", why="Graphviz lays out the HTML diagrams (apt-get install graphviz)")
    out = tmp_path_factory.mktemp("out")
    generate(bank, students=[Student(id="s1", name=HOSTILE)], seed=7, formats=["md", "tex", "html"], out=out)
    return out


# -- HTML ---------------------------------------------------------------------------------------------
def test_html_is_self_contained_and_escaped(docs):
    for name in ("s1-worksheet.html", "s1-key.html"):
        page = (docs / "html" / name).read_text(encoding="utf-8")
        assert "Content-Security-Policy" in page and "default-src 'none'" in page
        # the key has no script; the worksheet only its own (tests/render/test_answer_page.py)
        assert page.count("<script") == (1 if "worksheet" in name else 0)
        assert "<link" not in page and "http://" not in page.replace("http://www.w3.org/", "")
        assert "O&#39;Brien &amp; \\input{/etc/passwd} &lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<b>bold?</b>" not in page and "&lt;b&gt;bold?&lt;/b&gt;" in page
        assert "$" not in re.sub(r"<annotation[^>]*>.*?</annotation>", "", page, flags=re.S)


def test_html_is_deterministic(bank, docs, tmp_path):
    generate(bank, students=[Student(id="s1", name=HOSTILE)], seed=7, formats=["md", "tex", "html"], out=tmp_path)
    for rel in ("html/s1-worksheet.html", "html/s1-key.html", "md/s1-key.md", "tex/s1-key.tex"):
        assert (tmp_path / rel).read_bytes() == (docs / rel).read_bytes(), rel


def test_every_family_has_an_html_template_or_renders_through_the_fallback(docs):
    page = (docs / "html" / "s1-key.html").read_text(encoding="utf-8")
    assert page.count('<section class="exercise"') == len(all_types())
    assert page.count('class="plot"') >= 2  # derivative and gradient
    assert page.count('class="graph"') >= 1  # backprop diagrams


_MEASURE = r"""
(() => {
  const maths = [...document.querySelectorAll('math')];
  const tiny = maths.filter(m => { const r = m.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); });
  const notMath = maths.filter(m => !getComputedStyle(m).display.includes('math'));
  const figures = [...document.querySelectorAll('svg')].map(s => {
    const r = s.getBoundingClientRect(); return {w: r.width, h: r.height, label: s.getAttribute('aria-label')}; });
  const fields = [...document.querySelectorAll('textarea, input')];
  return {text: document.body.innerText, maths: maths.length, tiny: tiny.length, notMath: notMath.length,
          figures, unlabelled: fields.filter(f => f.labels.length === 0).length, fields: fields.length,
          h1: document.querySelectorAll('h1').length, h2: document.querySelectorAll('h2').length,
          scriptRan: typeof window.alert !== 'function' || window.__pwned === true,
          scripts: document.scripts.length};
})()
"""


@pytest.mark.integration
@pytest.mark.needs("chromium", why="Debian's chromium (apt-get install chromium)")
@pytest.mark.parametrize("name", ["s1-worksheet.html", "s1-key.html"])
def test_html_in_headless_chromium(docs, name):
    from tests.render.browser import Chromium

    path = docs / "html" / name
    with Chromium() as browser:
        browser.load(path.resolve().as_uri())
        m = browser.evaluate(_MEASURE)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.screenshot(ARTIFACTS / name.replace(".html", ".png"))
        assert browser.problems() == []
        assert browser.requests() == [path.resolve().as_uri()]  # nothing but the page itself
    text = m["text"]
    for raw in ("$", "\\frac", "\\begin", "\\top", "\\partial", "\\cdot", "\\text", "\\sqrt", "\\times"):
        assert raw not in text.replace("\\input{/etc/passwd}", ""), f"raw TeX {raw!r} visible in {name}"
    assert m["maths"] > 30 and m["tiny"] == 0 and m["notMath"] == 0
    assert HOSTILE in text  # shown literally
    assert m["scripts"] == (1 if "worksheet" in name else 0)
    assert m["h1"] == 1 and m["h2"] == len(all_types())
    assert all(f["w"] > 50 and f["h"] > 50 and f["label"] for f in m["figures"]) and len(m["figures"]) >= 3
    if "worksheet" in name:
        assert m["fields"] > 0 and m["unlabelled"] == 0


# -- Markdown -----------------------------------------------------------------------------------------
def _md_parser():
    import markdown_it
    from mdit_py_plugins import dollarmath
    return markdown_it.MarkdownIt("commonmark").enable("table").use(dollarmath.dollarmath_plugin, double_inline=True)


def _walk(tokens):
    for tok in tokens:
        yield tok
        yield from _walk(tok.children or [])


def test_markdown_parses_as_commonmark_with_math(docs):
    md = _md_parser()
    for name in ("s1-worksheet.md", "s1-key.md"):
        source = (docs / "md" / name).read_text(encoding="utf-8")
        tokens = list(_walk(md.parse(source)))
        maths = [t for t in tokens if t.type.startswith("math")]
        assert len(maths) > 20, name
        texts = "".join(t.content for t in tokens if t.type == "text")
        assert "$" not in texts, f"a $ was not read as math in {name}"
        assert HOSTILE in texts  # the name is text (escaped), not HTML
        assert not [t for t in tokens if t.type in ("html_inline", "html_block") and "script" in t.content]
        images = [t for t in tokens if t.type == "image"]
        assert len(images) >= 2 and all(t.attrs["src"].startswith("figures/") for t in images)
        for img in images:
            svg = (docs / "md" / img.attrs["src"]).read_text(encoding="utf-8")
            assert svg.startswith("<svg") and "<script" not in svg


# -- LaTeX / PDF ----------------------------------------------------------------------------------------
def test_latex_escapes_the_name(docs):
    tex = (docs / "tex" / "s1-worksheet.tex").read_text(encoding="utf-8")
    assert r"O\textquotesingle{}Brien \& \textbackslash{}input\{/etc/passwd\} <script>alert(1)</script>" in tex
    assert "\\begin{axis}" in tex  # plots as pgfplots


needs_tex = pytest.mark.needs("pdflatex", "pdftotext", why="TeX Live and poppler-utils; see .ci/run")


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    return text.decode("utf-8").split("\f")[:-1]


@pytest.mark.integration
@needs_tex
@pytest.mark.tex
def test_pdf_shows_the_name_literally_and_is_reproducible(bank, tmp_path):
    students = [Student(id="s1", name=HOSTILE)]
    generate(bank, students=students, seed=7, formats=["pdf"], out=tmp_path / "a")
    generate(bank, students=students, seed=7, formats=["pdf"], out=tmp_path / "b")
    pdf = tmp_path / "a" / "pdf" / "s1-worksheet.pdf"
    assert pdf.read_bytes() == (tmp_path / "b" / "pdf" / "s1-worksheet.pdf").read_bytes()
    first = _pages(pdf)[0]
    assert "O'Brien & \\input{/etc/passwd} <script>alert(1)</script>" in first.replace("’", "'")
    assert "root:" not in "".join(_pages(pdf))
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(ARTIFACTS / "pdf-page")],
                       check=True)


@needs_tex
@pytest.mark.tex
@pytest.mark.slow
def test_combined_class_pdf_for_30_students(tmp_path):
    bank = load_bank(Path(__file__).resolve().parents[2] / "exercise_banks" / "dl-math-basics.yaml")
    students = [Student(id=s.id, name=f"Name{i:02d} Q{i * 7 % 31:02d}") for i, s in enumerate(numbered(30), 1)]
    generate(bank, students=students, seed=1, formats=[], out=tmp_path, combined=True)
    for kind in ("worksheets", "keys"):
        pdf = tmp_path / "pdf" / f"class-{kind}.pdf"
        pages = _pages(pdf)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(pages) >= 30
        firsts = [i for i, page in enumerate(pages) if "Student:" in page]
        assert len(firsts) == 30 and firsts[0] == 0
        for student, index in zip(students, firsts):
            assert f"{student.name} ({student.id})" in pages[index]
            assert all(other.name not in pages[index] for other in students if other is not student)
