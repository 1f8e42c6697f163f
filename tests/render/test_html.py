"""The one path from exgen's text to HTML: Markdown statements and rich text, with pluggable math.

Lists, emphasis and escapes as CommonMark defines them; formulas handed to the math renderer untouched;
raw HTML (in a bank or a student's text) shown literally; a Mermaid block replaced by the SVG figure.
"""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from exgen.render.documents import md_text, render_exercise
from exgen.render.html import markdown_html, mathml, rich_html
from tests.conftest import build


def rec(latex: str, display: bool) -> str:
    """A math renderer that shows what it was given: [I:latex] inline, [D:latex] displayed."""
    return f"[{'D' if display else 'I'}:{html.escape(latex)}]"


# -- Markdown ------------------------------------------------------------------------------------------
def test_lists_come_out_as_lists():
    out = markdown_html("Given:\n\n- $x = 1$\n- upstream gradient $g$\n\nThen.", rec)
    assert out == "<p>Given:</p>\n<ul>\n<li>[I:x = 1]</li>\n<li>upstream gradient [I:g]</li>\n</ul>\n<p>Then.</p>"
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in markdown_html("1. first\n2. second", rec)


def test_emphasis_code_and_paragraphs():
    out = markdown_html("**Answer:** *(1 pt)* and `x*y`\nsame paragraph\n\nnext", rec)
    assert out == ("<p><strong>Answer:</strong> <em>(1 pt)</em> and <code>x*y</code>\nsame paragraph</p>\n"
                   "<p>next</p>")


def test_backslash_escapes_and_entities_show_the_character():
    out = markdown_html(r"\*not bold\* costs \$5, a\_b \| c \# \[link\](x) &amp; &lt;b&gt;", rec)
    assert out == "<p>*not bold* costs $5, a_b | c # [link](x) &amp; &lt;b&gt;</p>"


@given(st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=60))
def test_user_text_escaped_for_markdown_shows_literally(text):
    out = markdown_html("Name: " + md_text(text), rec)
    assert out.startswith("<p>") and out.endswith("</p>")
    inner = out[3:-4]
    assert "<" not in inner and "[I:" not in inner  # no markup, no math: only words
    assert html.unescape(inner) == ("Name: " + text).strip()


def test_formulas_reach_the_renderer_untouched():
    matrix = r"A = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"
    assert markdown_html(f"Let ${matrix}$.", rec) == f"<p>Let [I:{html.escape(matrix)}].</p>"
    assert markdown_html(f"Let\n\n$$\n{matrix}\n$$\n\nand $$y$$ too", rec) == (
        f"<p>Let</p>\n[D:{html.escape(matrix)}]\n<p>and [D:y] too</p>")
    assert markdown_html(r"no \$math\$ here", rec) == "<p>no $math$ here</p>"


def test_math_is_mathml_by_default():
    out = markdown_html("$x^2$\n\n$$\n\\frac{1}{2}\n$$")
    assert out.count("<math") == 2 and 'display="block"' in out and "$" not in re.sub(
        r"<annotation.*?</annotation>", "", out, flags=re.S)
    assert mathml("x^2") in out and mathml("\\frac{1}{2}", True) in out


def test_raw_html_is_refused_and_shown_as_text():
    source = ('<script>alert(1)</script>\n\nHi <b onclick="x()">there</b> <img src=x onerror=alert(1)>\n\n'
              '[click](javascript:alert(1)) <!-- note -->')
    out = markdown_html(source, rec)
    assert "<script" not in out and "<b" not in out and "<img" not in out and "<!--" not in out
    assert "javascript:" not in re.sub(r"\[click\]\(javascript:alert\(1\)\)", "", out)
    assert "href" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;img src=x onerror=alert(1)&gt;" in out


def test_a_mermaid_block_becomes_the_figure_or_stays_code():
    source = "The graph:\n\n```mermaid\nflowchart LR\n  a --> b\n```\n"
    figure = '<figure class="graph"><svg></svg></figure>'
    assert markdown_html(source, rec, mermaid=figure) == f"<p>The graph:</p>\n{figure}"
    without = markdown_html(source, rec)
    assert '<pre><code class="language-mermaid">flowchart LR\n  a --&gt; b\n</code></pre>' in without
    assert markdown_html("```python\nx = 1\n```", rec, mermaid=figure) == (
        '<pre><code class="language-python">x = 1\n</code></pre>')


def test_a_pipe_table_is_a_table():
    out = markdown_html("| a | b |\n| --- | --- |\n| $1$ | 2 |", rec)
    assert "<table>" in out and "<th>a</th>" in out and "<td>[I:1]</td>" in out


def test_statement_without_an_html_template_draws_its_graph_and_lists():
    inst = build("backprop_node", seed=3)
    for key in (False, True):
        page = render_exercise(inst, "html", key=key)
        assert "<ul>" in page and page.count("<li>") == len(inst.context["data"])
        assert page.count('<figure class="graph"><svg') == 1
        assert "mermaid" not in page and "flowchart" not in page and "```" not in page and "$" not in page


# -- rich text -----------------------------------------------------------------------------------------
def test_rich_text_escapes_words_and_renders_math():
    assert rich_html('a <script>x</script> & "q" $x<y$ and $$z$$', rec) == (
        'a &lt;script&gt;x&lt;/script&gt; &amp; "q" [I:x&lt;y] and [D:z]')
    assert "<math" in rich_html("$x$") and "*" in rich_html("**not markdown**")
