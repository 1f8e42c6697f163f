"""The HTML worksheet keeps what a student types and saves it as a file ``exgen grade`` reads, end to end.

In headless Chromium (network blocked): type every answer the way a student does (key presses into each
box), press "Save answers to a file" with the mouse, take the downloaded file, grade it with the
``exgen`` command; reload the page and find the answers still there; load a saved file into a fresh
browser. The page's content-security policy allows its one script (by hash) and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exgen.api import generate
from exgen.bank.roster import Student
from exgen.bank.spec import load_bank
from exgen.build.keyfile import load_key
from tests.conftest import typed
from tests.render.test_documents import ARTIFACTS

pytestmark = [pytest.mark.integration,
              pytest.mark.needs("chromium", "dot", why="Debian's chromium and graphviz (see .ci/run)")]

STUDENT = Student(id="s042", name="이서연 Seo-yeon")
TYPES = ["matrix_basics", "dot_product", "matmul", "derivative", "chain_rule", "batch_shapes", "backprop_node"]


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    folder = tmp_path_factory.mktemp("week")
    lines = ["bank: week", "title: Week 1", "seed: 5", "exercises:"]
    lines += [f"  - {{id: {t.replace('_', '-')}, type: {t}}}" for t in TYPES]
    (folder / "week.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    generate(load_bank(folder / "week.yaml"), students=[STUDENT], formats="html", out=folder / "out")
    return folder / "out"


def _click(browser, selector: str) -> None:
    """Press the mouse on an element, as a person does (a real user gesture, not a script's click())."""
    box = browser.evaluate(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
        e.scrollIntoView({{block: "center"}}); const r = e.getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2]; }})()""")
    for kind in ("mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)


def _type(browser, name: str, text: str) -> None:
    """Focus an answer box and type into it key by key (a newline is the Enter key)."""
    browser.evaluate(f"document.querySelector('textarea[name={json.dumps(name)}]').focus()")
    for i, line in enumerate(text.split("\n")):
        if i:
            browser.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter",
                         windowsVirtualKeyCode=13, text="\r")
            browser.call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
        for ch in line:
            browser.call("Input.dispatchKeyEvent", type="char", text=ch)


def _wait_for(path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not (path.is_file() and path.stat().st_size > 0):
        assert time.monotonic() < deadline, f"{path.name} was never saved"
        time.sleep(0.1)
    time.sleep(0.2)


def _answers(browser) -> dict:
    return browser.evaluate("Object.fromEntries([...document.querySelectorAll('textarea[name]')]"
                            ".map(t => [t.name, t.value]))")


def test_the_page_allows_its_one_script_and_nothing_else(week):
    page = (week / "html" / "s042-worksheet.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1 and "<script" not in page.replace("<script>" + scripts[0], "")
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    assert csp == ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                   f"script-src 'sha256-{digest}'; form-action 'none'")
    key = (week / "html" / "s042-key.html").read_text(encoding="utf-8")
    assert "<script" not in key and "script-src" not in key and "<textarea" not in key
    for banned in ("fetch(", "XMLHttpRequest", "eval(", "innerHTML", "WebSocket", "http"):
        assert banned not in scripts[0], banned


def test_type_save_and_grade_in_chromium(week, tmp_path):
    from tests.render.browser import Chromium

    key = load_key(week / "answer_key.json")
    parts = {f"{ex.exercise_id}.{p.id}": p for ex in key["students"]["s042"]["exercises"] for p in ex.parts}
    page = (week / "html" / "s042-worksheet.html").resolve().as_uri()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with Chromium(width=1000, height=900) as browser:
        browser.call("Page.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
        browser.load(page)
        boxes = browser.evaluate("[...document.querySelectorAll('textarea[name]')].map(t => t.name)")
        assert sorted(boxes) == sorted(parts)
        for name in boxes:
            _type(browser, name, typed(parts[name]))
        _click(browser, "#answers-save")
        saved = downloads / "s042-answers.json"
        _wait_for(saved)
        status = browser.evaluate("document.getElementById('answers-status').textContent")
        assert status == f"Saved s042-answers.json with {len(parts)} of {len(parts)} answers. Hand in that file."
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.screenshot(ARTIFACTS / "answer-page-saved.png")
        typed_in = _answers(browser)
        browser.load(page)  # a reload (or a closed tab) keeps what was typed, in this browser only
        assert _answers(browser) == typed_in
        assert "typed earlier" in browser.evaluate("document.getElementById('answers-status').textContent")
        assert browser.problems() == [] and browser.requests() == [page]

    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert doc == {"student": "s042", "name": STUDENT.name, "answers": typed_in}
    run = subprocess.run([sys.executable, "-m", "exgen", "grade", "--key", str(week / "answer_key.json"),
                          str(saved), "--out", str(tmp_path / "grades"), "--format", "json,feedback"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    results = json.loads((tmp_path / "grades" / "results.json").read_text(encoding="utf-8"))
    [graded] = results["students"]
    verdicts = {f"{ex['id']}.{p['id']}": p["verdict"] for ex in graded["exercises"] for p in ex["parts"]}
    assert verdicts == dict.fromkeys(parts, "correct")
    assert graded["total"] == graded["max_points"] > 0


def test_a_saved_file_loads_into_a_fresh_browser_and_another_students_does_not(week, tmp_path):
    from tests.render.browser import Chromium

    page = (week / "html" / "s042-worksheet.html").resolve().as_uri()
    mine = tmp_path / "s042-answers.json"
    mine.write_text(json.dumps({"student": "s042", "answers": {"dot-product.a": "7", "no.such": "x"}}),
                    encoding="utf-8")
    theirs = tmp_path / "s043-answers.json"
    theirs.write_text(json.dumps({"student": "s043", "answers": {"dot-product.a": "9"}}), encoding="utf-8")
    with Chromium() as browser:  # a fresh profile: nothing kept from an earlier visit
        browser.load(page)
        assert set(_answers(browser).values()) == {""}
        node = browser.call("DOM.querySelector", nodeId=browser.call("DOM.getDocument")["root"]["nodeId"],
                            selector="#answers-load")["nodeId"]
        for path, expected in ((theirs, "another student"), (mine, "Loaded 1 answers")):
            browser.call("DOM.setFileInputFiles", nodeId=node, files=[str(path)])
            deadline = time.monotonic() + 10
            while expected not in browser.evaluate("document.getElementById('answers-status').textContent"):
                assert time.monotonic() < deadline, expected
                time.sleep(0.05)
            if path == theirs:
                assert set(_answers(browser).values()) == {""}
        assert _answers(browser)["dot-product.a"] == "7"
        assert browser.problems() == []
