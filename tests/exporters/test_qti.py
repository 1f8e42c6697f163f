"""Canvas QTI 1.2 export: valid against the IMS QTI ASI 1.2 XSD, and faithful to the rules of Canvas's importer
and grader (instructure/canvas-lms, files and methods cited per test), in both layouts."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal, InvalidOperation

import pytest
from lxml import etree

from exgen.answers import LmsForm
from tests.exporters.helpers import FAMILY_BANKS, all_families_bank, families_bank, one_scalar_bank, schema_path

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


@pytest.fixture(scope="module")
def qti_schema():
    return etree.XMLSchema(etree.parse(str(schema_path("qti12", "domainProfile_4", "ims_qtiasiv1p2.xsd"))))


def _package(bank, layout: str, variants: int = 3):
    from exgen.exporters.qti import build_package

    data, count, notes = build_package(bank, seed=bank.seed, variants=variants, layout=layout)
    return bank, zipfile.ZipFile(io.BytesIO(data)), count, notes


@pytest.fixture(scope="module", params=FAMILY_BANKS)
def bank(request):
    return families_bank(request.param)


@pytest.fixture(scope="module")
def versions(bank):
    return _package(bank, "versions")


@pytest.fixture(scope="module")
def groups(bank):
    return _package(bank, "groups")


def _assessments(zf):
    return sorted(n for n in zf.namelist()
                  if n.endswith(".xml") and not n.endswith(("assessment_meta.xml", "imsmanifest.xml")))


def _items(zf):
    for name in _assessments(zf):
        yield from etree.fromstring(zf.read(name)).iter(f"{{{NS['q']}}}item")


def _field(item, label: str) -> str:
    return item.findtext(f".//q:qtimetadatafield[q:fieldlabel='{label}']/q:fieldentry", namespaces=NS)


def _question_html(item) -> str:
    return item.findtext("q:presentation/q:material/q:mattext", namespaces=NS) or ""


@pytest.mark.parametrize("layout", ["versions", "groups"])
def test_every_assessment_validates_against_the_qti12_xsd(layout, versions, groups, qti_schema):
    bank, zf, count, _ = versions if layout == "versions" else groups
    names = _assessments(zf)
    assert len(names) == (3 if layout == "versions" else 1)
    for name in names:
        doc = etree.fromstring(zf.read(name))
        assert qti_schema.validate(etree.ElementTree(doc)), f"{name}: {qti_schema.error_log}"
    assert count == len(list(_items(zf)))


def test_versions_are_a_stem_then_one_question_per_part_worth_its_points(versions):
    from exgen.build.pipeline import build_instance
    from exgen.exporters.base import lms_form
    from exgen.exporters.html import margin
    from exgen.exporters.qti import FORMS
    from exgen.grading.lms_refs import find_refs

    bank, zf, _, _ = versions
    for v, name in enumerate(_assessments(zf)):
        items = list(etree.fromstring(zf.read(name)).iter(f"{{{NS['q']}}}item"))
        refs = [find_refs(_question_html(i))[0] for i in items]
        v = refs[0].variant
        expected = []
        for ex in bank.exercises:
            inst = build_instance(ex, seed=bank.seed, student_id=f"variant-{v}")
            expected.append((ex.id, None, "text_only_question", 0.0))
            for part in inst.parts:
                own = FORMS[lms_form(part)].own.__name__
                if own == "_numerical" and abs(float(part.answer)) <= margin(part.answer, part.tolerance):
                    own = "_part_blanks"  # a zero answer (see test_a_zero_answer_is_never_a_numerical_question)
                qtype = {"_numerical": "numerical_question", "_choice": "multiple_choice_question",
                         "_short_answer": "short_answer_question",
                         "_part_blanks": "fill_in_multiple_blanks_question"}[own]
                expected.append((ex.id, part.id, qtype, part.points))
        got = [(r.exercise, r.part, _field(i, "question_type"), float(_field(i, "points_possible")))
               for r, i in zip(refs, items)]
        assert got == [(e, p, t, pytest.approx(pts)) for e, p, t, pts in expected]
        assert {r.variant for r in refs} == {v}


def test_groups_draw_one_variant_item_per_exercise(groups):
    bank, zf, _, _ = groups
    doc = etree.fromstring(zf.read(_assessments(zf)[0]))
    sections = doc.findall("q:assessment/q:section/q:section", NS)
    assert len(sections) == len(bank.exercises)
    for g in sections:
        assert g.findtext("q:selection_ordering/q:selection/q:selection_number", namespaces=NS) == "1"
        assert len(g.findall("q:item", NS)) == 3
        assert {find.variant for i in g.findall("q:item", NS) for find in _refs(i)} == {0, 1, 2}


def _refs(item):
    from exgen.grading.lms_refs import find_refs

    return find_refs(_question_html(item))


# --- numerical questions: canvas-lms numeric_interaction.rb and numerical_question.rb -----------------------

_BIGDECIMAL = re.compile(r"^\s*[+-]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def canvas_number(text: str) -> Decimal | None:
    """app/models/quizzes/quiz_question/numerical_question.rb: the answer is read with BigDecimal(text) (an
    ArgumentError scores 0): a decimal or scientific number, an optional sign, nothing else."""
    if not _BIGDECIMAL.match(text):
        return None
    try:
        return Decimal(text.strip().replace("_", ""))
    except InvalidOperation:
        return None


def numerical_answer(item) -> tuple[Decimal, Decimal]:
    """gems/plugins/qti_exporter/lib/qti/numeric_interaction.rb: an ``or`` of varequal (the exact answer) and an
    ``and`` of vargte/varlte is an exact_answer whose margin is varlte - exact (unless the window looks like a
    precision answer: both bounds ending in 5)."""
    cond = item.find(".//q:respcondition[@continue='No']/q:conditionvar/q:or", NS)
    exact = Decimal(cond.findtext("q:varequal", namespaces=NS))
    low, high = (Decimal(cond.findtext(f"q:and/q:{t}", namespaces=NS)) for t in ("vargte", "varlte"))
    assert exact - low == high - exact, "Canvas keeps one margin: the window must be symmetric"
    return exact, high - exact


def canvas_numerical_correct(item, text: str) -> bool:
    """numerical_question.rb correct_answer_parts, exact_answer: exact - margin <= answer <= exact + margin."""
    value = canvas_number(text)
    if value is None:
        return False
    exact, margin = numerical_answer(item)
    return exact - margin <= value <= exact + margin


def test_numerical_questions_grade_with_exgens_tolerance(versions):
    from exgen.answers import grade_part
    from exgen.exporters.html import margin
    from exgen.instance import Instance

    bank, zf, _, _ = versions
    checked = 0
    for item in _items(zf):
        if _field(item, "question_type") != "numerical_question":
            continue
        (ref,) = _refs(item)
        part = _part_of(bank, ref)
        value, m = float(part.answer), margin(part.answer, part.tolerance)
        inside = f"{value + 0.9 * m:.10f}" if m else repr(value)
        outside = f"{value + 1.5 * m + 1e-6 * max(1, abs(value)):.10f}"
        assert canvas_numerical_correct(item, repr(value)) and canvas_numerical_correct(item, inside), ref
        assert grade_part(part, inside).verdict == "correct"
        assert not canvas_numerical_correct(item, outside)
        assert grade_part(part, outside).verdict != "correct"
        checked += 1
        if checked == 1:  # a broken export: no margin -> a correct rounding scores 0
            broken = etree.fromstring(etree.tostring(item))
            for tag in ("vargte", "varlte"):
                broken.find(f".//q:and/q:{tag}", NS).text = broken.find(".//q:or/q:varequal", NS).text
            assert m == 0 or not canvas_numerical_correct(broken, inside)
    assert checked > 10
    assert Instance  # imported for the helper below


def _part_of(bank, ref):
    from exgen.build.pipeline import build_instance

    ex = next(e for e in bank.exercises if e.id == ref.exercise)
    return build_instance(ex, seed=bank.seed, student_id=f"variant-{ref.variant}").part(ref.part)


def test_a_zero_answer_is_never_a_numerical_question():
    """numerical_question.rb reads unparsable text as 0.0 (BigDecimal raises, rescued): a numerical question
    whose window holds 0 would give full marks for '..5'. Such parts are blanks of spellings instead."""
    import xml.etree.ElementTree as ET

    from exgen.answers import SCALAR
    from exgen.exporters.qti import FORMS, QTI_NS
    from exgen.instance import Part

    def build(answer, tol):
        item = ET.Element(f"{{{QTI_NS}}}item")
        part = Part(id="e", kind=SCALAR, prompt="x?", answer=answer, tolerance=tol)
        qtype, _notes, _fb = FORMS[LmsForm.NUMBER].own(item, part, "<p>q</p>", "i1", "")
        return qtype, etree.fromstring(ET.tostring(item))

    qtype, item = build(0.0, {"abs": 0.01})
    assert qtype == "fill_in_multiple_blanks_question"
    assert not canvas_blank_correct(fimb_blanks(item)["e_value"], "..5")
    assert canvas_blank_correct(fimb_blanks(item)["e_value"], "0.00")
    qtype, item = build(3.0, {"abs": 0.01})
    assert qtype == "numerical_question"
    exact, margin = numerical_answer(item)
    broken_exact = Decimal(0)  # what the old export asked for a zero answer: Canvas's 0.0 for '..5' falls inside
    assert canvas_number("..5") is None and broken_exact - margin <= Decimal(0) <= broken_exact + margin


def test_canvas_reads_numbers_as_bigdecimal():
    assert canvas_number("-0.609") == Decimal("-0.609") and canvas_number("+3") == 3 and canvas_number("1.5e-3")
    assert canvas_number("1/2") is None and canvas_number("\u221224") is None and canvas_number("3,5") is None


# --- fill-in-multiple-blanks: fill_in_the_blank.rb and fill_in_multiple_blanks_question.rb ------------------

def fimb_blanks(item) -> dict[str, list[str]]:
    """gems/plugins/qti_exporter/lib/qti/fill_in_the_blank.rb process_canvas: one answer per response_label of
    each response_lid; the blank id is the response ident without ``response_``."""
    out = {}
    for lid in item.iter(f"{{{NS['q']}}}response_lid"):
        blank = lid.get("ident").removeprefix("response_")
        out[blank] = [lab.findtext("q:material/q:mattext", namespaces=NS).strip()
                      for lab in lid.iter(f"{{{NS['q']}}}response_label")]
    return out


def canvas_blank_correct(accepted: list[str], typed: str) -> bool:
    """fill_in_multiple_blanks_question.rb: a blank is right when its text, stripped and downcased, equals an
    answer's text (stripped and downcased)."""
    return typed.strip().lower() in {a.strip().lower() for a in accepted}


