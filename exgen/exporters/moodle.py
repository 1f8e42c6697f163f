"""Moodle XML: one category per exercise holding N pre-drawn variants (lms-formats.md, section 2).

Parts are asked by their kind's LMS form through the one table ``FORMS``. A one-part exercise asking one
number becomes a ``numerical`` question (tolerance = exgen's absolute margin); every other exercise becomes
a Cloze (``multianswer``) question whose embedded sub-questions come from each form's ``cloze``: a number
-> NUMERICAL with tolerance and the known wrong values with their feedback; an array -> one NUMERICAL per
entry in a table; a shape -> NUMERICAL per dimension; a choice -> MULTICHOICE; a formula or text ->
SHORTANSWER accepting the canonical form only (Moodle has no CAS; noted in the export summary and in
docs/lms.md). Worked solutions are the general feedback; formulas use ``\\( \\)``.
In a quiz, add "random question from category" per exercise; tick "Get category from file" on import.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from exgen.answers import LmsForm, own_wrong_answers
from exgen.bank.spec import BankSpec
from exgen.exporters.base import (
    VARIANTS,
    FormRendering,
    Option,
    SingleFileExporter,
    build_variants,
    canonical_spellings,
    lms_form,
    stable_ident,
)
from exgen.exporters.html import margin, mathjax, plain_text, rich_html, solution_html, statement_html, svg_name
from exgen.exporters.moodle_stack import StackBuilder, s_array, s_choice, s_formula, s_number, s_shape, s_text
from exgen.formatting import decimal
from exgen.grading.lms_refs import QuestionRef, ref_html
from exgen.instance import Instance, Part

#: Largest total weight of one Cloze part's sub-questions (weights must be integers).
MAX_CLOZE_SCALE = 60


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


_plain = plain_text


def cloze_answer(text: str, *, wildcard: bool = False) -> str:
    """Return an answer as Moodle's Cloze parser reads it back unchanged.

    question/type/multianswer/questiontype.php: qtype_multianswer_extract_question() ends an answer at an
    unescaped ``~``, ``#`` or ``}`` and then unescapes only ``\\}`` and ``\\#``: those two are escaped here; any
    other backslash escape would stay in the stored answer (and a correct ``-6/(2*x + 1)`` would be compared
    with ``-6\\/(2*x + 1)``). ``~`` cannot be escaped faithfully, so it is refused. In a SHORTANSWER
    (``wildcard``), question/type/shortanswer/question.php: compare_string_with_wildcard() reads ``*`` as
    "anything" unless written ``\\*``, so a literal ``*`` is escaped.
    """
    if "~" in text:
        raise ValueError(f"a Cloze answer cannot hold '~': {text[:40]!r}")
    out = text.replace("}", "\\}").replace("#", "\\#")
    return out.replace("*", "\\*") if wildcard else out


def cloze_feedback(text: str) -> str:
    """Return feedback (rich text) for a Cloze alternative: plain words, HTML-escaped, ``}`` escaped (the
    parser unescapes it) and ``~`` (which ends the feedback and cannot be escaped) written as ``∼``."""
    return html.escape(_plain(text), quote=False).replace("}", "\\}").replace("~", "\u223c")


def cloze_plain(text: str) -> str:
    """Return rich text as a plain Cloze answer (math symbols, no markup), escaped as ``cloze_answer`` says."""
    return cloze_answer(_plain(text).replace("~", "\u223c"))


def _numerical_sub(weight: int, value: float, tol: float, wrong: list[tuple[float, str]]) -> str:
    alts = [f"={decimal(value)}:{decimal(tol)}#Correct."]
    alts += [f"%0%{decimal(w)}:0#{cloze_feedback(fb)}" for w, fb in wrong]
    alts.append("*#Not correct.")
    return "{" + f"{weight}:NUMERICAL:" + "~".join(alts) + "}"


def _scalar_wrong(part: Part) -> list[tuple[float, str]]:
    return [(float(w.value), w.feedback) for w in own_wrong_answers(part)
            if isinstance(w.value, (int, float)) and not isinstance(w.value, bool)]


# --- Cloze sub-questions per LMS form: (part, weight per sub-question) -> html with sub-questions --------

def _c_scalar(part: Part, scale: int) -> str:
    weight = max(1, round(part.points * scale))
    return _numerical_sub(weight, float(part.answer), margin(part.answer, part.tolerance), _scalar_wrong(part))


def _entries(part: Part) -> list[list[float]]:
    a = part.answer
    return [list(r) for r in a] if isinstance(a[0], (list, tuple)) else [list(a)]


def _c_matrix(part: Part, scale: int) -> str:
    rows = _entries(part)
    n = sum(len(r) for r in rows)
    weight = max(1, round(part.points * scale / n))
    cells = "".join("<tr>" + "".join(f"<td>{_numerical_sub(weight, float(x), margin(x, part.tolerance), [])}</td>"
                                      for x in row) + "</tr>" for row in rows)
    return f"<table><tbody>{cells}</tbody></table>"


def _c_shape(part: Part, scale: int) -> str:
    n = len(part.answer)
    weight = max(1, round(part.points * scale / n))
    subs = []
    for d in part.answer:
        if isinstance(d, int):
            subs.append(_numerical_sub(weight, d, 0.0, []))
        else:
            subs.append("{" + f"{weight}:SHORTANSWER:={cloze_answer(str(d), wildcard=True)}#Correct.~*#Not correct."
                        + "}")
    return "(" + ", ".join(subs) + ")"


def _c_choice(part: Part, scale: int) -> str:
    weight = max(1, round(part.points * scale))
    wrong = {w.value: w.feedback for w in own_wrong_answers(part)}
    alts = []
    for c in part.options.get("choices", ()):
        label = cloze_plain(c["label"])
        if c["key"] == part.answer:
            alts.append(f"={label}#Correct.")
        else:
            alts.append(f"%0%{label}#{cloze_feedback(wrong.get(c['key'], 'Not correct.'))}")
    return "{" + f"{weight}:MULTICHOICE:" + "~".join(alts) + "}"


accepted_spellings = canonical_spellings


def _c_short(part: Part, scale: int) -> str:
    weight = max(1, round(part.points * scale))
    alts = [f"={cloze_answer(t, wildcard=True)}#Correct." for t in accepted_spellings(part)]
    return "{" + f"{weight}:SHORTANSWER:" + "~".join(alts) + "~*#Not correct." + "}"


def _one(part: Part) -> int:
    return 1


@dataclass(frozen=True, kw_only=True)
class MoodleForm(FormRendering):
    """How Moodle asks one form: ``cloze`` writes its sub-questions, ``subquestions`` counts them (for the
    integer weights); ``numerical``: a one-part exercise of this form is a ``numerical`` question; ``stack``
    its input and PRT in a STACK question (``--formulas stack``); ``needs_cas``: with ``--formulas stack``, a
    variant asking this form is a STACK question."""

    cloze: Callable[[Part, int], str]
    stack: StackBuilder
    subquestions: Callable[[Part], int] = _one
    numerical: bool = False
    needs_cas: bool = False


#: The one table from LMS form to Moodle question (docs/lms.md lists the same rows).
FORMS: dict[LmsForm, MoodleForm] = {
    LmsForm.NUMBER: MoodleForm(how="numerical question; Cloze NUMERICAL; STACK NumAbsolute", cloze=_c_scalar,
                               stack=s_number, numerical=True),
    LmsForm.ARRAY: MoodleForm(how="Cloze NUMERICAL per entry; STACK matrix input", cloze=_c_matrix, stack=s_array,
                              subquestions=lambda part: sum(len(r) for r in _entries(part))),
    LmsForm.SHAPE: MoodleForm(how="Cloze NUMERICAL per dimension; STACK list", cloze=_c_shape, stack=s_shape,
                              subquestions=lambda part: len(part.answer)),
    LmsForm.CHOICE: MoodleForm(how="Cloze MULTICHOICE; STACK dropdown", cloze=_c_choice, stack=s_choice),
    LmsForm.FORMULA: MoodleForm(how="Cloze SHORTANSWER; STACK AlgEquiv (--formulas stack)", cloze=_c_short,
                                stack=s_formula, needs_cas=True,
                                degraded="in Cloze, only the canonical form (with or without spaces) is accepted "
                                         "(Moodle has no formula checker); --formulas stack grades by equivalence"),
    LmsForm.TEXT: MoodleForm(how="Cloze SHORTANSWER; STACK string", cloze=_c_short, stack=s_text,
                             degraded="only the canonical text is accepted (Moodle compares text exactly)"),
}

FORMULA_MODES = ("cloze", "stack")


def stack_question(inst: Instance, *, name: str, ident: str, ref: QuestionRef | None = None) -> str:
    """Return a STACK question holding every part of the variant (its input and PRT from ``FORMS[..].stack``)."""
    from exgen.exporters.moodle_stack import stack_question as build
    from exgen.exporters.moodle_stack import stack_tags

    files: dict[str, str] = {}
    body = [_statement(inst, files)]
    for part in inst.parts:
        body.append(f"<p><strong>({escape(part.id)})</strong> {rich_html(part.prompt, mathjax)}</p>\n"
                    f"<p>{stack_tags(part)}</p>")
    if ref:
        body.append(ref_html(ref))
    stored = "".join(f'<file name="{escape(n)}" path="/" encoding="base64">{data}</file>'
                     for n, data in sorted(files.items()))
    return build(name=name, ident=ident, question_html="\n".join(body), feedback_html=solution_html(inst, mathjax),
                 points=inst.points, parts=[(p, FORMS[lms_form(p)].stack(p)) for p in inst.parts], files=stored)


def _subquestion_count(part: Part) -> int:
    return FORMS[lms_form(part)].subquestions(part)


def _scale(inst: Instance) -> int:
    """Return an integer weight scale under which every sub-question's weight is close to its share."""
    lcm = 1
    for part in inst.parts:
        lcm = lcm * _subquestion_count(part) // math.gcd(lcm, _subquestion_count(part))
    return min(max(lcm, 1), MAX_CLOZE_SCALE)


