"""The round trip: an LMS's own export of a quiz's responses, regraded by ``exgen grade``.

The CSV files are written here the way each LMS writes them, from the exported questions themselves:

- Canvas: instructure/canvas-lms app/models/quizzes/quiz_statistics/student_analysis.rb ``to_csv``: columns
  name, id, section, section_id, submitted, then per question ``"<id>: #{strip_tags(question_text)}"`` and
  its points, then n correct, n incorrect, score; a fill-in-multiple-blanks cell joins the blanks' answers
  with ``,`` after ``gsub(/,/, '\\,')``; a question the student was not given has two empty cells.
  strip_tags is gems/html_text_helper ``HtmlTextHelper.strip_tags`` (tags by regex, ``&\\w+;`` dropped).
- Moodle: mod/quiz/report/responses (last_responses_table.php ``data_col``): per slot ``Question N`` (the
  question summary, question_utils::to_plain_text of the text) and ``Response N``
  (qtype_multianswer_question::summarise_response: ``part 1: ...; part 2: ...``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.exporters.helpers import all_families_bank

NS = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def strip_tags(text: str) -> str:
    """gems/html_text_helper/lib/html_text_helper.rb: HtmlTextHelper.strip_tags."""
    text = re.sub(r"</?[^<>\n]*>?", "", text or "")
    text = re.sub(r"&#\d+;", lambda m: chr(int(m.group(0)[2:-1])), text)
    return re.sub(r"&\w+;", "", text)


def _bank():
    bank = all_families_bank()
    wanted = ("dot_product-dot-value", "matmul-matmul-full", "derivative-deriv-basic", "matrix_basics-basics-easy",
              "batch_shapes-shapes-all", "backprop_node-node-any")
    return replace(bank, exercises=tuple(e for e in bank.exercises if e.id in wanted))


def _student_answer(part, how: str) -> str:
    """What a student types: the key, the key rounded inside the tolerance, or a known mistake."""
    from exgen.answers import get_kind

    kind = get_kind(part.kind)
    if how == "wrong":
        from exgen.grading.lms_responses import response_fields

        for w in part.wrong_answers:
            if w.kind in (None, part.kind):
                text = kind.typed(w.value, part)
                if len(_fields(part, text)) == response_fields(part):
                    return text
        from exgen.exporters.prairielearn import FORMS, lms_form  # the Test button's perturbations

        form = FORMS[lms_form(part)]
        if form.wrong is not None:
            return form.wrong(part)
        other = next(c["key"] for c in part.options["choices"] if c["key"] != part.answer)
        return other
    if how == "rounded" and kind.lms_form.value == "numeric-scalar":
        from exgen.exporters.html import margin

        m = margin(part.answer, part.tolerance)
        return f"{float(part.answer) + 0.6 * m:.6f}" if m else kind.typed(part.answer, part)
    return kind.typed(part.answer, part)


def _fields(part, text: str) -> list[str]:
    """Split a typed answer into the LMS's fields (blanks / sub-questions) as a student fills them in."""
    from exgen.grading.lms_responses import response_fields

    n = response_fields(part)
    if n == 1:
        return [text]
    return re.findall(r"-?[\w.+-]+", text.replace("(", " ").replace(")", " "))[:n] if part.kind == "shape" else \
        re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)[:n]


# --- Canvas ----------------------------------------------------------------------------------------------------

def _canvas_items(zip_bytes: bytes) -> list[tuple[str, str, float]]:
    """(question type, question html, points) of every item, in quiz order."""
    zf = zipfile.ZipFile(io.BytesIO(zip_bytes))
    out = []
    for name in sorted(n for n in zf.namelist() if n.endswith(".xml") and "/" in n and "meta" not in n):
        for item in ET.fromstring(zf.read(name)).iter(f"{NS}item"):
            meta = {f.findtext(f"{NS}fieldlabel"): f.findtext(f"{NS}fieldentry")
                    for f in item.iter(f"{NS}qtimetadatafield")}
            out.append((meta["question_type"], item.findtext(f"{NS}presentation/{NS}material/{NS}mattext"),
                        float(meta["points_possible"])))
    return out


def student_analysis_csv(items, students) -> str:
    """Write Canvas's Student Analysis for ``students``: [(canvas id, name, {item index: cell})]."""
    buf = io.StringIO()
    w = csv.writer(buf)
    header = ["name", "id", "section", "section_id", "submitted"]
    for k, (_qtype, html, points) in enumerate(items):
        header += [f"{1000 + k}: {strip_tags(html)}", f"{points:g}"]
    w.writerow(header + ["n correct", "n incorrect", "score"])
    for cid, name, cells in students:
        row = [name, cid, "Section 1", "7", "2026-01-05 10:00:00 UTC"]
        for k in range(len(items)):
            row += [cells[k], "0"] if k in cells else ["", ""]
        w.writerow(row + ["0", "0", "0"])
    return buf.getvalue()