@pytest.mark.parametrize("layout", ["versions", "groups"])
def test_every_blank_is_in_the_text_and_accepts_the_typed_key(layout, versions, groups):
    bank, zf, _, _ = versions if layout == "versions" else groups
    seen = 0
    for item in _items(zf):
        if _field(item, "question_type") != "fill_in_multiple_blanks_question":
            continue
        text = _question_html(item)
        blanks = fimb_blanks(item)
        assert blanks and all(f"[{b}]" in text for b in blanks), (layout, sorted(blanks)[:3])
        seen += 1
    assert seen


def test_blanks_accept_roundings_cuts_and_signs_within_the_tolerance():
    from exgen.exporters.qti import accepted_texts

    texts = accepted_texts(-0.609601, {"abs": 0.005})
    for typed in ("-0.61", "-0.610", "-0.609", "\u22120.61", " -0.6096 "):
        assert canvas_blank_correct(texts, typed), typed
    assert not canvas_blank_correct(texts, "-0.6") and not canvas_blank_correct(texts, "-0.62")
    assert all(abs(float(t.replace("\u2212", "-")) + 0.609601) <= 0.005 for t in texts)
    assert canvas_blank_correct(accepted_texts(6.2, {"abs": 0.01}), "31/5")
    assert canvas_blank_correct(accepted_texts(3, None), "+3") and canvas_blank_correct(accepted_texts(3, None), "3.00")


