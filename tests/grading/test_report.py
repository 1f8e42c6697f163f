"""The class report over a designed 30-student class: misconceptions per part with the right students,
item statistics against a hand calculation, and no personal answer or name in the class document.

The class (four one-point parts: dot.a a value, dot.b an angle, dot.c a cosine, mm.a a shape):

    students  dot.a            dot.b          dot.c        mm.a                  total
    s01-s10   right            right          right        right                 4
    s11-s13   right            angle wrong    sign error   right                 2
    s14-s20   right            angle wrong    right        right                 3
    s21-s25   sign error       right          right        shape transposed      2
    s26-s27   added entries    unreadable     -            -                     0
    s28       unreadable       -              -            -                     0
    s29       -                -              -            unrecognised wrong    0
    s30       unrecognised     right          right        right                 3

"sign error" is a misconception of two parts of one exercise (a and c): each row must name its own part.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from exgen.answers import CHOICE, SCALAR, SHAPE
from exgen.grading.batch import grade_batch
from exgen.grading.report import REPORT_MD, build_report, part_stats
from exgen.grading.submissions import Submission
from exgen.instance import Instance, Part, WrongAnswer

STUDENTS = [f"s{k:02d}" for k in range(1, 31)]
NAMES = {sid: f"Zelda-{sid}" for sid in STUDENTS}
UNRECOGNISED = "1234.5"
UNREADABLE = "purple-elephant"


def instances() -> list[Instance]:
    dot = Instance(exercise_id="dot", type="dot_product", title="Dot product", points=3, given={}, parts=(
        Part(id="a", kind=SCALAR, prompt="a . b", answer=3, points=1, wrong_answers=(
            WrongAnswer(-3, "sign-error", "Check the signs."), WrongAnswer(7, "added-entries", "Multiply."))),
        Part(id="b", kind=CHOICE, prompt="angle", answer="acute", points=1,
             options={"choices": [{"key": "acute", "label": "Acute"}, {"key": "obtuse", "label": "Obtuse"}]},
             wrong_answers=(WrongAnswer("obtuse", "angle-from-sign", "Positive means acute."),)),
        Part(id="c", kind=SCALAR, prompt="cosine", answer=0.5, points=1, tolerance={"abs": 0.005},
             wrong_answers=(WrongAnswer(-0.5, "sign-error", "The cosine has the sign of a . b."),)),
    ))
    mm = Instance(exercise_id="mm", type="matmul", title="Shapes", points=1, given={}, parts=(
        Part(id="a", kind=SHAPE, prompt="shape", answer=[2, 3], points=1,
             wrong_answers=(WrongAnswer([3, 2], "shape-transposed", "Rows first."),)),))
    return [dot, mm]


def answers(sid: str) -> dict:
    k = int(sid[1:])
    right = {"a": "3", "b": "acute", "c": "0.5"}
    if k <= 10:
        return {"dot": right, "mm": {"a": "(2, 3)"}}
    if k <= 13:
        return {"dot": {**right, "b": "obtuse", "c": "-0.5"}, "mm": {"a": "2 x 3"}}
    if k <= 20:
        return {"dot": {**right, "b": "obtuse"}, "mm": {"a": "(2, 3)"}}
    if k <= 25:
        return {"dot": {**right, "a": "-3"}, "mm": {"a": "(3, 2)"}}
    if k <= 27:
        return {"dot": {"a": "7", "b": UNREADABLE}, "mm": {}}
    if k == 28:
        return {"dot": {"a": "@@"}, "mm": {}}
    if k == 29:
        return {"dot": {}, "mm": {"a": "(5, 5)"}}
    return {"dot": {**right, "a": UNRECOGNISED}, "mm": {"a": "(2, 3)"}}


@pytest.fixture(scope="module")
def results():
    insts = instances()
    key = {"bank": {"id": "week3", "title": "Week 3"},
           "students": {sid: {"name": NAMES[sid], "exercises": insts} for sid in STUDENTS}}
    subs = [Submission(sid, answers(sid), f"{sid}.yaml") for sid in STUDENTS]
    return grade_batch(key, subs)


@pytest.fixture(scope="module")
def files(results):
    return build_report(results, charts=True)


def ids(a: int, b: int) -> set[str]:
    return {f"s{k:02d}" for k in range(a, b + 1)}


def test_the_class_graded_as_designed(results):
    totals = {s.id: s.total for s in results.students}
    assert [totals[s] for s in ("s01", "s11", "s14", "s21", "s26", "s28", "s29", "s30")] == [4, 2, 3, 2, 0, 0, 0, 3]


def test_item_statistics_against_a_hand_calculation(results):
    stats = {st.label: st for st in part_stats(results)}
    a, b = stats["dot.a"], stats["dot.b"]
    # dot.a: 20 of 30 right. Upper 27% = round(8.1) = 8 students: s01-s08 by total (4, ids break ties), all right;
    # lower 8: s22-s29 (totals 2, 2, 2, 2, 0, 0, 0, 0), none right: D = 1 - 0 = 1.
    assert a.difficulty == pytest.approx(20 / 30) and a.discrimination == pytest.approx(1.0)
    # r against the rest of the total y (total - dot.a): s01-10: 3, s11-13: 1, s14-20: 2, s21-25: 2, s26-29: 0, s30: 3;
    # mean x = 2/3, mean y = 60/30 = 2; sum xy = 30 + 3 + 14 = 47, so Sxy = 47 - 30 (2/3)(2) = 7;
    # Sxx = 20 - 30 (4/9) = 20/3; sum y^2 = 90 + 3 + 28 + 20 + 9 = 150, so Syy = 150 - 30 * 4 = 30;
    # r = 7 / sqrt(20/3 * 30) = 7 / sqrt(200).
    assert a.point_biserial == pytest.approx(7 / math.sqrt(200))
    # dot.b: right for s01-10, s21-25, s30 (16); upper 8 all right, lower 8: s22-s25 right, s26-s29 not: D = 0.5.
    assert b.difficulty == pytest.approx(16 / 30) and b.discrimination == pytest.approx(0.5)
    assert dict(a.verdicts) == {"correct": 20, "incorrect": 8, "invalid": 1, "missing": 1}
    assert dict(b.verdicts) == {"correct": 16, "incorrect": 10, "invalid": 2, "missing": 2}


def test_item_statistics_against_numpy(results):
    """Every part: p, D and r recomputed here with numpy from the designed table."""
    students = sorted(results.students, key=lambda s: (-s.total, s.id))
    totals = np.array([s.total for s in students])
    for st in part_stats(results):
        x = np.array([next(p.points / p.max_points for e in s.exercises for p in e.parts
                           if (e.id, p.id) == (st.exercise, st.part)) for s in students])
        assert st.difficulty == pytest.approx(x.mean())
        assert st.discrimination == pytest.approx(x[:8].mean() - x[-8:].mean())
        assert st.point_biserial == pytest.approx(np.corrcoef(x, totals - x)[0, 1])


def sections(text: str) -> dict[tuple[str, str], dict[str, set[str]]]:
    """misconceptions.md as {(exercise, part): {tag or label: {student ids}}}."""
    out: dict[tuple[str, str], dict[str, set[str]]] = {}
    exercise = part = ""
    for line in text.splitlines():
        if line.startswith("## "):
            exercise = line[3:].split(":")[0]
        elif line.startswith("### Part ("):
            part = line[len("### Part ("):-1]
            out[(exercise, part)] = {}
        elif line.startswith("- "):
            label = re.match(r"- (`[^`]+`|[^:]+):", line).group(1).strip("`")
            out[(exercise, part)][label] = set(re.findall(r"`(s\d\d)` \(Zelda-\1\)", line))
    return out


def test_each_misconception_names_its_part_and_students(files):
    got = sections(files["misconceptions.md"])
    assert got[("dot", "a")] == {"sign-error": ids(21, 25), "added-entries": ids(26, 27),
                                 "Wrong, no misconception recognised": {"s30"},
                                 "Could not be read (invalid)": {"s28"}, "Not answered (missing)": {"s29"}}
    assert got[("dot", "b")] == {"angle-from-sign": ids(11, 20), "Could not be read (invalid)": ids(26, 27),
                                 "Not answered (missing)": ids(28, 29)}
    assert got[("dot", "c")] == {"sign-error": ids(11, 13), "Not answered (missing)": ids(26, 29)}
    assert got[("mm", "a")] == {"shape-transposed": ids(21, 25), "Wrong, no misconception recognised": {"s29"},
                                "Not answered (missing)": ids(26, 28)}
    assert "Instructor only" in files["misconceptions.md"]
    assert "Lost or added a minus sign." in files["misconceptions.md"]  # the type's declared description


def test_the_class_report_rows(files):
    report = files[REPORT_MD]
    # misconceptions per part, with counts and shares (no names)
    assert "| a | `sign-error`: Lost or added a minus sign. | 5 | 17% |" in report
    assert "| c | `sign-error`: Lost or added a minus sign. | 3 | 10% |" in report
    assert "| b | `angle-from-sign`: Did not read the angle from the sign of the dot product. | 10 | 33% |" in report
    assert "| a | `shape-transposed`: Gave the shape of the product columns first. | 5 | 17% |" in report
    # item statistics: shares of correct / partial / incorrect / invalid / missing, p, D, r
    assert "| dot.a | 30 | 67% | 0% | 27% | 3% | 3% | 0.67 | 1.00 | 0.49 |" in report
    # the parts most students missed, most first: dot.b (14), dot.a (10), mm.a (9), dot.c (7)
    missed = report.split("## Parts most students missed")[1].split("##")[0]
    assert re.findall(r"^\| (\w+\.\w) \|", missed, flags=re.M) == ["dot.b", "dot.a", "mm.a", "dot.c"]
    assert "| dot.b | 14 of 30 (47%) | 0.53 | `angle-from-sign`" in missed


def test_no_personal_answer_or_name_in_the_class_report(files):
    report = files[REPORT_MD]
    for sid in STUDENTS:
        assert sid not in report and NAMES[sid] not in report
    for personal in (UNRECOGNISED, UNREADABLE, "(5, 5)", "-0.5", "@@"):
        assert personal not in report, personal


def test_charts(files):
    pytest.importorskip("matplotlib")
    for name in ("totals.png", "exercises.png", "parts.png"):
        assert files[name][:8] == b"\x89PNG\r\n\x1a\n" and len(files[name]) > 1000, name
    assert "![Outcome of every part](parts.png)" in files[REPORT_MD]


def test_the_report_in_korean_has_the_same_figures(results):
    """The same class reported in Korean: every figure of every table row as in English, the words Korean."""
    from exgen.grading.report import MISCONCEPTIONS_MD
    from exgen.i18n import language

    english = build_report(results, charts=False)
    with language("ko"):
        korean = build_report(results, charts=False)
    report = korean[REPORT_MD]
    assert report.startswith("# 학급 보고서: Week 3\n")
    assert "| dot.b | 30명 중 14명 (47%) | 0.53 | `angle-from-sign`" in report
    assert "| 소문항 | 채점 수 | 정답 | 부분 정답 | 오답 | 읽을 수 없음 | 답 없음 | p | D | r |" in report
    assert "| dot.a | 30 | 67% | 0% | 27% | 3% | 3% | 0.67 | 1.00 | 0.49 |" in report

    def figures(text: str) -> list[list[str]]:  # per table row, in any order (Korean puts "of 30" first)
        return [sorted(re.findall(r"-?\d+(?:\.\d+)?%?", line)) for line in text.splitlines() if line.startswith("|")]

    assert figures(report) == figures(english[REPORT_MD])
    # misconceptions.md: the same students under each part's misconceptions and verdicts, in Korean words
    back = korean[MISCONCEPTIONS_MD].replace("### 소문항 (", "### Part (")
    for en, ko in (("Wrong, no misconception recognised", "틀렸지만 알려진 오개념은 아님"),
                   ("Could not be read (invalid)", "읽을 수 없는 답"), ("Not answered (missing)", "답하지 않음")):
        back = back.replace(f"- {ko}: ", f"- {en}: ")
    assert sections(back) == sections(english[MISCONCEPTIONS_MD])
    assert re.search(r"명: `s\d\d` \(Zelda-s\d\d\)", korean[MISCONCEPTIONS_MD])


def _has_cjk_font() -> bool:
    import shutil
    import subprocess

    return bool(shutil.which("fc-list")) and subprocess.run(["fc-list", "-q", "Noto Sans CJK KR"]).returncode == 0


def test_korean_charts_find_a_font_for_hangul(results):
    pytest.importorskip("matplotlib")
    from exgen.grading.report import draw_charts
    from exgen.i18n import language
    from tests.conftest import skip_or_fail

    if not _has_cjk_font():
        skip_or_fail("the Noto CJK fonts are not installed (Debian: fonts-noto-cjk)")
    lacking: list[str] = []
    with language("ko"):
        korean = draw_charts(results, lacking=lacking)
    assert lacking == []
    assert korean != draw_charts(results)  # the titles and labels are not the English ones


def test_charts_without_a_font_for_hangul_say_so_once(results, monkeypatch):
    """A machine without a Hangul font still gets its charts (with boxes) and one line in report.md saying
    what to install, instead of a warning per character on the terminal."""
    pytest.importorskip("matplotlib")
    import warnings

    from exgen.grading import report
    from exgen.i18n import language

    monkeypatch.setattr(report, "CJK_FONTS", ("No Such Font For Hangul",))
    monkeypatch.setattr(report, "_fontconfig_files", lambda family: [])
    with warnings.catch_warnings(record=True) as caught, language("ko"):
        warnings.simplefilter("always")
        files = build_report(results, charts=True)
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert set(report.CHART_FILES) <= set(files)
    assert "*차트의 일부 글자는 설치된 글꼴에 없어 네모로 보입니다 (Debian이나 Ubuntu에서는 apt-get install " \
           "fonts-noto-cjk).*" in files[REPORT_MD]
    assert "![총점 히스토그램](totals.png)" in files[REPORT_MD]


def test_matplotlib_announcing_a_slow_font_cache_build_prints_nothing(results, monkeypatch, caplog):
    """matplotlib logs "building the font cache" while it is first imported when that takes over 5 s (a
    loaded machine, an empty home); a grading run's stderr holds only its one-line problems."""
    import contextlib
    import logging

    import exgen.grading.report as report

    @contextlib.contextmanager
    def slow_first_import(folder):  # what matplotlib.font_manager does then, on the lastResort handler
        logging.getLogger("matplotlib.font_manager").warning(
            "Matplotlib is building the font cache; this may take a moment.")
        yield

    monkeypatch.setattr(logging.getLogger("matplotlib"), "level", logging.NOTSET)
    monkeypatch.setattr(report, "_caches_in", slow_first_import)
    build_report(results, charts=True)
    # a record that is not made cannot reach the lastResort handler (stderr); pytest's own handler sees any
    assert not [r for r in caplog.records if "font cache" in r.getMessage()]
