"""LMS question text: the statement through the one Markdown path, math in each LMS's own form."""

from __future__ import annotations

import re

import pytest

from exgen.exporters.html import canvas_equation, mathjax, solution_html, statement_html
from tests.conftest import build


@pytest.mark.parametrize("math", [mathjax, canvas_equation], ids=["mathjax", "canvas"])
@pytest.mark.parametrize("type_name", ["backprop_node", "backprop_graph", "batch_shapes"])
def test_statement_lists_are_lists_and_graphs_are_drawn(type_name, math):
    inst = build(type_name, seed=5)
    out = statement_html(inst, math)
    data = inst.context["data"]
    assert out.count("<ul>") == 1 and out.count("<li>") == len(data)
    assert "```" not in out and "mermaid" not in out and "flowchart" not in out and "$" not in out
    graph = "graph" in inst.context
    assert out.count('<figure class="graph"><svg') == (1 if graph else 0)
    if graph:  # the question's figure: gradients to find, not their values
        assert "(a) ?" in out and "marks a value to find" in out
    if math is mathjax:
        assert "\\(" in out and "equation_image" not in out
    else:
        assert 'class="equation_image"' in out and "\\(" not in out


def test_display_math_is_the_lms_display_form():
    inst = build("derivative", seed=2)
    assert re.search(r"^<p>Let</p>\n\\\[f\(x\) = .+\.\\\]$", statement_html(inst, mathjax), re.S)
    assert '<span style="display:block;text-align:center"><img class="equation_image"' in statement_html(
        inst, canvas_equation)


def test_solution_words_are_escaped_and_math_kept():
    inst = build("dot_product", seed=4)
    out = solution_html(inst, mathjax)
    assert out.count("<p><strong>(") == len(inst.parts) and "$" not in out and "\\(" in out
