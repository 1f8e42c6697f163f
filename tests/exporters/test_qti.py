"""Canvas QTI 1.2 export: every assessment validates against the IMS QTI ASI 1.2 XSD (shared/schemas)."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from tests.exporters.helpers import all_families_bank, one_scalar_bank, schema_path

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


@pytest.fixture(scope="module")
def qti_schema():
    return etree.XMLSchema(etree.parse(str(schema_path("qti12", "domainProfile_4", "ims_qtiasiv1p2.xsd"))))


@pytest.fixture(scope="module")
def package():
    from exgen.exporters.qti import build_package

    bank = all_families_bank()
    data, count, notes = build_package(bank, seed=bank.seed, variants=3)
    return bank, zipfile.ZipFile(io.BytesIO(data)), count, notes


def _assessments(zf):
    return [n for n in zf.namelist() if n.endswith(".xml") and not n.endswith(("assessment_meta.xml", "imsmanifest.xml"))]


def test_every_assessment_validates_against_the_qti12_xsd(package, qti_schema):
    bank, zf, count, _ = package
    names = _assessments(zf)
    assert names
    for name in names:
        doc = etree.fromstring(zf.read(name))
        assert qti_schema.validate(etree.ElementTree(doc)), f"{name}: {qti_schema.error_log}"
    assert count == 3 * len(bank.exercises)


def test_one_group_of_n_variants_per_exercise(package):
    bank, zf, _, _ = package
    doc = etree.fromstring(zf.read(_assessments(zf)[0]))
    groups = doc.findall("q:assessment/q:section/q:section", NS)
    assert [g.get("title") for g in groups] == [g.get("title") for g in groups]  # order kept
    assert len(groups) == len(bank.exercises)
    for g in groups:
        assert g.findtext("q:selection_ordering/q:selection/q:selection_number", namespaces=NS) == "1"
        assert len(g.findall("q:item", NS)) == 3
        for item in g.findall("q:item", NS):
            qtype = item.findtext(".//q:qtimetadatafield[q:fieldlabel='question_type']/q:fieldentry", namespaces=NS)
            assert qtype in {"numerical_question", "multiple_choice_question", "fill_in_multiple_blanks_question",
                             "short_answer_question"}


def test_manifest_and_meta_are_consistent(package):
    _, zf, _, _ = package
    manifest = etree.fromstring(zf.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter(f"{CP}file")]
    assert hrefs and all(h in zf.namelist() for h in hrefs)
    ids = {r.get("identifier") for r in manifest.iter(f"{CP}resource")}
    assert all(d.get("identifierref") in ids for d in manifest.iter(f"{CP}dependency"))
    meta = next(n for n in zf.namelist() if n.endswith("assessment_meta.xml"))
    assert etree.fromstring(zf.read(meta)).tag == "{http://canvas.instructure.com/xsd/cccv1p0}quiz"
    assert "non_cc_assessments/" in zf.namelist()


def test_single_scalar_exercise_is_a_numerical_question_with_the_tolerance(qti_schema):
    from exgen.build.pipeline import build_instance
    from exgen.exporters.qti import build_package

    bank = one_scalar_bank()
    data, _, _ = build_package(bank, seed=bank.seed, variants=2)
    zf = zipfile.ZipFile(io.BytesIO(data))
    doc = etree.fromstring(zf.read(_assessments(zf)[0]))
    assert qti_schema.validate(etree.ElementTree(doc)), qti_schema.error_log
    items = doc.findall(".//q:item", NS)
    for v, item in enumerate(items):
        answer = float(build_instance(bank.exercises[0], seed=bank.seed, student_id=f"variant-{v}").parts[0].answer)
        assert item.find(".//q:render_fib", NS).get("fibtype") == "Decimal"
        cond = item.find(".//q:respcondition[@continue='No']/q:conditionvar/q:or", NS)
        assert float(cond.findtext("q:varequal", namespaces=NS)) == answer
        assert float(cond.findtext("q:and/q:vargte", namespaces=NS)) == pytest.approx(answer - 0.5)
        assert float(cond.findtext("q:and/q:varlte", namespaces=NS)) == pytest.approx(answer + 0.5)


def test_math_is_a_canvas_equation_image(package):
    _, zf, _, _ = package
    text = zf.read(_assessments(zf)[0]).decode()
    assert 'class="equation_image"' in text and "data-equation-content=" in text
    assert "$" not in "".join(etree.fromstring(zf.read(_assessments(zf)[0])).itertext()).replace("$course$", "")


def test_rounded_blanks_stay_within_the_tolerance():
    from exgen.exporters.qti import accepted_texts

    texts = accepted_texts(-0.609601, {"abs": 0.005})
    assert "-0.61" in texts and "-0.610" in texts and "-0.6" not in texts
    assert all(abs(float(t) + 0.609601) <= 0.005 for t in texts)
    exact = accepted_texts(3, None)
    assert exact[0] == "3" and all(float(t) == 3 for t in exact)


def test_a_broken_assessment_fails_the_schema(package, qti_schema):
    _, zf, _, _ = package
    doc = etree.fromstring(zf.read(_assessments(zf)[0]))
    item = doc.find(".//q:item", NS)
    item.remove(item.find("q:presentation", NS))
    etree.SubElement(item, f"{{{NS['q']}}}not_a_qti_element")
    assert not qti_schema.validate(etree.ElementTree(doc))
    doc2 = etree.fromstring(zf.read(_assessments(zf)[0]))
    doc2.find(".//q:render_fib", NS).set("fibtype", "Complex") if doc2.find(".//q:render_fib", NS) is not None \
        else doc2.find(".//q:response_lid", NS).set("rcardinality", "Several")
    assert not qti_schema.validate(etree.ElementTree(doc2))


def test_same_bank_and_seed_give_byte_identical_zips():
    from exgen.exporters.qti import build_package

    bank = all_families_bank()
    assert build_package(bank, seed=5, variants=2)[0] == build_package(bank, seed=5, variants=2)[0]
    assert build_package(bank, seed=5, variants=2)[0] != build_package(bank, seed=6, variants=2)[0]


def test_cli_writes_the_zip_and_refuses_to_overwrite(tmp_path):
    from click.testing import CliRunner

    from exgen.cli import cli

    out = tmp_path / "quiz.zip"
    run = CliRunner().invoke(cli, ["export", "qti", "dl-math-basics", "--variants", "2", "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert zipfile.is_zipfile(out)
    again = CliRunner().invoke(cli, ["export", "qti", "dl-math-basics", "--out", str(out)])
    assert again.exit_code != 0 and "already exists" in str(again.exception or again.output)