def _moodle_picture(files: dict[str, str]) -> Callable[[str, str], str]:
    """Return the ``picture`` that stores a drawn graph as a file of the question text.

    question/format/xml/format.php: import_headers() reads ``<questiontext><file name path encoding="base64">``
    into the question's files, and ``@@PLUGINFILE@@/name`` in the text links to it; an ``<img>`` of that file
    survives Moodle's HTML cleaning (forceclean), which removes inline SVG.
    """
    def picture(svg: str, label: str) -> str:
        name = svg_name(svg)
        files[name] = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img src="@@PLUGINFILE@@/{name}" alt="{html.escape(label)}" role="img" />'
    return picture


def _header(name: str, question_html: str, feedback_html: str, files: Mapping[str, str] | None = None) -> list[str]:
    stored = "".join(f'<file name="{escape(n)}" path="/" encoding="base64">{data}</file>'
                     for n, data in sorted((files or {}).items()))
    return [f"    <name><text>{escape(name)}</text></name>",
            f'    <questiontext format="html"><text>{_cdata(question_html)}</text>{stored}</questiontext>',
            f'    <generalfeedback format="html"><text>{_cdata(feedback_html)}</text></generalfeedback>']


def _statement(inst: Instance, files: dict[str, str]) -> str:
    return statement_html(inst, mathjax, picture=_moodle_picture(files))


