"""Diagrams: the statement marks what to find, the key shows every value, TikZ compiles with pdflatex."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from exgen.registry import get_type
from exgen.seeding import rng_for

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


CASES = [("backprop_node", {"node": [n]}) for n in ("add", "multiply", "branch", "repeat", "sum", "matmul")] + \
        [("backprop_graph", {"family": [f], "nodes": [3, 6]}) for f in ("scalar", "affine", "two_layer")]


@pytest.mark.parametrize("type_name,params", CASES)
def test_statement_marks_every_asked_part_and_key_shows_values(type_name, params):
    for seed in range(10):
        inst = build(type_name, seed, **params)
        d = inst.context["diagram"]
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
        for text in (inst.context["diagram"]["mermaid"], inst.context["diagram"]["mermaid_key"]):
            lines = text.splitlines()
            assert lines[0] == "flowchart LR"
            for line in lines[1:]:
                assert re.fullmatch(r'  n\w+(\(\("[^"]*"\)\)|\["[^"]*"\])|  n\w+ -->\|"[^"|]*"\| n\w+', line), line


@pytest.mark.tex
def test_tikz_compiles_with_pdflatex(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed; the CI job with TeX Live runs this test")
    body = []
    for type_name, params in CASES:
        for seed in (0, 1):
            inst = build(type_name, seed, **params)
            body += [inst.context["diagram"]["tikz"], r"\par\bigskip", inst.context["diagram"]["tikz_key"],
                     r"\par\bigskip"]
    (tmp_path / "d.tex").write_text(PREAMBLE + "\n".join(body) + "\n\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "d.pdf").stat().st_size > 1000


@pytest.mark.tex
def test_rendered_documents_compile(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed; the CI job with TeX Live runs this test")
    render = pytest.importorskip("exgen.render")
    instances = [build(t, 5, **p) for t, p in CASES] + [build("batch_shapes", 5)]
    for key in (False, True):
        doc = render.render_document(fmt="tex", key=key, bank={"id": "b", "title": "Backprop", "course": {}},
                                     student={"id": "s1", "name": "S"}, instances=instances)
        name = "key" if key else "ws"
        (tmp_path / f"{name}.tex").write_text(doc)
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, run.stdout[-3000:]
