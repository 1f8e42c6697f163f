"""Canvas Classic Quizzes: a QTI 1.2 package (imsmanifest.xml, assessment XML, assessment_meta.xml).

Layout and encodings follow what Canvas exports and imports (instructure/canvas-lms ``lib/cc/qti``,
``gems/plugins/qti_exporter``) and text2qti. Two layouts (``--layout``):

``versions`` (default): one quiz per variant ("version k"); each exercise is a text-only stem (its statement,
0 points) followed by one Canvas question per part, worth the part's points: a number -> numerical_question
(exact answer with margin = exgen's tolerance: Canvas grades it), a choice -> multiple_choice_question, a
formula or text -> short_answer_question (canonical form only), an array -> fill_in_multiple_blanks (one
blank per entry, text), a shape -> fill_in_multiple_blanks (one blank per dimension). The instructor assigns
each version to some students (Canvas cannot draw the parts of one variant together inside one quiz: a
question group draws its items independently, and types draw different parts per variant).

``groups``: one quiz in which each exercise is a question group drawing one of its N variants per student; a
variant is one item (a one-part exercise in the Canvas type of its form, else one fill_in_multiple_blanks
item whose blanks Canvas compares as text). Canvas's score is then provisional: ``exgen grade`` reads the
quiz's Student Analysis CSV and regrades every part (docs/lms.md).

Parts are asked by their kind's LMS form through the one table ``FORMS``. Every question ends with its
reference (``exgen.grading.lms_refs``); graphs are SVG files in the package (``images/``), since Canvas's
HTML sanitizer removes inline SVG. Degradations are listed in the export summary and in docs/lms.md.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any

from exgen.answers import LmsForm, own_wrong_answers
from exgen.bank.spec import BankSpec
from exgen.exporters.base import (
    VARIANTS,
    FormRendering,
    Option,
    SingleFileExporter,
    build_variants,
    canonical_spellings,
    deterministic_zip,
    lms_form,
    stable_ident,
)
from exgen.exporters.html import (
    Picture,
    canvas_equation,
    margin,
    rich_html,
    solution_html,
    statement_html,
    svg_name,
)
from exgen.formatting import decimal
from exgen.grading.lms_refs import QuestionRef, ref_html
from exgen.instance import Instance, Part, replace

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


#: Where pictures go in the package, and how question text links them (text2qti's convention: Canvas's
#: importer replaces $IMS-CC-FILEBASE$ with the imported course files).
IMAGES = "images"
FILEBASE = "%24IMS-CC-FILEBASE%24"


def _canvas_picture(files: dict[str, bytes]) -> Callable[[str, str], str]:
    """Return the ``picture`` that stores a drawn graph as an image file of the package."""
    from html import escape

    def picture(svg: str, label: str) -> str:
        name = svg_name(svg)
        files[f"{IMAGES}/{name}"] = svg.encode("utf-8")
        return f'<img src="{FILEBASE}/{IMAGES}/{name}" alt="{escape(label)}" />'
    return picture


# --- one-part questions in Canvas's own types: (item, part, question html, ident) -> Built ---------------------
#: (Canvas question_type, notes for the export summary, extra itemfeedback (ident, html) pairs)
Built = tuple[str, list[str], list[tuple[str, str]]]


def _numerical(item: ET.Element, part: Part, question: str, ident: str, tail: str = "") -> Built:
    """A numerical question: exact answer with margin = exgen's tolerance.

    Canvas reads text it cannot parse as 0 (app/models/quizzes/quiz_question/numerical_question.rb: BigDecimal
    raises, rescued as 0.0), so when 0 lies within the margin any garbage would score full: such a part is a
    blank of spellings instead (``_part_blanks``)."""
    if abs(float(part.answer)) <= margin(part.answer, part.tolerance):
        qtype, notes, feedback = _part_blanks(item, part, question, ident, tail)
        return qtype, notes + ["a number whose tolerance includes 0 is a blank (Canvas reads unreadable text as 0)"], \
            feedback
    pres = _sub(item, "presentation")
    _mattext(pres, question + tail)
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
    """Return the texts a blank accepts for a number: exact, every rounding or truncation to 0-6 decimals within
    exgen's margin, the shortest scientific notation and a simple fraction when exact; each also with a
    leading ``+`` (positive) or a Unicode minus (negative).

    Canvas matches blanks as text (fill_in_multiple_blanks_question.rb: strip, downcase, equal), so a
    tolerance becomes the list of ways a student writes a close value, e.g. -0.609601 +- 0.005 -> -0.61,
    -0.609, -0.6096 ...; other values inside the tolerance score only after ``exgen grade`` regrades the
    quiz's responses.
    """
    import math
    from fractions import Fraction

    value, m = float(value), margin(value, tolerance)
    out = [decimal(value)]
    for d in range(7):
        cut = math.trunc(value * 10 ** d) / 10 ** d
        for text in (f"{round(value, d):.{d}f}", f"{cut:.{d}f}"):
            if float(text) == 0 and text.startswith("-"):
                continue
            if abs(float(text) - value) <= m + 1e-12 and text not in out:
                out.append(text)
    if value != 0:
        for k in range(17):
            mantissa, exponent = f"{value:.{k}e}".split("e")
            if float(f"{mantissa}e{exponent}") == value:
                out.append(f"{mantissa}e{int(exponent)}")
                break
    frac = Fraction(value).limit_denominator(100)
    if frac.denominator > 1 and float(frac) == value:
        out.append(f"{frac.numerator}/{frac.denominator}")
    out = list(dict.fromkeys(out))
    if value > 0:
        out += ["+" + t for t in out]
    elif value < 0:
        out += ["\u2212" + t[1:] for t in out]
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
    return f"<p>[{name}]</p>", [(name, canonical_spellings(part))]


def _degraded(part: Part) -> list[str]:
    """Return the export note of a part whose form Canvas cannot check faithfully (else none)."""
    degraded = FORMS[lms_form(part)].degraded
    return [f"{part.kind} parts: {degraded}"] if degraded else []


def _fimb_item(item: ET.Element, parts: tuple[Part, ...], question: str, tail: str = "") -> Built:
    html_parts, blanks, notes = [question], [], []
    for part in parts:
        form = FORMS[lms_form(part)]
        fragment, part_blanks = form.blanks(part)
        html_parts.append(f"<p><strong>({part.id})</strong> {rich_html(part.prompt, canvas_equation)}</p>{fragment}")
        blanks += part_blanks
        notes += [n for n in _degraded(part) if n not in notes]
        if form.rounds and margin(1.0, part.tolerance) > 0:
            notes.append("numbers with a tolerance are blanks accepting each rounding within the tolerance")
    if len(parts) > 1:
        notes.append("multi-part exercises are fill-in-multiple-blanks items; Canvas weighs every blank equally")
    _blanks(item, "\n".join(html_parts) + tail, blanks)
    return "fill_in_multiple_blanks_question", notes, []


def _part_blanks(item: ET.Element, part: Part, question: str, ident: str, tail: str = "") -> Built:
    """One part as its own fill_in_multiple_blanks item (an array's entries, a shape's dimensions)."""
    fragment, blanks = FORMS[lms_form(part)].blanks(part)
    _blanks(item, question + fragment + tail, blanks)
    return "fill_in_multiple_blanks_question", _degraded(part), []


def _text_only(item: ET.Element, question: str) -> None:
    """A text-only question (the stem): Canvas imports it without responses (assessment_item_converter.rb:
    create_instructure_question skips parse_question_data for text_only_question)."""
    _mattext(_sub(item, "presentation"), question)


def _choice(item: ET.Element, part: Part, question: str, ident: str, tail: str = "") -> Built:
    pres = _sub(item, "presentation")
    _mattext(pres, question + tail)
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


def _short_answer(item: ET.Element, part: Part, question: str, ident: str, tail: str = "") -> Built:
    pres = _sub(item, "presentation")
    _mattext(pres, question + tail)
    fib = _sub(_sub(pres, "response_str", ident="response1", rcardinality="Single"), "render_fib")
    _sub(fib, "response_label", ident="answer1", rshuffle="No")
    resp = _resprocessing(item)
    for text in canonical_spellings(part):  # each respcondition is one accepted answer
        cond = _sub(resp, "respcondition", continue_="No")
        _sub(_sub(cond, "conditionvar"), "varequal", text, respident="response1")
        _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    return "short_answer_question", [], []


@dataclass(frozen=True, kw_only=True)
class QtiForm(FormRendering):
    """How Canvas asks one form: ``own``, the Canvas question a part of this form is on its own (layout
    ``versions``, and a one-part exercise in ``groups``); ``blanks``, its blanks inside a multi-part
    fill-in-multiple-blanks item (layout ``groups``); ``rounds``, whether those blanks accept roundings
    within a tolerance."""

    own: Callable[[ET.Element, Part, str, str, str], Built]
    blanks: Callable[[Part], Blanks]
    rounds: bool = False


#: The one table from LMS form to Canvas question (docs/lms.md lists the same rows).
FORMS: dict[LmsForm, QtiForm] = {
    LmsForm.NUMBER: QtiForm(how="numerical question (exgen's tolerance)", own=_numerical, blanks=_b_scalar,
                            rounds=True, degraded="with --layout groups, a blank of a multi-part item, compared as "
                                              "text (roundings within the tolerance)"),
    LmsForm.ARRAY: QtiForm(how="fill-in-multiple-blanks question, one blank per entry", own=_part_blanks,
                           blanks=_b_matrix, rounds=True,
                           degraded="entries compared as text (roundings within the tolerance); Canvas gives "
                                    "credit per entry"),
    LmsForm.SHAPE: QtiForm(how="fill-in-multiple-blanks question, one blank per dimension", own=_part_blanks,
                           blanks=_b_shape),
    LmsForm.CHOICE: QtiForm(how="multiple choice question", own=_choice, blanks=_b_choice),
    LmsForm.FORMULA: QtiForm(how="short answer question", own=_short_answer, blanks=_b_text,
                             degraded="only the canonical form (with or without spaces) is accepted (Canvas cannot "
                                      "check formulas)"),
    LmsForm.TEXT: QtiForm(how="short answer question", own=_short_answer, blanks=_b_text,
                          degraded="only the canonical text is accepted (Canvas compares text exactly)"),
}

LAYOUTS = ("versions", "groups")


def _item_element(section: ET.Element, *, ident: str, title: str, qtype: str, points: float,
                  body: ET.Element, feedback: list[tuple[str, str]]) -> None:
    item = _sub(section, "item", ident=ident, title=title)
    _metadata(item, {"question_type": qtype, "points_possible": decimal(points), "original_answer_ids": "",
                     "assessment_question_identifierref": f"{ident}_ref"})
    item.extend(list(body))  # itemmetadata must come first: the rest was built aside
    for fb_ident, fb_html in feedback:
        _feedback(item, fb_ident, fb_html)


def _variant_item(section: ET.Element, inst: Instance, *, ident: str, title: str, ref: QuestionRef,
                  picture: Picture) -> list[str]:
    """Layout ``groups``: the whole variant as one item."""
    statement = statement_html(inst, canvas_equation, picture)
    scratch = ET.Element(_q("item"))
    tail = "\n" + ref_html(ref)
    if len(inst.parts) == 1:
        part = inst.parts[0]
        question = statement + f"\n<p>{rich_html(part.prompt, canvas_equation)}</p>"
        qtype, notes, feedbacks = FORMS[lms_form(part)].own(scratch, part, question, ident, tail)
        notes = list(dict.fromkeys(notes + _degraded(part)))
    else:
        qtype, notes, feedbacks = _fimb_item(scratch, inst.parts, statement, tail)
    general = [("general_fb", solution_html(inst, canvas_equation))]
    _item_element(section, ident=ident, title=title, qtype=qtype, points=inst.points, body=scratch,
                  feedback=general + feedbacks)
    return notes


def _part_items(section: ET.Element, inst: Instance, *, bank_id: str, ex_id: str, v: int, title: str,
                picture: Picture) -> list[str]:
    """Layout ``versions``: the statement as a text-only stem, then each part as its own Canvas question."""
    stem = ET.Element(_q("item"))
    _text_only(stem, statement_html(inst, canvas_equation, picture) + "\n" + ref_html(QuestionRef(ex_id, v)))
    _item_element(section, ident=stable_ident("s", bank_id, ex_id, str(v)), title=title,
                  qtype="text_only_question", points=0.0, body=stem, feedback=[])
    notes: list[str] = []
    for part in inst.parts:
        scratch = ET.Element(_q("item"))
        question = (f"<p><strong>({html_escape(part.id)})</strong> {rich_html(part.prompt, canvas_equation)}</p>")
        tail = "\n" + ref_html(QuestionRef(ex_id, v, part.id))
        ident = stable_ident("i", bank_id, ex_id, str(v), part.id)
        qtype, more, feedbacks = FORMS[lms_form(part)].own(scratch, part, question, ident, tail)
        notes += more
        solution = solution_html(replace(inst, parts=(part,)), canvas_equation)
        _item_element(section, ident=ident, title=f"{title} ({part.id})", qtype=qtype, points=part.points,
                      body=scratch, feedback=[("general_fb", solution), *feedbacks])
    return notes


def _assessment_root(title: str, ident: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element(_q("questestinterop"), {
        f"{{{XSI}}}schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    assessment = _sub(root, "assessment", ident=ident, title=title)
    meta = _sub(assessment, "qtimetadata")
    field = _sub(meta, "qtimetadatafield")
    _sub(field, "fieldlabel", "cc_maxattempts")
    _sub(field, "fieldentry", "1")
    return root, _sub(assessment, "section", ident="root_section")


def _serialise(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _note(notes: list[str], ex_id: str, found: list[str]) -> None:
    for note in found:
        if f"{ex_id}: {note}" not in notes:
            notes.append(f"{ex_id}: {note}")


def assessment_xml(bank: BankSpec, variants: list, *, ident: str,
                   files: dict[str, bytes] | None = None) -> tuple[str, int, list[str]]:
    """Return the layout-``groups`` assessment document, the number of items and the notes."""
    picture = _canvas_picture(files if files is not None else {})
    root, top = _assessment_root(bank.title, ident)
    count, notes = 0, list[str]()
    for ex, insts in variants:
        title = insts[0].title
        group = _sub(top, "section", ident=stable_ident("g", bank.id, ex.id), title=title)
        sel = _sub(_sub(group, "selection_ordering"), "selection")
        _sub(sel, "selection_number", "1")
        _sub(_sub(sel, "selection_extension"), "points_per_item", decimal(insts[0].points))
        for v, inst in enumerate(insts):
            _note(notes, ex.id, _variant_item(group, inst, ident=stable_ident("i", bank.id, ex.id, str(v)),
                                              title=f"{title} - variant {v + 1}", ref=QuestionRef(ex.id, v),
                                              picture=picture))
            count += 1
    return _serialise(root), count, notes


def version_xml(bank: BankSpec, variants: list, v: int, *, ident: str,
                files: dict[str, bytes]) -> tuple[str, int, list[str]]:
    """Return the layout-``versions`` assessment of variant ``v``, its number of items and the notes."""
    picture = _canvas_picture(files)
    root, top = _assessment_root(version_title(bank, v, len(variants[0][1]) if variants else 1), ident)
    count, notes = 0, list[str]()
    for ex, insts in variants:
        inst = insts[v]
        _note(notes, ex.id, _part_items(top, inst, bank_id=bank.id, ex_id=ex.id, v=v, title=inst.title,
                                        picture=picture))
        count += 1 + len(inst.parts)
    return _serialise(root), count, notes


def version_title(bank: BankSpec, v: int, versions: int) -> str:
    """Return the quiz title of version ``v`` (just the bank's title when there is one version)."""
    return bank.title if versions == 1 else f"{bank.title} (version {v + 1} of {versions})"


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(str(text))


def manifest_xml(*, quizzes: list[tuple[str, str]], title: str, images: Sequence[str] = ()) -> str:
    """Return imsmanifest.xml as Canvas writes it (CC 1.1 CP namespace, plain-CP vocabulary): per quiz
    (ident, dependency) an imsqti_xmlv1p2 resource and its assessment_meta.xml; each image a webcontent
    resource (as text2qti lists them, so QTIMigrationTool carries the files into the package Canvas reads)."""
    resources = []
    for ident, dependency in quizzes:
        resources.append(f'''    <resource identifier="{ident}" type="imsqti_xmlv1p2">
      <file href="{ident}/{ident}.xml"/>
      <dependency identifierref="{dependency}"/>
    </resource>
    <resource identifier="{dependency}" type="associatedcontent/imscc_xmlv1p1/learning-application-resource" href="{ident}/assessment_meta.xml">
      <file href="{ident}/assessment_meta.xml"/>
    </resource>
''')
    for path in images:
        rid = stable_ident("f", path)
        resources.append(f'''    <resource identifier="{rid}" type="webcontent" href="{_esc(path)}">
      <file href="{_esc(path)}"/>
    </resource>
''')
    first = quizzes[0][0] if quizzes else "exgen"
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{first}_manifest" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_v1p2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1 http://www.imsglobal.org/xsd/imscp_v1p1.xsd http://www.imsglobal.org/xsd/imsmd_v1p2 http://www.imsglobal.org/xsd/imsmd_v1p2p2.xsd">
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
{"".join(resources)}  </resources>
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


def build_package(bank: BankSpec, *, seed: int, variants: int, layout: str = "versions") -> tuple[bytes, int, list[str]]:
    """Return the QTI zip's bytes, the number of items and the export notes."""
    from exgen.errors import ExgenError

    if layout not in LAYOUTS:
        raise ExgenError(f"--layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
    drawn = build_variants(bank, seed=seed, variants=variants)
    points = sum(insts[0].points for _, insts in drawn)
    files: dict[str, bytes] = {}
    entries: dict[str, bytes | str] = {"non_cc_assessments/": b""}
    quizzes: list[tuple[str, str]] = []
    count, notes = 0, list[str]()
    if layout == "groups":
        ident = stable_ident("a", bank.id, str(seed))
        assessment, count, notes = assessment_xml(bank, drawn, ident=ident, files=files)
        description = (f"Generated by exgen from bank {bank.id} (seed {seed}); {variants} variant(s) per question "
                       "group. Regrade with exgen grade and the quiz's Student Analysis report (docs/lms.md).")
        runs = [(ident, bank.title, assessment, description)]
    else:
        runs = []
        for v in range(variants):
            ident = stable_ident("a", bank.id, str(seed), f"version-{v}")
            assessment, n, more = version_xml(bank, drawn, v, ident=ident, files=files)
            count += n
            notes += [m for m in more if m not in notes]
            description = (f"Generated by exgen from bank {bank.id} (seed {seed}): version {v + 1} of {variants} "
                           f"(the exercises drawn for variant-{v}). Assign each version to its students.")
            runs.append((ident, version_title(bank, v, variants), assessment, description))
        if variants > 1:
            notes.append(f"{variants} quizzes (one per version): assign each version to some students in Canvas")
    for ident, title, assessment, description in runs:
        quizzes.append((ident, f"{ident}_meta"))
        entries[f"{ident}/{ident}.xml"] = assessment
        entries[f"{ident}/assessment_meta.xml"] = assessment_meta_xml(ident=ident, title=title,
                                                                      description=description, points=points)
    entries["imsmanifest.xml"] = manifest_xml(quizzes=quizzes, title=bank.title, images=sorted(files))
    entries.update(files)
    return deterministic_zip(entries), count, notes


class QtiExporter(SingleFileExporter):
    name = "qti"
    summary = "Canvas Classic Quizzes: QTI 1.2 zip with one question group of N variants per exercise"
    forms = FORMS
    options = (VARIANTS, Option("layout", "versions", "versions: one quiz per variant, each part a question Canvas "
                                "grades (numbers with exgen's tolerance); groups: one quiz drawing a variant per "
                                "student, graded exactly by exgen grade from its Student Analysis CSV.",
                                choices=LAYOUTS))
    examples = ("exgen export qti week1.yaml --variants 4 --out quiz.zip",
                "exgen export qti week1.yaml --variants 20 --layout groups --out quiz.zip")
    default_out = "quiz.zip"
    out_help = "The QTI zip to import into Canvas (its variants' key goes beside it, *-key.json)."
    writes_variant_key = True

    def build(self, bank: BankSpec, *, seed: int, options: Mapping[str, Any]) -> tuple[bytes, int, list[str]]:
        return build_package(bank, seed=seed, variants=options["variants"], layout=options["layout"])


EXPORTER = QtiExporter()
