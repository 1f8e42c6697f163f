"""Diagrams: the statement marks what to find, the key shows every value, TikZ compiles with pdflatex, and the
SVG (laid out by Graphviz) keeps every label clear of every arrow and of every other label."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from exgen.build.seeding import rng_for
from exgen.errors import ExgenError
from exgen.render.diagrams.mermaid import mermaid
from exgen.render.diagrams.tikz import PREAMBLE as GRAPH_MACROS
from exgen.render.diagrams.tikz import tikz
from exgen.types import get_type
from tests.conftest import seed_sweep
from tests.render.svggeom import overlaps, parse

needs_dot = pytest.mark.needs("dot", why="Graphviz lays out the HTML diagrams (apt-get install graphviz)")

PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath,amssymb}
\usepackage{tikz}
\usetikzlibrary{arrows.meta,positioning}
""" + GRAPH_MACROS + r"""\begin{document}
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


@pytest.mark.integration
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


@pytest.mark.integration
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


# -- SVG (Graphviz) -------------------------------------------------------------------------------------
SCALAR6 = ("backprop_graph", {"family": ["scalar"], "nodes": [6, 6]})


@needs_dot
@pytest.mark.parametrize("type_name,params", CASES + [SCALAR6])
@seed_sweep(1, 12)
def test_svg_labels_overlap_no_arrow_and_no_other_label(type_name, params, seeds):
    from exgen.render.diagrams.svg import graph_svg

    for seed in seeds:
        graph = build(type_name, seed, **params).to_dict()["context"]["graph"]
        for key in (False, True):
            svg = graph_svg(graph, key=key)
            assert overlaps(svg) == [], (seed, key)
            texts, curves, _ = parse(svg)
            assert len(curves) == 2 * len(graph["edges"])  # every arrow: its curve and its head


def test_the_overlap_check_finds_overlaps():
    """The checker itself: a label on an arrow, two labels on top of each other, a label across a node."""
    head = '<svg xmlns="http://www.w3.org/2000/svg" font-size="12">'
    crossed = head + '<path d="M0 20C10 20 20 20 100 20"/><text x="30" y="24" textLength="40">x = 3</text></svg>'
    stacked = head + '<text x="0" y="20" textLength="40">a</text><text x="20" y="25" textLength="40">b</text></svg>'
    on_node = head + '<rect x="0" y="0" width="20" height="20"/><text x="10" y="15" textLength="40">ab</text></svg>'
    clear = head + '<path d="M0 40C10 40 20 40 100 40"/><text x="30" y="24" textLength="40">x = 3</text></svg>'
    assert overlaps(crossed) and overlaps(stacked) and overlaps(on_node)
    assert overlaps(clear) == []


@needs_dot
@pytest.mark.parametrize("type_name,params", CASES)
def test_svg_marks_every_asked_part_and_key_shows_values(type_name, params):
    from exgen.render.diagrams.svg import graph_svg

    inst = build(type_name, 4, **params)
    graph = inst.to_dict()["context"]["graph"]
    sheet, key = graph_svg(graph), graph_svg(graph, key=True)
    shown = {k: "".join(t.what for t in parse(svg)[0]).replace("\xa0", " ") for k, svg in (("s", sheet), ("k", key))}
    for part in inst.parts:
        assert f"({part.id}) ?" in shown["s"] and f"({part.id}) ?" not in shown["k"]
    squeeze = shown["k"].replace(" ", "")
    for e in graph["edges"]:
        assert e["value_text"].replace(" ", "") in squeeze and e["grad_text"].replace(" ", "") in squeeze


@pytest.mark.integration
@needs_dot
def test_svg_is_byte_identical_across_processes():
    import subprocess
    import sys

    script = ("from tests.render.test_diagrams import build, CASES\n"
              "from exgen.render.diagrams.svg import graph_svg\n"
              "import hashlib\n"
              "h = hashlib.sha256()\n"
              "for t, p in CASES:\n"
              "    g = build(t, 3, **p).to_dict()['context']['graph']\n"
              "    h.update(graph_svg(g).encode()); h.update(graph_svg(g, key=True).encode())\n"
              "print(h.hexdigest())\n")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parents[2]).stdout for _ in range(2)}
    assert len(runs) == 1 and len(runs.pop().strip()) == 64


def test_a_missing_dot_is_one_clear_message(monkeypatch, tmp_path):
    from exgen.render.diagrams import graphviz
    from exgen.render.diagrams.svg import graph_svg

    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    graphviz._layout.cache_clear()
    graph = build("backprop_node", 1, node=["add"]).to_dict()["context"]["graph"]
    with pytest.raises(ExgenError) as err:
        graph_svg(graph)
    message = str(err.value)
    assert "\n" not in message and "graphviz" in message and "dot" in message


def test_generate_html_without_dot_stops_before_writing_in_process(monkeypatch, tmp_path):
    """The quick form of the test below (which runs `python -m exgen` with an empty PATH)."""
    import exgen
    from exgen.render.diagrams import graphviz

    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no dot (nor anything else) on PATH
    graphviz._layout.cache_clear()  # layouts drawn by earlier tests must not stand in for dot
    out = tmp_path / "out"
    with pytest.raises(ExgenError) as err:
        exgen.generate("backprop_node", formats="md,html", out=out)
    assert "graphviz" in str(err.value) and "\n" not in str(err.value)
    assert not out.exists() or not any(out.rglob("*.*"))  # not even the Markdown
    exgen.generate("derivative", formats="html", out=out)  # without a graph, HTML needs no Graphviz
    assert (out / "html" / "student-001-worksheet.html").is_file()


@pytest.mark.integration
def test_generate_html_without_dot_stops_before_writing(tmp_path):
    import os
    import sys

    env = {**os.environ, "PATH": str(tmp_path / "bin")}  # no dot (nor anything else) on PATH
    out = tmp_path / "out"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "exgen", "generate", *args, "--out", str(out)], env=env,
                              capture_output=True, text=True, timeout=120)

    failed = run("backprop_node", "--format", "md,html")
    assert failed.returncode == 1
    assert failed.stderr.startswith("Error: ") and "graphviz" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1 and "Traceback" not in failed.stderr
    assert not out.exists() or not any(out.rglob("*.*"))  # not even the Markdown
    ok = run("derivative", "--format", "html", "-q")  # without a graph, HTML needs no Graphviz
    assert ok.returncode == 0 and (out / "html" / "student-001-worksheet.html").is_file()


# -- TikZ (grid layout) ---------------------------------------------------------------------------------
def _grid_problems(desc, grid) -> list[str]:
    """Check a grid layout from its output alone: lines (along rows, down node columns, in lanes) never run
    through a node, a label or a mark; values never share a stretch of row or of column; one label a cell."""
    from exgen.render.diagrams.tracks import DROP, JUNCTION

    col, row = grid.columns, grid.rows
    nodes = {(row[n], 2 * col[n]): n for n in row}
    problems = [] if len(nodes) == len(row) else ["two nodes in one place"]
    cells = list(grid.labels) + list(grid.marks)
    if len(set(cells)) < len(cells):
        problems.append("two labels or marks in one cell")
    flat, upright = [], []  # (row, x0, x1, value), (x, row0, row1, value)
    for route, e in zip(grid.routes, [desc["edges"][r.edge] for r in grid.routes]):
        s, d = e["src"], e["dst"]
        x0, x1, r0, r1 = 2 * col[s], 2 * col[d], row[s], row[d]
        if route.kind == DROP:
            flat.append((r0, x0, x1, s))
            upright.append((x1, r0, r1, s))
        elif route.kind == JUNCTION:
            flat += [(r0, x0, x1 - 1, s), (r1, x1 - 1, x1, s)]
        else:
            flat.append((r0, x0, x1, s))
    for r, a, b, v in flat:
        for (nr, nx), n in nodes.items():
            if nr == r and a < nx < b:
                problems.append(f"{v}'s line runs through node {n}")
        for cr, cx in grid.marks:
            if cr == r and a < cx < b:
                problems.append(f"{v}'s line runs through a mark")
        for r2, a2, b2, v2 in flat:
            if v2 != v and r2 == r and max(a, a2) < min(b, b2):
                problems.append(f"{v} and {v2} share a stretch of row {r}")
    for x, r0, r1, v in upright:
        lo, hi = min(r0, r1), max(r0, r1)
        for (nr, nx), n in nodes.items():
            if nx == x and lo < nr < hi:
                problems.append(f"{v}'s drop runs through node {n}")
        for x2, q0, q1, v2 in upright:
            if v2 != v and x2 == x and max(lo, min(q0, q1)) < min(hi, max(q0, q1)):
                problems.append(f"{v} and {v2} share a stretch of column {x}")
    return problems


@pytest.mark.parametrize("type_name,params", CASES + [SCALAR6])
@seed_sweep(10, 40)
def test_grid_layout_keeps_lines_off_nodes_labels_and_marks(type_name, params, seeds):
    from exgen.render.diagrams.tracks import layout

    for seed in seeds:
        desc = build(type_name, seed, **params).to_dict()["context"]["graph"]
        grid = layout(desc)
        assert len(grid.routes) == len(desc["edges"]) and len(grid.marks) == len(desc.get("marks", ()))
        assert _grid_problems(desc, grid) == [], seed


def test_grid_check_finds_a_line_through_a_node():
    from exgen.render.diagrams.tracks import Grid, Route

    desc = {"nodes": [{"id": "x"}, {"id": "a"}, {"id": "b"}],
            "edges": [{"src": "x", "dst": "b"}, {"src": "x", "dst": "a"}]}
    through = Grid(columns={"x": 1, "a": 2, "b": 3}, rows={"x": 0, "a": 0, "b": 0},
                   routes=(Route(0, "straight"), Route(1, "straight")), labels=((0, 5), (0, 3)), marks=(),
                   lanes={})
    assert any("through node a" in p for p in _grid_problems(desc, through))


@pytest.mark.integration
@pytest.mark.needs("pdflatex", "pdftotext", why="TeX Live and poppler-utils; see .ci/run")
def test_tikz_words_never_overlap_in_the_pdf(tmp_path):
    """What TeX really typeset: no two words of a diagram (labels, node names, marks) overlap."""
    import xml.etree.ElementTree as ET

    body = []
    for type_name, params in CASES + [SCALAR6]:
        for seed in (5, 6):
            d = drawings(build(type_name, seed, **params))
            body += [d["tikz"], r"\par\bigskip", d["tikz_key"], r"\clearpage"]
    (tmp_path / "d.tex").write_text(PREAMBLE + "\n".join(body) + "\n\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"], cwd=tmp_path,
                   capture_output=True, check=True, timeout=180)
    subprocess.run(["pdftotext", "-bbox", "d.pdf", "d.html"], cwd=tmp_path, check=True, timeout=60)
    text = (tmp_path / "d.html").read_text(encoding="utf-8").replace("&nbsp;", " ")
    root = ET.fromstring(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "?", text))  # glyphs with no Unicode
    pages = [p for p in root.iter() if p.tag.endswith("page")]
    assert len(pages) == 2 * (len(CASES) + 1)
    for number, page in enumerate(pages, 1):
        words = [(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), w.text)
                 for w in page if w.tag.endswith("word")]
        assert words, number
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                # a word's box is its font's full height, so the rows of a small matrix touch a little
                dx, dy = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
                small = min(a[3] - a[1], b[3] - b[1])
                assert not (dx > 0.5 and dy > 0.3 * small), (number, a, b)


def test_tikz_picture_sets_no_stray_space():
    """Every line of a picture ends with %: a line end would be a space in the picture, moving what follows."""
    for type_name, params in CASES + [SCALAR6]:
        d = drawings(build(type_name, 5, **params))
        for text in (d["tikz"], d["tikz_key"]):
            assert text.startswith(r"\exgengraph{") and "\n\n" not in text
            assert all(line.endswith("%") for line in text.split("\n")[:-1])


@pytest.mark.integration
@pytest.mark.needs("pdflatex", "pdftotext", why="TeX Live and poppler-utils; see .ci/run")
def test_tikz_labels_stand_above_and_below_their_arrow_in_the_pdf(tmp_path):
    """Where the grid puts a label is where TeX set it: an arrow's forward value above its gradient, both
    centred on one column; and every asked part is marked."""
    import xml.etree.ElementTree as ET

    cases = [(t, p, seed) for t, p in CASES + [SCALAR6] for seed in (5, 6)]
    pictures = [drawings(build(t, seed, **p)) for t, p, seed in cases]
    body = [rf"\sbox0{{{d['tikz']}}}\resizebox{{\linewidth}}{{!}}{{\usebox0}}\clearpage" for d in pictures]
    (tmp_path / "d.tex").write_text(PREAMBLE + "\n".join(body) + "\n\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"], cwd=tmp_path,
                   capture_output=True, check=True, timeout=180)
    subprocess.run(["pdftotext", "-bbox", "d.pdf", "d.html"], cwd=tmp_path, check=True, timeout=60)
    text = (tmp_path / "d.html").read_text(encoding="utf-8").replace("&nbsp;", " ")
    root = ET.fromstring(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "?", text))
    pages = [p for p in root.iter() if p.tag.endswith("page")]
    assert len(pages) == len(cases)
    checked = 0
    for (type_name, params, seed), page in zip(cases, pages):
        inst = build(type_name, seed, **params)
        words: dict[str, list[tuple[float, ...]]] = {}
        for w in page:
            if w.tag.endswith("word"):  # "(f)" may come out as "(f" and ")": keyed by "(f"
                words.setdefault(w.text.rstrip(")") if w.text.startswith("(") else w.text, []).append(
                    tuple(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
        for part in inst.parts:
            assert words.get(f"({part.id}"), (type_name, seed, part.id)  # once, or on each arrow of a value
        for e in inst.context["graph"]["edges"]:
            fwd, grad = e.get("forward_part"), e.get("grad_part")
            if fwd and grad and not e["grad_given"]:
                # above it (y grows downwards), centred on the same column
                assert any(a[3] <= b[1] and abs((a[0] + a[2]) - (b[0] + b[2])) / 2 < 1.0
                           for a in words[f"({fwd}"] for b in words[f"({grad}"]), (type_name, seed, fwd, grad)
                checked += 1
    assert checked >= 10
