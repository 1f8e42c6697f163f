"""Markdown that GitHub, GitLab and markdown-it with the dollar-math plugin read alike: a formula with rows
stands in a ``$$`` block of its own, no inline formulas touch (``$a$$b$``), brackets in words are never
``\\[``; and every dollar sign is math."""

from __future__ import annotations

import pytest

from exgen.api import generate
from exgen.render.markdown import md_rich, md_text
from exgen.render.richtext import split_math
from exgen.types import all_types


def _parser(double_inline: bool):
    import markdown_it
    from mdit_py_plugins import dollarmath

    return markdown_it.MarkdownIt("commonmark").enable("table").use(dollarmath.dollarmath_plugin,
                                                                      double_inline=double_inline)


def _walk(tokens):
    for tok in tokens:
        yield tok
        yield from _walk(tok.children or [])


def _problems(source: str) -> list[str]:
    found = []
    strict = list(_walk(_parser(False).parse(source)))
    loose = list(_walk(_parser(True).parse(source)))
    if [t.type for t in strict] != [t.type for t in loose]:
        found.append("$$ inside a line: the parse depends on whether $$ may be inline")
    for t in strict:
        if t.type == "math_inline" and "\\\\" in t.content:
            found.append(f"a formula with rows inline: {t.content[:60]}")
        if t.type == "text" and "$" in t.content:
            found.append(f"a dollar sign read as text: {t.content[:60]}")
    for line in source.splitlines():
        if "$$" in line and line.strip() != "$$" and not line.strip().startswith("- $$"):
            found.append(f"$$ not alone on its line: {line[:60]}")
    if "\\[" in source or "\\]" in source:
        found.append("an escaped bracket")
    return found


@pytest.fixture(scope="module", params=[2, pytest.param(6, marks=pytest.mark.slow)], ids=lambda n: f"{n}-students")
def documents(request, tmp_path_factory):
    """The worksheets and keys of a class (2 students in the quick subset, 6 under -m slow)."""
    out = tmp_path_factory.mktemp("md")
    lines = ["bank: all", "title: All", "seed: 4", "exercises:"]
    for name in all_types():
        lines += [f"  - id: {name.replace('_', '-')}", f"    type: {name}", "    params: {difficulty: hard}"]
    bank = out / "all.yaml"
    bank.write_text("\n".join(lines) + "\n", encoding="utf-8")
    generate(bank, students=request.param, formats="md", out=out / "out")
    documents = sorted((out / "out" / "md").glob("*.md"))
    assert len(documents) == 2 * request.param
    return documents


def test_generated_markdown_reads_the_same_everywhere(documents):
    for path in documents:
        source = path.read_text(encoding="utf-8")
        assert _problems(source) == [], path.name
    keys = "".join(p.read_text(encoding="utf-8") for p in documents if p.name.endswith("-key.md"))
    assert keys.count("\\begin{bmatrix}") > 20  # the keys are full of matrices, each in its own block


def test_the_check_finds_what_breaks_renderers():
    assert _problems("Answer: $\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}$\n")
    assert _problems("shapes $(N \\times K)$$(K \\times M)$ agree\n")
    assert _problems("type \\[\\[1, 2\\]\\]\n")
    assert _problems("$$A = \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}$$\n")
    assert _problems("Let\n\n$$\nA = \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}\n$$\n") == []


def test_a_formula_with_rows_gets_its_own_block_in_a_list_item():
    text = r"Row $i$ becomes: $A^\top = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}$. Done."
    assert md_rich(text, 2) == ("Row $i$ becomes:\n\n  $$\n  A^\\top = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 "
                                "\\end{bmatrix}.\n  $$\n\n  Done.")
    assert md_rich(r"$x = \begin{bmatrix} 1 \\ 2 \end{bmatrix}$", 2) == \
        "$$\n  x = \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}\n  $$"
    assert md_rich(r"$\begin{bmatrix} 1 \\ 2 \end{bmatrix}$", 0, True).startswith("\n\n$$\n")
    assert md_rich("a row $[1, 2]$ stays inline") == "a row $[1, 2]$ stays inline"
    source = "- " + md_rich(text, 2) + "\n"
    items = [t for t in _parser(False).parse(source) if t.type == "list_item_open"]
    blocks = [t for t in _parser(False).parse(source) if t.type == "math_block"]
    assert len(items) == 1 and len(blocks) == 1 and blocks[0].level > 0  # the block is inside the item


def test_touching_inline_formulas_are_one_formula():
    pieces = split_math(r"so $(N \times K)$$(K \times M)$ gives $N \times M$")
    assert [p.text for p in pieces if p.math] == [r"(N \times K)(K \times M)", r"N \times M"]
    assert r"$(N \times K)(K \times M)$" in md_rich(r"so $(N \times K)$$(K \times M)$ gives")


def test_words_escape_brackets_as_character_references():
    assert md_text("[[1, 2], [3, 4]]") == "&#91;&#91;1, 2&#93;, &#91;3, 4&#93;&#93;"
    html = _parser(False).render(md_text("type [[1, 2]] or [x](http://e.vil) *not em* $5"))
    assert "[[1, 2]] or [x](http://e.vil) *not em* $5" in html and "<a" not in html and "<em>" not in html
