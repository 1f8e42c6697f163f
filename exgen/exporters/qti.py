"""Canvas Classic Quizzes: a QTI 1.2 package (imsmanifest.xml, assessment XML, assessment_meta.xml).

Layout and encodings follow what Canvas exports and imports (instructure/canvas-lms ``lib/cc/qti``,
``gems/plugins/qti_exporter``) and text2qti. Each exercise is one question group (Canvas
draws 1 item) holding its N variants; a variant is one item, because a group draws items independently and
could not keep the parts of one variant together (and types draw different parts per variant).

Parts are asked by their kind's LMS form through the one table ``FORMS``. A one-part exercise uses
Canvas's own type where the form has one (``single``): a number -> numerical_question (exact answer with
margin = exgen's tolerance), a choice -> multiple_choice_question, a formula or text ->
short_answer_question (canonical form only: Canvas cannot check formulas). Every other exercise is a
fill_in_multiple_blanks_question whose blanks come from each form's ``blanks``: a number -> one blank, an
array -> one blank per entry, a shape -> one per dimension, a choice -> a blank taking the key or the label,
a formula or text -> the canonical form. Canvas compares blanks as text, so a number with a tolerance
accepts every rounding (0-6 decimals) that lies within it; Canvas weighs blanks equally. These
degradations are listed in the export summary and in docs/lms.md.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from exgen.answers import LmsForm, get_kind, own_wrong_answers
from exgen.bank.spec import BankSpec
from exgen.exporters.base import (
    VARIANTS,
    FormRendering,
    SingleFileExporter,
    build_variants,
    deterministic_zip,
    lms_form,
    stable_ident,
)
from exgen.exporters.html import canvas_equation, margin, rich_html, solution_html, statement_html
from exgen.formatting import decimal
from exgen.instance import Instance, Part

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("", QTI_NS)
ET.register_namespace("xsi", XSI)


def _q(tag: str) -> str:
    return f"{{{QTI_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, _q(tag), {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _mattext(parent: ET.Element, html_text: str, *, texttype: str = "text/html") -> None:
    _sub(_sub(parent, "material"), "mattext", html_text, texttype=texttype)


def _metadata(item: ET.Element, fields: dict[str, str]) -> None:
    meta = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        f = _sub(meta, "qtimetadatafield")
        _sub(f, "fieldlabel", label)
        _sub(f, "fieldentry", entry)


def _feedback(item: ET.Element, ident: str, html_text: str) -> None:
    _mattext(_sub(_sub(item, "itemfeedback", ident=ident), "flow_mat"), html_text)


def _general_feedback_condition(resp: ET.Element) -> None:
    cond = _sub(resp, "respcondition", continue_="Yes")
    _sub(_sub(cond, "conditionvar"), "other")
    _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")


def _resprocessing(item: ET.Element) -> ET.Element:
    resp = _sub(item, "resprocessing")
    _sub(_sub(resp, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    _general_feedback_condition(resp)
    return resp


def _round(x: float) -> str:
    return decimal(float(f"{x:.12g}"))


# --- one-part questions in Canvas's own types: (item, part, question html, ident) -> Built ---------------------
#: (Canvas question_type, notes for the export summary, extra itemfeedback (ident, html) pairs)
Built = tuple[str, list[str], list[tuple[str, str]]]


def _numerical(item: ET.Element, part: Part, question: str, ident: str) -> Built:
    pres = _sub(item, "presentation")
    _mattext(pres, question)
    fib = _sub(_sub(pres, "response_str", ident="response1", rcardinality="Single"), "render_fib",
               fibtype="Decimal")
    _sub(fib, "response_label", ident="answer1")
    resp = _resprocessing(item)
    value, m = float(part.answer), margin(part.answer, part.tolerance)
    cond = _sub(resp, "respcondition", continue_="No")
    either = _sub(_sub(cond, "conditionvar"), "or")
    _sub(either, "varequal", decimal(value), respident="response1")
    both = _sub(either, "and")
    _sub(both, "vargte", _round(value - m), respident="response1")
    _sub(both, "varlte", _round(value + m), respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    return "numerical_question", [], []


def _blanks(item: ET.Element, question: str, blanks: list[tuple[str, list[str]]]) -> None:
    """Fill-in-multiple-blanks: one response_lid per blank whose labels are the accepted texts."""
    pres = _sub(item, "presentation")
    _mattext(pres, question)
    for name, accepted in blanks:
        lid = _sub(pres, "response_lid", ident=f"response_{name}")
        _mattext(lid, name, texttype="text/plain")
        render = _sub(lid, "render_choice")
        for k, text in enumerate(accepted):
            _mattext(_sub(render, "response_label", ident=f"{name}_{k}"), text, texttype="text/plain")
    resp = _resprocessing(item)
    share = f"{100 / len(blanks):.2f}"
    for name, accepted in blanks:
        for k in range(len(accepted)):
            cond = _sub(resp, "respcondition")
            _sub(_sub(cond, "conditionvar"), "varequal", f"{name}_{k}", respident=f"response_{name}")
            _sub(cond, "setvar", share, varname="SCORE", action="Add")


def accepted_texts(value: float, tolerance) -> list[str]:
    """Return the texts a blank accepts for a number: exact, and every rounding within exgen's margin.

    Canvas matches blanks as text, so a tolerance becomes "the value rounded to d decimals" for each d
    (0 to 6) whose rounding stays within the margin, e.g. -0.609601 +- 0.005 -> -0.61, -0.610, -0.6096 ...
    """
    value, m = float(value), margin(value, tolerance)
    out = [decimal(value)]
    for d in range(7):
        text = f"{round(value, d):.{d}f}"
        if abs(float(text) - value) <= m + 1e-12 and text not in out:
            out.append(text)
    return out


Blanks = tuple[str, list[tuple[str, list[str]]]]


def _blank_table(rows: list[list[str]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>[{b}]</td>" for b in row) + "</tr>" for row in rows)
    return f'<table style="border-collapse:collapse"><tbody>{body}</tbody></table>'


# --- blanks per LMS form (multi-part exercises): part -> (html after the prompt, [(blank, accepted)]) ---------

def _b_scalar(part: Part) -> Blanks:
    name = f"{part.id}_value"
    return f"<p>[{name}]</p>", [(name, accepted_texts(part.answer, part.tolerance))]


def _b_matrix(part: Part) -> Blanks:
    rows = [list(r) for r in part.answer] if isinstance(part.answer[0], (list, tuple)) else [list(part.answer)]
    names = [[f"{part.id}_r{i + 1}c{j + 1}" for j in range(len(row))] for i, row in enumerate(rows)]
    blanks = [(names[i][j], accepted_texts(x, part.tolerance)) for i, row in enumerate(rows) for j, x in enumerate(row)]
    return "<p>One number per box:</p>" + _blank_table(names), blanks


def _b_shape(part: Part) -> Blanks:
    names = [f"{part.id}_dim{k + 1}" for k in range(len(part.answer))]
    return ("<p>Shape: (" + ", ".join(f"[{n}]" for n in names) + ")</p>",
            [(n, [str(d)]) for n, d in zip(names, part.answer)])


def _b_choice(part: Part) -> Blanks:
    from html import escape

    choices = list(part.options.get("choices", ()))
    keys = ", ".join(escape(c["key"]) for c in choices)
    label = next((c["label"] for c in choices if c["key"] == part.answer), str(part.answer))
    name = f"{part.id}_choice"
    accepted = list(dict.fromkeys([str(part.answer), label]))
    return f"<p>Type one of: {keys}. [{name}]</p>", [(name, accepted)]


def _b_text(part: Part) -> Blanks:
    name = f"{part.id}_text"
    return f"<p>[{name}]</p>", [(name, [get_kind(part.kind).typed(part.answer, part)])]


def _degraded(part: Part) -> list[str]:
    """Return the export note of a part whose form Canvas cannot check faithfully (else none)."""
    degraded = FORMS[lms_form(part)].degraded
    return [f"{part.kind} parts: {degraded}"] if degraded else []


def _fimb_item(item: ET.Element, parts: tuple[Part, ...], question: str) -> Built:
    html_parts, blanks, notes = [question], [], []
    for part in parts:
        form = FORMS[lms_form(part)]
        fragment, part_blanks = form.blanks(part)
        html_parts.append(f"<p><strong>({part.id})</strong> {rich_html(part.prompt, canvas_equation)}</p>{fragment}")
        blanks += part_blanks
        notes += _degraded(part)
        if form.rounds and margin(1.0, part.tolerance) > 0:
            notes.append("numbers with a tolerance are blanks accepting each rounding within the tolerance")
    if len(parts) > 1:
        notes.append("multi-part exercises are fill-in-multiple-blanks items; Canvas weighs every blank equally")
    _blanks(item, "\n".join(html_parts), blanks)
    return "fill_in_multiple_blanks_question", notes, []


def _choice(item: ET.Element, part: Part, question: str, ident: str) -> Built:
    pres = _sub(item, "presentation")
    _mattext(pres, question)
    render = _sub(_sub(pres, "response_lid", ident="response1", rcardinality="Single"), "render_choice")
    choices = list(part.options.get("choices", ()))
    for c in choices:
        _mattext(_sub(render, "response_label", ident=f"choice_{c['key']}"), rich_html(c["label"], canvas_equation))
    resp = _resprocessing(item)
    wrong = {w.value: w.feedback for w in own_wrong_answers(part)}
    for c in choices:
        if c["key"] in wrong:
            cond = _sub(resp, "respcondition", continue_="Yes")
            _sub(_sub(cond, "conditionvar"), "varequal", f"choice_{c['key']}", respident="response1")
            _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"choice_{c['key']}_fb")
    cond = _sub(resp, "respcondition", continue_="No")
    _sub(_sub(cond, "conditionvar"), "varequal", f"choice_{part.answer}", respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    return "multiple_choice_question", [], [(f"choice_{c['key']}_fb", rich_html(wrong[c["key"]], canvas_equation))
                                            for c in choices if c["key"] in wrong]


def _short_answer(item: ET.Element, part: Part, question: str, ident: str) -> Built:
    pres = _sub(item, "presentation")
    _mattext(pres, question)
    fib = _sub(_sub(pres, "response_str", ident="response1", rcardinality="Single"), "render_fib")
    _sub(fib, "response_label", ident="answer1", rshuffle="No")
    resp = _resprocessing(item)
    cond = _sub(resp, "respcondition", continue_="No")
    _sub(_sub(cond, "conditionvar"), "varequal", get_kind(part.kind).typed(part.answer, part), respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    return "short_answer_question", [], []


@dataclass(frozen=True, kw_only=True)
class QtiForm(FormRendering):
    """How Canvas asks one form: ``blanks`` in a multi-part item; ``single``, Canvas's own question type for a
    one-part exercise (None: blanks too); ``rounds``, whether its blanks accept roundings within a tolerance."""

    blanks: Callable[[Part], Blanks]
    single: Callable[[ET.Element, Part, str, str], Built] | None = None
    rounds: bool = False


#: The one table from LMS form to Canvas question (docs/lms.md lists the same rows).
FORMS: dict[LmsForm, QtiForm] = {
    LmsForm.NUMBER: QtiForm(how="numerical question; one blank", blanks=_b_scalar, single=_numerical, rounds=True),
    LmsForm.ARRAY: QtiForm(how="one blank per entry", blanks=_b_matrix, rounds=True),
    LmsForm.SHAPE: QtiForm(how="one blank per dimension", blanks=_b_shape),
    LmsForm.CHOICE: QtiForm(how="multiple choice question; a blank taking the key or the label",
                            blanks=_b_choice, single=_choice),
    LmsForm.FORMULA: QtiForm(how="short answer question; a blank", blanks=_b_text, single=_short_answer,
                             degraded="only the canonical form is accepted (Canvas cannot check formulas)"),
    LmsForm.TEXT: QtiForm(how="short answer question; a blank", blanks=_b_text, single=_short_answer,
                          degraded="only the canonical text is accepted (Canvas compares text exactly)"),
}


def _item(section: ET.Element, inst: Instance, *, ident: str, title: str) -> list[str]:
    item = _sub(section, "item", ident=ident, title=title)
    statement = statement_html(inst, canvas_equation)
    scratch = ET.Element(_q("item"))  # itemmetadata must come first: build the rest aside, then append
    single = FORMS[lms_form(inst.parts[0])].single if len(inst.parts) == 1 else None
    if single is not None:
        part = inst.parts[0]
        question = statement + f"\n<p>{rich_html(part.prompt, canvas_equation)}</p>"
        qtype, notes, feedbacks = single(scratch, part, question, ident)
        notes = notes + _degraded(part)
    else:
        qtype, notes, feedbacks = _fimb_item(scratch, inst.parts, statement)
    _metadata(item, {"question_type": qtype, "points_possible": decimal(inst.points),
                     "original_answer_ids": "", "assessment_question_identifierref": f"{ident}_ref"})
    item.extend(list(scratch))
    _feedback(item, "general_fb", solution_html(inst, canvas_equation))
    for fb_ident, fb_html in feedbacks:
        _feedback(item, fb_ident, fb_html)
    return notes


def assessment_xml(bank: BankSpec, variants: list, *, ident: str) -> tuple[str, int, list[str]]:
    """Return the QTI 1.2 assessment document, the number of items and the notes."""
    root = ET.Element(_q("questestinterop"), {
        f"{{{XSI}}}schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    assessment = _sub(root, "assessment", ident=ident, title=bank.title)
    meta = _sub(assessment, "qtimetadata")
    field = _sub(meta, "qtimetadatafield")
    _sub(field, "fieldlabel", "cc_maxattempts")
    _sub(field, "fieldentry", "1")
    top = _sub(assessment, "section", ident="root_section")
    count, notes = 0, []
    for ex, insts in variants:
        title = insts[0].title
        group = _sub(top, "section", ident=stable_ident("g", bank.id, ex.id), title=title)
        sel = _sub(_sub(group, "selection_ordering"), "selection")
        _sub(sel, "selection_number", "1")
        _sub(_sub(sel, "selection_extension"), "points_per_item", decimal(insts[0].points))
        for v, inst in enumerate(insts):
            for note in _item(group, inst, ident=stable_ident("i", bank.id, ex.id, str(v)),
                              title=f"{title} - variant {v + 1}"):
                if f"{ex.id}: {note}" not in notes:
                    notes.append(f"{ex.id}: {note}")
            count += 1
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n", count, notes


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(str(text))


def manifest_xml(*, ident: str, dependency: str, title: str) -> str:
    """Return imsmanifest.xml as Canvas writes it (CC 1.1 CP namespace, plain-CP vocabulary)."""
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{ident}_manifest" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_v1p2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1 http://www.imsglobal.org/xsd/imscp_v1p1.xsd http://www.imsglobal.org/xsd/imsmd_v1p2 http://www.imsglobal.org/xsd/imsmd_v1p2p2.xsd">
  <metadata>
    <schema>IMS Content</schema>
    <schemaversion>1.1.3</schemaversion>
    <imsmd:lom>
      <imsmd:general>
        <imsmd:title>
          <imsmd:string>{_esc(title)}</imsmd:string>
        </imsmd:title>
      </imsmd:general>
    </imsmd:lom>
  </metadata>
  <organizations/>
  <resources>
    <resource identifier="{ident}" type="imsqti_xmlv1p2">
      <file href="{ident}/{ident}.xml"/>
      <dependency identifierref="{dependency}"/>
    </resource>
    <resource identifier="{dependency}" type="associatedcontent/imscc_xmlv1p1/learning-application-resource" href="{ident}/assessment_meta.xml">
      <file href="{ident}/assessment_meta.xml"/>
    </resource>
  </resources>
</manifest>
'''


def assessment_meta_xml(*, ident: str, title: str, description: str, points: float) -> str:
    """Return assessment_meta.xml: Canvas quiz settings (unpublished assignment quiz, one attempt)."""
    pts = decimal(points)
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<quiz identifier="{ident}" xmlns="http://canvas.instructure.com/xsd/cccv1p0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://canvas.instructure.com/xsd/cccv1p0 https://canvas.instructure.com/xsd/cccv1p0.xsd">
  <title>{_esc(title)}</title>
  <description>{_esc(description)}</description>
  <shuffle_answers>false</shuffle_answers>
  <scoring_policy>keep_highest</scoring_policy>
  <hide_results></hide_results>
  <quiz_type>assignment</quiz_type>
  <points_possible>{pts}</points_possible>
  <show_correct_answers>true</show_correct_answers>
  <anonymous_submissions>false</anonymous_submissions>
  <allowed_attempts>1</allowed_attempts>
  <one_question_at_a_time>false</one_question_at_a_time>
  <cant_go_back>false</cant_go_back>
  <available>false</available>
  <assignment identifier="{ident}_assignment">
    <title>{_esc(title)}</title>
    <workflow_state>unpublished</workflow_state>
    <quiz_identifierref>{ident}</quiz_identifierref>
    <points_possible>{pts}</points_possible>
    <grading_type>points</grading_type>
    <submission_types>online_quiz</submission_types>
  </assignment>
</quiz>
'''


def build_package(bank: BankSpec, *, seed: int, variants: int) -> tuple[bytes, int, list[str]]:
    """Return the QTI zip's bytes, the number of items and the export notes."""
    ident = stable_ident("a", bank.id, str(seed))
    drawn = build_variants(bank, seed=seed, variants=variants)
    assessment, count, notes = assessment_xml(bank, drawn, ident=ident)
    points = sum(insts[0].points for _, insts in drawn)
    description = f"Generated by exgen from bank {bank.id} (seed {seed}); {variants} variant(s) per question group."
    entries: dict[str, bytes | str] = {
        "imsmanifest.xml": manifest_xml(ident=ident, dependency=f"{ident}_meta", title=bank.title),
        "non_cc_assessments/": b"",
        f"{ident}/{ident}.xml": assessment,
        f"{ident}/assessment_meta.xml": assessment_meta_xml(ident=ident, title=bank.title,
                                                            description=description, points=points),
    }
    return deterministic_zip(entries), count, notes


class QtiExporter(SingleFileExporter):
    name = "qti"
    summary = "Canvas Classic Quizzes: QTI 1.2 zip with one question group of N variants per exercise"
    forms = FORMS
    options = (VARIANTS,)
    examples = ("exgen export qti week1.yaml --variants 20 --out quiz.zip",)
    default_out = "quiz.zip"
    out_help = "The QTI zip to import into Canvas."

    def build(self, bank: BankSpec, *, seed: int, options: Mapping[str, Any]) -> tuple[bytes, int, list[str]]:
        return build_package(bank, seed=seed, variants=options["variants"])


EXPORTER = QtiExporter()