def numerical_question(inst: Instance, *, name: str, ident: str, ref: QuestionRef | None = None) -> str:
    """Return a ``numerical`` question for a one-part exercise asking one number."""
    part = inst.parts[0]
    files: dict[str, str] = {}
    question = _statement(inst, files) + f"\n<p>{rich_html(part.prompt, mathjax)}</p>"
    question += f"\n{ref_html(ref)}" if ref else ""
    lines = ['  <question type="numerical">', *_header(name, question, solution_html(inst, mathjax), files),
             f"    <defaultgrade>{decimal(inst.points)}</defaultgrade>", "    <penalty>0.3333333</penalty>",
             "    <hidden>0</hidden>", f"    <idnumber>{ident}</idnumber>"]
    answers = [(100, float(part.answer), margin(part.answer, part.tolerance), "Correct.")]
    answers += [(0, w, 0.0, fb) for w, fb in _scalar_wrong(part)]
    for fraction, value, tol, fb in answers:
        lines += [f'    <answer fraction="{fraction}" format="moodle_auto_format">',
                  f"      <text>{decimal(value)}</text>",
                  f'      <feedback format="html"><text>{_cdata(rich_html(fb, mathjax))}</text></feedback>',
                  f"      <tolerance>{decimal(tol)}</tolerance>", "    </answer>"]
    lines += ['    <answer fraction="0" format="moodle_auto_format">', "      <text>*</text>",
              '      <feedback format="html"><text>Not correct.</text></feedback>',
              "      <tolerance>0</tolerance>", "    </answer>",
              "    <unitgradingtype>0</unitgradingtype>", "    <unitpenalty>0.1000000</unitpenalty>",
              "    <showunits>3</showunits>", "    <unitsleft>0</unitsleft>", "  </question>"]
    return "\n".join(lines)


