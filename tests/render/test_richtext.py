"""The one ``$...$`` splitter: words and formulas in order, nothing lost, each format's math form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exgen.render.documents import environment
from exgen.render.richtext import Piece, dollars, render_rich, split_math


def test_words_inline_and_display_math_in_order():
    assert split_math("Let $x$ be $$\\frac{a}{b}$$ now.") == [
        Piece("Let "), Piece("x", math=True), Piece(" be "), Piece("\\frac{a}{b}", math=True, display=True),
        Piece(" now.")]


def test_a_lone_dollar_is_a_word_and_math_may_span_lines():
    assert split_math("costs $5") == [Piece("costs $5")]
    assert split_math("$a\n+ b$") == [Piece("a\n+ b", math=True)]
    assert split_math("") == []


@given(st.text(alphabet="ab $\\\n{}", max_size=40))
def test_splitting_loses_nothing(text):
    back = render_rich(text, words=lambda w: w, math=dollars)
    # only the $$ between two touching inline formulas goes: $a$$b$ is the one formula $ab$
    assert back.replace("$", "") == text.replace("$", "")
    if "$$" not in text:
        assert back == text


def test_touching_inline_formulas_are_one():
    assert split_math("$a$$b$ c") == [Piece("ab", math=True), Piece(" c")]
    assert split_math("$a$ $b$") == [Piece("a", math=True), Piece(" "), Piece("b", math=True)]
    assert split_math("$$a$$$b$") == [Piece("a", math=True, display=True), Piece("b", math=True)]


def test_each_format_writes_the_math_its_own_way():
    text = "A < B & $x_1 < y$ then $$z$$"
    md = environment("md").from_string("{{ text | rich }}")
    assert md.render(text=text, md_document=True) == "A &lt; B &amp; $x_1 < y$ then\n\n$$\nz\n$$"
    assert md.render(text=text) == "A &lt; B &amp; $x_1 < y$ then $$z$$"  # a statement bound for HTML
    assert environment("tex").filters["rich"](text) == r"A < B \& $x_1 < y$ then $$z$$"
    page = str(environment("html").filters["rich"](text))
    assert page.startswith("A &lt; B &amp; <math") and 'display="block"' in page and "$" not in page.split("<")[0]