def _canvas_cell(qtype: str, part_answers: list[tuple]) -> str:
    if qtype == "fill_in_multiple_blanks_question":
        return ",".join(f.replace(",", "\\,") for part, text in part_answers for f in _fields(part, text))
    if qtype == "multiple_choice_question":
        part, text = part_answers[0]
        return next(c["label"] for c in part.options["choices"] if c["key"] == text)  # the chosen answer's text
    return part_answers[0][1]


def _class(bank, variants: int):
    """Four students: (canvas id, name, how they answer, the variant of each exercise)."""
    import itertools

    hows = ["key", "rounded", "wrong", "key"]
    out = []
    for n, how in enumerate(hows):
        v = n % variants
        out.append((str(9100 + n), f"Student {n} 김", how, {ex.id: (v + k) % variants if n == 3 else v
                                                              for k, ex in zip(itertools.count(), bank.exercises)}))
    return out


@pytest.mark.parametrize("layout", ["versions", "groups"])
def test_canvas_student_analysis_is_regraded_like_exgen(layout, tmp_path):
    import exgen
    from exgen.build.keyfile import load_key
    from exgen.grading.core import grade_instance
    from exgen.grading.lms_refs import find_refs

    bank, variants = _bank(), 3
    result = exgen.export("qti", bank, out=tmp_path / "quiz.zip", variants=variants, layout=layout)
    assert str(tmp_path / "quiz-key.json") in result.files
    key = load_key(tmp_path / "quiz-key.json")
    items = _canvas_items((tmp_path / "quiz.zip").read_bytes())
    klass = _class(bank, variants) if layout == "groups" else [s[:3] + ({e.id: int(s[0]) % variants
                                                                          for e in bank.exercises},)
                                                               for s in _class(bank, variants)]
    rows, expected = [], {}
    for cid, name, how, given in klass:
        cells, total = {}, 0.0
        for k, (qtype, html, _pts) in enumerate(items):
            (ref,) = find_refs(strip_tags(html))
            if given[ref.exercise] != ref.variant or qtype == "text_only_question":
                continue
            inst = next(i for i in key["students"][ref.key_student]["exercises"] if i.exercise_id == ref.exercise)
            parts = [inst.part(ref.part)] if ref.part else list(inst.parts)
            cells[k] = _canvas_cell(qtype, [(p, _student_answer(p, how)) for p in parts])
        for ex in bank.exercises:
            inst = next(i for i in key["students"][f"variant-{given[ex.id]}"]["exercises"] if i.exercise_id == ex.id)
            scores = grade_instance(inst, {p.id: _student_answer(p, how) for p in inst.parts})
            earned = sum(s.points for s in scores.values())
            total += inst.points * earned / sum(s.max_points for s in scores.values())
        rows.append((cid, name, cells))
        expected[cid] = round(total, 4)
    analysis = tmp_path / "student_analysis.csv"
    analysis.write_text(student_analysis_csv(items, rows), encoding="utf-8")
    graded = exgen.grade(analysis, key=tmp_path / "quiz-key.json", out=tmp_path / "grades",
                         formats="canvas,json")
    assert graded.results.errors == () or not graded.results.errors, graded.results.errors
    got = {s.id: s.total for s in graded.results.students}
    assert got == pytest.approx(expected, abs=1e-3)
    assert got["9100"] == pytest.approx(sum(e.points or 0 for e in bank.exercises) or got["9100"])
    assert got["9101"] == pytest.approx(got["9100"])  # roundings inside the tolerance score full
    assert got["9102"] < got["9100"]
    gradebook = list(csv.reader(io.StringIO((tmp_path / "grades" / "canvas.csv").read_text(encoding="utf-8"))))
    assert gradebook[0][:3] == ["Student", "ID", "Section"] and gradebook[1][0] == "Points Possible"
    assert {r[1] for r in gradebook[2:]} == set(expected)  # Canvas's own user ids, so the import matches them


def test_a_canvas_export_without_refs_or_with_a_lost_blank_is_a_clear_problem(tmp_path):
    import exgen

    bank = replace(_bank(), exercises=_bank().exercises[:2])
    exgen.export("qti", bank, out=tmp_path / "quiz.zip", variants=1, layout="groups")
    items = _canvas_items((tmp_path / "quiz.zip").read_bytes())
    plain = [(q, re.sub(r"Question ref: [^<]*", "", h), p) for q, h, p in items]
    no_refs = tmp_path / "old.csv"
    no_refs.write_text(student_analysis_csv(plain, [("1", "A", {0: "1"})]))
    graded = exgen.grade(no_refs, key=tmp_path / "quiz-key.json", out=None)
    assert any("no question carries an exgen reference" in p.message for p in graded.results.problems)
    short = tmp_path / "short.csv"
    short.write_text(student_analysis_csv(items, [("1", "A", {0: "1,2"}), ("2", "B", {})]))
    graded = exgen.grade(short, key=tmp_path / "quiz-key.json", out=None)
    assert any("answer(s) for" in p.message and "short.csv:" in p.message for p in graded.results.problems)
    assert {s.id for s in graded.results.students} == {"1", "2"}  # the batch goes on