def cloze_question(inst: Instance, *, name: str, ident: str, ref: QuestionRef | None = None) -> tuple[str, list[str]]:
    """Return a Cloze (multianswer) question holding every part, and the notes."""
    scale = _scale(inst)
    files: dict[str, str] = {}
    body, notes = [_statement(inst, files)], []
    for part in inst.parts:
        form = FORMS[lms_form(part)]
        html_sub = form.cloze(part, scale)
        if form.degraded:
            notes.append(f"({part.id}): {part.kind} parts: {form.degraded}")
        body.append(f"<p><strong>({escape(part.id)})</strong> {rich_html(part.prompt, mathjax)}</p>\n<p>{html_sub}</p>")
    if ref:
        body.append(ref_html(ref))
    lines = ['  <question type="cloze">', *_header(name, "\n".join(body), solution_html(inst, mathjax), files),
             "    <penalty>0.3333333</penalty>", "    <hidden>0</hidden>", f"    <idnumber>{ident}</idnumber>",
             "  </question>"]
    return "\n".join(lines), notes


def category(path: str, *, ident: str, info: str) -> str:
    """Return the category pseudo-question that files the following questions under ``path``."""
    return "\n".join(['  <question type="category">', f"    <category><text>{escape(path)}</text></category>",
                      f'    <info format="html"><text>{_cdata(info)}</text></info>',
                      f"    <idnumber>{ident}</idnumber>", "  </question>"])


def _cat_name(text: str) -> str:
    return text.replace("/", "-").strip()


def build_xml(bank: BankSpec, *, seed: int, variants: int, formulas: str = "cloze") -> tuple[str, int, list[str]]:
    """Return the Moodle XML document, the number of questions and the export notes."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    count, notes = 0, []
    for ex, insts in build_variants(bank, seed=seed, variants=variants):
        title = insts[0].title
        out.append(category(f"$course$/top/{_cat_name(bank.title)}/{_cat_name(title)}",
                            ident=stable_ident("c", bank.id, ex.id),
                            info=f"{escape(title)}: {variants} variant(s) drawn by exgen (bank {escape(bank.id)}, "
                                 f"seed {seed}). Add a random question from this category."))
        for v, inst in enumerate(insts):
            name, ident = f"{title} - variant {v + 1}", stable_ident("q", bank.id, ex.id, str(v))
            ref = QuestionRef(ex.id, v)
            if formulas == "stack" and any(FORMS[lms_form(p)].needs_cas for p in inst.parts):
                out.append(stack_question(inst, name=name, ident=ident, ref=ref))
                note = f"{ex.id}: STACK questions (install qtype_stack in Moodle)"
                if note not in notes:
                    notes.append(note)
            elif len(inst.parts) == 1 and FORMS[lms_form(inst.parts[0])].numerical:
                out.append(numerical_question(inst, name=name, ident=ident, ref=ref))
            else:
                xml, qnotes = cloze_question(inst, name=name, ident=ident, ref=ref)
                out.append(xml)
                notes += [f"{ex.id} {n}" for n in qnotes if f"{ex.id} {n}" not in notes]
            count += 1
    out.append("</quiz>")
    return "\n".join(out) + "\n", count, notes


class MoodleExporter(SingleFileExporter):
    name = "moodle"
    summary = "Moodle XML: one category per exercise, numerical and Cloze questions"
    forms = FORMS
    options = (VARIANTS, Option("formulas", "cloze", "How variants that ask a formula are written: cloze (Cloze, "
                                "canonical form only) or stack (a STACK question graded by algebraic equivalence; "
                                "needs the qtype_stack plug-in).", choices=FORMULA_MODES))
    examples = ("exgen export moodle week1.yaml --variants 20 --out questions.xml",
                "exgen export moodle week1.yaml --variants 20 --formulas stack --out questions.xml")
    default_out = "questions.xml"
    out_help = "The Moodle XML file to import into a question bank (its variants' key goes beside it, *-key.json)."
    writes_variant_key = True

    def build(self, bank: BankSpec, *, seed: int, options: Mapping[str, Any]) -> tuple[str, int, list[str]]:
        return build_xml(bank, seed=seed, variants=options["variants"], formulas=options["formulas"])


EXPORTER = MoodleExporter()
