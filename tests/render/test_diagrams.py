"""Diagrams: the statement marks what to find, the key shows every value, TikZ compiles with pdflatex."""

from __future__ import annotations

import re
import subprocess

import pytest

from exgen.build.seeding import rng_for
from exgen.render.diagrams.mermaid import mermaid
from exgen.render.diagrams.tikz import tikz
from exgen.types import get_type

PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath,amssymb}
\usepackage{tikz}
\usetikzlibrary{arrows.meta,positioning}
\begin{document}
"""


def build(type_name: str, seed: int, **params):
    typ = get_type(type_name)
    resolved, problems = typ.resolve_params(params)
    assert not problems
    return typ.build(exercise_id="d", title=None, points=None, params=resolved, rng=rng_for(seed, "s", type_name))


def drawings(inst) -> dict:
    """Draw an instance's graph as the templates do: from its JSON form, at render time."""
    graph = inst.to_dict()["context"]["graph"]
    return {"tikz": tikz(graph), "tikz_key": tikz(graph, key=True),
            "mermaid": mermaid(graph), "mermaid_key": mermaid(graph, key=True)}


CASES = [("backprop_node", {"node": [n]}) for n in ("add", "multiply", "branch", "repeat", "sum", "matmul")] + \
        [("backprop_graph", {"family": [f], "nodes": [3, 6]}) for f in ("scalar", "affine", "two_layer")]


@pytest.mark.parametrize("type_name,params", CASES)
def test_statement_marks_every_asked_part_and_key_shows_values(type_name, params):
    for seed in range(10):
        inst = build(type_name, seed, **params)
        d = drawings(inst)
        for part in inst.parts:
            assert rf"\textbf{{({part.id})}}" in d["tikz"], (seed, part.id)
            assert f"({part.id}) ?" in d["mermaid"], (seed, part.id)
            assert rf"\textbf{{({part.id})}}" not in d["tikz_key"]
            assert f"({part.id}) ?" not in d["mermaid_key"]
        edges = inst.context["graph"]["edges"]
        for e in edges:  # the key carries every forward value and every gradient
            assert e["value_tex"] in d["tikz_key"] and e["grad_tex"] in d["tikz_key"]
            assert e["grad_text"] in d["mermaid_key"]


def test_mermaid_is_well_formed():
    for type_name, params in CASES:
        inst = build(type_name, 3, **params)
        d = drawings(inst)
        assert "diagram" not in inst.to_dict()["context"]  # the key stores the description, not drawings
        for text in (d["mermaid"], d["mermaid_key"]):
            lines = text.splitlines()
            assert lines[0] == "flowchart LR"
            for line in lines[1:]:
                assert re.fullmatch(r'  n\w+(\(\("[^"]*"\)\)|\["[^"]*"\])|  n\w+ -->\|"[^"|]*"\| n\w+', line), line


@pytest.mark.needs("pdflatex", why="CI installs TeX Live; see .ci/run")
def test_tikz_compiles_with_pdflatex(tmp_path):
    body = []
    for type_name, params in CASES:
        for seed in (0, 1):
            inst = build(type_name, seed, **params)
            d = drawings(inst)
            body += [d["tikz"], r"\par\bigskip", d["tikz_key"],
                     r"\par\bigskip"]
    (tmp_path / "d.tex").write_text(PREAMBLE + "\n".join(body) + "\n\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "d.pdf").stat().st_size > 1000


@pytest.mark.needs("pdflatex", why="CI installs TeX Live; see .ci/run")
def test_rendered_documents_compile(tmp_path):
    from exgen.render import documents as render
    instances = [build(t, 5, **p) for t, p in CASES] + [build("batch_shapes", 5)]
    for key in (False, True):
        doc = render.render_document(fmt="tex", key=key, bank={"id": "b", "title": "Backprop", "course": {}},
                                     student={"id": "s1", "name": "S"}, instances=instances)
        name = "key" if key else "ws"
        (tmp_path / f"{name}.tex").write_text(doc)
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, run.stdout[-3000:]
