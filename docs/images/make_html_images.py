"""Make the README's Chromium screenshots of HTML worksheets (run from the repository's top folder).

    python docs/images/make_html_images.py

Writes docs/images/html-diagram-<kind>.png (each graph diagram kind, as a student's worksheet shows it),
docs/images/html-worksheet.png (the top of a worksheet page) and docs/images/html-saved.png (its answer
boxes filled in and saved). Needs Debian's chromium and graphviz; uses the test suite's DevTools driver.
"""

from __future__ import annotations

import base64
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from exgen.api import generate  # noqa: E402
from exgen.bank.roster import Student  # noqa: E402
from exgen.bank.spec import load_bank  # noqa: E402
from tests.render.browser import Chromium  # noqa: E402

OUT = ROOT / "docs" / "images"
KINDS = [("node", n) for n in ("add", "multiply", "branch", "repeat", "sum", "matmul")] + \
        [("graph", f) for f in ("scalar", "affine", "two_layer")]
STUDENT = Student(id="s001", name="Kim Min-jun")


def _bank(folder: Path) -> Path:
    lines = ["bank: diagrams", "title: Backpropagation, node by node", "seed: 3",
             "course: {name: Deep Learning Foundations}", "exercises:"]
    for kind, name in KINDS:
        typ, param = ("backprop_node", "node") if kind == "node" else ("backprop_graph", "family")
        lines += [f"  - id: {name.replace('_', '-')}", f"    type: {typ}", f"    params: {{{param}: [{name}]}}"]
    path = folder / "diagrams.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _shot(browser: Chromium, path: Path, *, selector: str | None = None, height: int | None = None,
          pad: int = 12) -> None:
    """Save a PNG of one element (with a margin), or of the top ``height`` pixels of the page."""
    if selector:
        x, y, w, h = browser.evaluate(f"""(() => {{ const r = document.querySelector({selector!r})
            .getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, r.width, r.height]; }})()""")
        clip = {"x": max(x - pad, 0), "y": max(y - pad, 0), "width": w + 2 * pad, "height": h + 2 * pad, "scale": 1}
    else:
        clip = {"x": 0, "y": 0, "width": browser.width, "height": height, "scale": 1}
    shot = browser.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    print("wrote", path.relative_to(ROOT))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(load_bank(_bank(folder)), students=[STUDENT], formats="html", out=folder / "out")
        week = ROOT / "exercise_banks" / "dl-math-basics.yaml"
        generate(load_bank(week), students=[STUDENT], formats="html", out=folder / "week", seed=11)
        with Chromium(width=900, height=1150) as browser:  # the page as a student sees it: the save bar at the bottom
            browser.load((folder / "out" / "html" / "s001-worksheet.html").resolve().as_uri())
            for i, (_, name) in enumerate(KINDS, 1):
                _shot(browser, OUT / f"html-diagram-{name.replace('_', '-')}.png",
                      selector=f"#exercise-{i} figure.graph svg")
            browser.load((folder / "week" / "html" / "s001-worksheet.html").resolve().as_uri())
            _shot(browser, OUT / "html-worksheet.png", height=1150)
            for box in browser.evaluate("[...document.querySelectorAll('textarea')].map(t => t.name)")[:3]:
                browser.evaluate(f"document.querySelector('textarea[name=\"{box}\"]').focus()")
                browser.call("Input.insertText", text={"matrices.a": "(2, 3)", "matrices.b": "column"}.get(box, "7"))
            browser.call("Page.setDownloadBehavior", behavior="deny")
            browser.evaluate("document.getElementById('answers-save').click()")
            browser.evaluate("window.scrollTo(0, 0)")
            _shot(browser, OUT / "html-saved.png", selector=".answers-bar")


if __name__ == "__main__":
    main()
