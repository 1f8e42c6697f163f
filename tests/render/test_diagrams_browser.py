"""Graph diagrams as a browser draws them: every label clear of every arrow, node and other label.

The HTML worksheet and key of a bank holding every diagram kind are opened in headless Chromium; the
boxes come from the browser's own layout (``getBBox`` of each text line with the fonts it really used,
points along each drawn curve), not from exgen's text metrics.
"""

from __future__ import annotations

import pytest

from exgen.api import generate
from exgen.bank.roster import Student
from exgen.bank.spec import load_bank
from tests.render.test_documents import ARTIFACTS

KINDS = [("node", n) for n in ("add", "multiply", "branch", "repeat", "sum", "matmul")] + \
        [("graph", f) for f in ("scalar", "affine", "two_layer")]

_GEOMETRY = r"""
(() => [...document.querySelectorAll('svg.graph')].map(svg => {
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height, t.textContent]; });
  const lines = [...svg.querySelectorAll('path')].map(p => {
    const n = p.getTotalLength(), pts = [];
    for (let i = 0; i <= 200; i++) { const q = p.getPointAtLength(n * i / 200); pts.push([q.x, q.y]); }
    return pts; });
  const heads = [...svg.querySelectorAll('polygon')].map(p => [...p.points].map(q => [q.x, q.y]));
  const nodes = [...svg.querySelectorAll('rect')].map(r => { const b = r.getBBox();
    return [b.x, b.y, b.x + b.width, b.y + b.height]; });
  return {texts, lines, heads, nodes};
}))()
"""


def _bank(tmp_path):
    lines = ["bank: diagrams", "title: Every diagram", "seed: 3", "exercises:"]
    for kind, name in KINDS:
        typ = "backprop_node" if kind == "node" else "backprop_graph"
        param = "node" if kind == "node" else "family"
        lines += [f"  - id: {name.replace('_', '-')}", f"    type: {typ}", f"    params: {{{param}: [{name}]}}"]
    path = tmp_path / "diagrams.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_bank(path)


def _inside(box, x, y, slack=0.75):
    return box[0] + slack < x < box[2] - slack and box[1] + slack < y < box[3] - slack


def _meet(a, b, slack=0.75):
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


def _problems(fig) -> list[str]:
    found = []
    texts = fig["texts"]
    for i, a in enumerate(texts):
        found += [f"{a[4]!r} overlaps {b[4]!r}" for b in texts[i + 1:] if _meet(a, b)]
        for line in fig["lines"] + fig["heads"]:
            if any(_inside(a, x, y) for x, y in line):
                found.append(f"an arrow crosses {a[4]!r}")
        for n in fig["nodes"]:
            within = n[0] <= a[0] and a[2] <= n[2] and n[1] <= a[1] and a[3] <= n[3]
            if _meet(a, n) and not within:
                found.append(f"{a[4]!r} overlaps a node")
    return found


@pytest.mark.integration
@pytest.mark.needs("chromium", "dot", why="Debian's chromium and graphviz (see .ci/run)")
@pytest.mark.parametrize("seed", [3, 8])
def test_rendered_diagrams_have_no_overlaps(tmp_path, seed):
    from tests.render.browser import Chromium

    generate(_bank(tmp_path), students=[Student(id="s1", name="Student One")], seed=seed, formats=["html"],
             out=tmp_path / "out")
    with Chromium(width=1200) as browser:
        for doc in ("worksheet", "key"):
            page = tmp_path / "out" / "html" / f"s1-{doc}.html"
            browser.load(page.resolve().as_uri())
            figures = browser.evaluate(_GEOMETRY)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            browser.screenshot(ARTIFACTS / f"diagrams-{seed}-{doc}.png")
            assert browser.problems() == []
            assert len(figures) == len(KINDS)
            for kind, fig in zip(KINDS, figures):
                assert fig["texts"] and fig["lines"], kind
                assert _problems(fig) == [], (kind, doc)