# --- question text: canvas_sanitize.rb; pictures: the package's files ----------------------------------------

#: gems/canvas_sanitize/lib/canvas_sanitize/canvas_sanitize.rb SANITIZE[:elements]: what question HTML keeps.
CANVAS_ELEMENTS = set("""a b blockquote br caption cite code col hr h1 h2 h3 h4 h5 h6 h7 h8 del ins iframe font
colgroup dd div dl dt em figure figcaption i img li ol p pre q small span strike strong sub sup table tbody td
tfoot th thead tr u ul object embed param video audio""".split())


def sanitizer_drops(html_text: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<([A-Za-z][A-Za-z0-9]*)\b", html_text)} - CANVAS_ELEMENTS


def image_problems(zf) -> list[str]:
    """Every $IMS-CC-FILEBASE$ image is a file of the zip listed in the manifest as a webcontent resource (the
    way text2qti ships images; QTIMigrationTool copies manifest files into the package Canvas imports)."""
    manifest = etree.fromstring(zf.read("imsmanifest.xml"))
    listed = {f.get("href") for r in manifest.iter(f"{CP}resource") if r.get("type") == "webcontent"
              for f in r.iter(f"{CP}file")}
    problems = []
    for item in _items(zf):
        for src in re.findall(r'<img[^>]*\ssrc="%24IMS-CC-FILEBASE%24/([^"]+)"', _question_html(item)):
            if src not in zf.namelist() or src not in listed:
                problems.append(f"{item.get('ident')}: {src}")
    return problems


@pytest.mark.parametrize("layout", ["versions", "groups"])
def test_question_html_survives_canvas_and_pictures_are_shipped(layout, versions, groups):
    _, zf, _, _ = versions if layout == "versions" else groups
    texts = [_question_html(i) for i in _items(zf)]
    assert all(sanitizer_drops(t) == set() for t in texts)
    assert any("%24IMS-CC-FILEBASE%24/images/graph-" in t for t in texts)
    assert any("<li>" in t for t in texts)  # Markdown lists are HTML lists
    assert not any(re.search(r"(^|<p>)\s*[-*] \S|```|\bmermaid\b", t) for t in texts)
    assert image_problems(zf) == []
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as out:
        for name in zf.namelist():
            if not name.startswith("images/"):
                out.writestr(name, zf.read(name))
    assert image_problems(zipfile.ZipFile(broken))
    assert sanitizer_drops('<p>x</p><figure><svg viewBox="0 0 1 1"></svg></figure>') == {"svg"}


def test_math_is_a_canvas_equation_image(versions):
    _, zf, _, _ = versions
    text = zf.read(_assessments(zf)[0]).decode()
    assert 'class="equation_image"' in text and "data-equation-content=" in text


def test_manifest_lists_every_quiz_and_file(versions):
    _, zf, _, _ = versions
    manifest = etree.fromstring(zf.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter(f"{CP}file")]
    assert hrefs and all(h in zf.namelist() for h in hrefs)
    ids = {r.get("identifier") for r in manifest.iter(f"{CP}resource")}
    assert all(d.get("identifierref") in ids for d in manifest.iter(f"{CP}dependency"))
    quizzes = [r for r in manifest.iter(f"{CP}resource") if r.get("type") == "imsqti_xmlv1p2"]
    assert len(quizzes) == 3
    metas = [n for n in zf.namelist() if n.endswith("assessment_meta.xml")]
    titles = sorted(etree.fromstring(zf.read(m)).findtext("{http://canvas.instructure.com/xsd/cccv1p0}title")
                    for m in metas)
    assert titles == [f"Every family (version {k} of 3)" for k in (1, 2, 3)]


def test_single_scalar_exercise_in_groups_is_a_numerical_question(qti_schema):
    from exgen.build.pipeline import build_instance
    from exgen.exporters.qti import build_package

    bank = one_scalar_bank()
    data, _, _ = build_package(bank, seed=bank.seed, variants=2, layout="groups")
    zf = zipfile.ZipFile(io.BytesIO(data))
    doc = etree.fromstring(zf.read(_assessments(zf)[0]))
    assert qti_schema.validate(etree.ElementTree(doc)), qti_schema.error_log
    for v, item in enumerate(doc.iter(f"{{{NS['q']}}}item")):
        answer = float(build_instance(bank.exercises[0], seed=bank.seed, student_id=f"variant-{v}").parts[0].answer)
        if abs(answer) <= 0.5:  # a zero answer is a blank (test_a_zero_answer_is_never_a_numerical_question)
            assert _field(item, "question_type") == "fill_in_multiple_blanks_question"
            continue
        exact, margin = numerical_answer(item)
        assert float(exact) == answer and float(margin) == pytest.approx(0.5)


def test_a_broken_assessment_fails_the_schema(versions, qti_schema):
    _, zf, _, _ = versions
    doc = etree.fromstring(zf.read(_assessments(zf)[0]))
    item = next(doc.iter(f"{{{NS['q']}}}item"))
    item.remove(item.find("q:presentation", NS))
    etree.SubElement(item, f"{{{NS['q']}}}not_a_qti_element")
    assert not qti_schema.validate(etree.ElementTree(doc))


def test_same_bank_and_seed_give_byte_identical_zips():
    from dataclasses import replace

    from exgen.exporters.qti import build_package

    bank = all_families_bank()
    small = replace(bank, exercises=bank.exercises[:6])
    for layout in ("versions", "groups"):
        first = build_package(small, seed=5, variants=2, layout=layout)[0]
        assert first == build_package(small, seed=5, variants=2, layout=layout)[0]
        assert first != build_package(small, seed=6, variants=2, layout=layout)[0]


def test_cli_writes_the_zip_and_its_key_and_refuses_to_overwrite(tmp_path):
    import json

    from click.testing import CliRunner

    from exgen.cli import cli

    out = tmp_path / "quiz.zip"
    run = CliRunner().invoke(cli, ["export", "qti", "dl-math-basics", "--variants", "2", "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert zipfile.is_zipfile(out)
    key = json.loads((tmp_path / "quiz-key.json").read_text())
    assert key["format"] == "exgen-key/1" and [s["id"] for s in key["students"]] == ["variant-0", "variant-1"]
    again = CliRunner().invoke(cli, ["export", "qti", "dl-math-basics", "--out", str(out)])
    assert again.exit_code != 0 and "already exists" in str(again.exception or again.output)
    bad = CliRunner().invoke(cli, ["export", "qti", "dl-math-basics", "--layout", "nope", "--out", str(out)])
    assert bad.exit_code == 2