# --- Moodle ----------------------------------------------------------------------------------------------------

def moodle_responses_csv(questions: list[str], students) -> str:
    """Write Moodle's Responses report: [(email, first, last, {slot: (question text, response summary)})]."""
    buf = io.StringIO()
    w = csv.writer(buf)
    slots = range(1, len(questions) + 1)
    header = ["First name", "Last name", "Email address", "State", "Started on", "Completed", "Time taken",
              "Grade/10.00"]
    for n in slots:
        header += [f"Question {n}", f"Response {n}"]
    w.writerow(header)
    for email, first, last, given in students:
        row = [first, last, email, "Finished", "5 January 2026", "5 January 2026", "10 mins", "5.00"]
        for n in slots:
            row += list(given.get(n, ("-", "-")))
        w.writerow(row)
    return buf.getvalue()


def _moodle_plain(html: str) -> str:
    """question_utils::to_plain_text, close enough for the reference line: tags removed, entities decoded."""
    import html as h

    return " ".join(h.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_moodle_responses_are_regraded_like_exgen(tmp_path):
    import exgen
    from exgen.build.keyfile import load_key
    from exgen.grading.core import grade_instance
    from exgen.grading.lms_refs import find_refs

    bank, variants = _bank(), 2
    exgen.export("moodle", bank, out=tmp_path / "questions.xml", variants=variants)
    key = load_key(tmp_path / "questions-key.json")
    questions = {}
    for q in ET.fromstring((tmp_path / "questions.xml").read_text(encoding="utf-8")):
        if q.get("type") != "category":
            (ref,) = find_refs(q.findtext("questiontext/text"))
            questions[(ref.exercise, ref.variant)] = (q.get("type"), _moodle_plain(q.findtext("questiontext/text")))
    students, expected = [], {}
    for n, how in enumerate(["key", "wrong", "rounded"]):
        given, total = {}, 0.0
        for slot, ex in enumerate(bank.exercises, start=1):
            v = (n + slot) % variants
            qtype, text = questions[(ex.id, v)]
            inst = next(i for i in key["students"][f"variant-{v}"]["exercises"] if i.exercise_id == ex.id)
            typed = {p.id: _student_answer(p, how) for p in inst.parts}
            if qtype == "numerical":
                summary = typed[inst.parts[0].id]
            else:
                fields = [f for p in inst.parts for f in (
                    [next(c["label"] for c in p.options["choices"] if c["key"] == typed[p.id])]
                    if p.kind == "choice" else _fields(p, typed[p.id]))]
                summary = "; ".join(f"part {k}: {f}" for k, f in enumerate(fields, start=1))
            given[slot] = (text, summary)
            scores = grade_instance(inst, typed)
            total += inst.points * sum(s.points for s in scores.values()) / sum(s.max_points for s in scores.values())
        students.append((f"s{n}@example.com", f"S{n}", "Kim", given))
        expected[f"s{n}@example.com"] = round(total, 4)
    report = tmp_path / "responses.csv"
    report.write_text(moodle_responses_csv([b.id for b in bank.exercises], students), encoding="utf-8")
    graded = exgen.grade(report, key=tmp_path / "questions-key.json", out=tmp_path / "grades", formats="csv")
    assert not graded.results.errors, graded.results.errors
    got = {s.id: s.total for s in graded.results.students}
    assert got == pytest.approx(expected, abs=1e-3)
    assert got["s0@example.com"] == pytest.approx(got["s2@example.com"]) and got["s1@example.com"] < got["s0@example.com"]


def test_moodle_report_without_question_text_says_what_to_tick(tmp_path):
    import exgen

    bank = replace(_bank(), exercises=_bank().exercises[:1])
    exgen.export("moodle", bank, out=tmp_path / "q.xml", variants=1)
    report = tmp_path / "responses.csv"
    report.write_text("First name,Last name,Email address,State,Response 1\nA,B,a@b.c,Finished,part 1: 3\n")
    graded = exgen.grade(report, key=tmp_path / "q-key.json", out=None)
    assert any("'Question text'" in p.message for p in graded.results.problems)


def test_exports_split_parts_into_the_fields_the_readers_expect():
    """The contract between exporters and readers: a part has response_fields(part) blanks in the Canvas item
    and sub-questions in the Moodle Cloze question, in part order."""
    from exgen.build.pipeline import build_instance
    from exgen.exporters.base import lms_form
    from exgen.exporters.moodle import FORMS as MOODLE
    from exgen.exporters.qti import FORMS as QTI
    from exgen.grading.lms_responses import response_fields
    from tests.exporters.moodle_rules import extract_subquestions

    bank = all_families_bank()
    for ex in bank.exercises:
        for part in build_instance(ex, seed=bank.seed, student_id="variant-0").parts:
            assert len(QTI[lms_form(part)].blanks(part)[1]) == response_fields(part), (ex.id, part.id)
            assert len(extract_subquestions(MOODLE[lms_form(part)].cloze(part, 1))) == response_fields(part)
    assert json  # the key files above are JSON
    assert Path
